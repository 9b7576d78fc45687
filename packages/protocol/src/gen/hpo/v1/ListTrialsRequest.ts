// Original file: proto/hpo/v1/study_service.proto


export interface ListTrialsRequest {
  'studyId'?: (string);
  /**
   * Only trials in these states (running, complete, pruned, failed, unfinished); empty = all.
   */
  'states'?: (string)[];
}

export interface ListTrialsRequest__Output {
  'studyId': (string);
  /**
   * Only trials in these states (running, complete, pruned, failed, unfinished); empty = all.
   */
  'states': (string)[];
}
