// Original file: proto/hpo/v1/study_service.proto


export interface CancelStudyRequest {
  'studyId'?: (string);
}

export interface CancelStudyRequest__Output {
  'studyId': (string);
}
