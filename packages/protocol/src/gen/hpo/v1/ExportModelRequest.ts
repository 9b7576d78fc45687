// Original file: proto/hpo/v1/study_service.proto


export interface ExportModelRequest {
  'studyId'?: (string);
}

export interface ExportModelRequest__Output {
  'studyId': (string);
}
