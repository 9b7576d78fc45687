// Original file: proto/hpo/v1/study_service.proto


export interface HasDatasetRequest {
  'sha256'?: (string);
}

export interface HasDatasetRequest__Output {
  'sha256': (string);
}
