// Original file: proto/hpo/v1/study_service.proto


export interface GetLeaderboardRequest {
  'studyId'?: (string);
  /**
   * Maximum rows; 0 = all.
   */
  'top'?: (number);
}

export interface GetLeaderboardRequest__Output {
  'studyId': (string);
  /**
   * Maximum rows; 0 = all.
   */
  'top': (number);
}
