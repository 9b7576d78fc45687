// Original file: proto/hpo/v1/study_service.proto


export interface GetStudyRequest {
  'studyId'?: (string);
}

export interface GetStudyRequest__Output {
  'studyId': (string);
}
