// Original file: proto/hpo/v1/study_service.proto


export interface HasDatasetResponse {
  'exists'?: (boolean);
}

export interface HasDatasetResponse__Output {
  'exists': (boolean);
}
