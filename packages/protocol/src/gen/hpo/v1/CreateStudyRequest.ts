// Original file: proto/hpo/v1/study_service.proto


export interface CreateStudyRequest {
  /**
   * The study spec as YAML or JSON text (same format as `hpo tune`); dataset.path is ignored.
   */
  'spec'?: (string);
  /**
   * SHA-256 of an uploaded dataset.
   */
  'datasetSha256'?: (string);
  /**
   * Optional study id (letters, digits, '-', '_'); default: the spec's name plus a suffix.
   */
  'studyId'?: (string);
}

export interface CreateStudyRequest__Output {
  /**
   * The study spec as YAML or JSON text (same format as `hpo tune`); dataset.path is ignored.
   */
  'spec': (string);
  /**
   * SHA-256 of an uploaded dataset.
   */
  'datasetSha256': (string);
  /**
   * Optional study id (letters, digits, '-', '_'); default: the spec's name plus a suffix.
   */
  'studyId': (string);
}
