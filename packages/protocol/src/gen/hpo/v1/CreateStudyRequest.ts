// Original file: proto/hpo/v1/study_service.proto


export interface CreateStudyRequest {
  /**
   * The study spec as YAML or JSON text (same format as `hpo tune`); dataset.path is ignored.
   */
  'spec'?: (string);
  /**
   * SHA-256 of an uploaded dataset file (any format). A file that is not in hpo's canonical form
   * is read here with the spec's dataset options; a problem with it is INVALID_ARGUMENT naming
   * the row and column. The study then runs on the file's canonical form (Study.dataset_sha256).
   */
  'datasetSha256'?: (string);
  /**
   * Optional study id (letters, digits, '-', '_'); default: the spec's name plus a suffix.
   */
  'studyId'?: (string);
  /**
   * SHA-256 of an uploaded file of held-out test rows, for a spec with dataset.test (read like
   * dataset_sha256, each column as the training data has it). Never used in tuning: the refit
   * model is evaluated on it once (Study.model_estimate). Omit it for cv.holdout, which splits
   * the test rows off dataset_sha256 here.
   */
  'testDatasetSha256'?: (string);
}

export interface CreateStudyRequest__Output {
  /**
   * The study spec as YAML or JSON text (same format as `hpo tune`); dataset.path is ignored.
   */
  'spec': (string);
  /**
   * SHA-256 of an uploaded dataset file (any format). A file that is not in hpo's canonical form
   * is read here with the spec's dataset options; a problem with it is INVALID_ARGUMENT naming
   * the row and column. The study then runs on the file's canonical form (Study.dataset_sha256).
   */
  'datasetSha256': (string);
  /**
   * Optional study id (letters, digits, '-', '_'); default: the spec's name plus a suffix.
   */
  'studyId': (string);
  /**
   * SHA-256 of an uploaded file of held-out test rows, for a spec with dataset.test (read like
   * dataset_sha256, each column as the training data has it). Never used in tuning: the refit
   * model is evaluated on it once (Study.model_estimate). Omit it for cv.holdout, which splits
   * the test rows off dataset_sha256 here.
   */
  'testDatasetSha256': (string);
}
