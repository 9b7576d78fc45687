// Original file: proto/hpo/v1/study_service.proto


export interface ExportEventsRequest {
  'studyId'?: (string);
}

export interface ExportEventsRequest__Output {
  'studyId': (string);
}
