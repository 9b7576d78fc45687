// Original file: proto/hpo/v1/study_service.proto


export interface WatchStudyRequest {
  'studyId'?: (string);
}

export interface WatchStudyRequest__Output {
  'studyId': (string);
}
