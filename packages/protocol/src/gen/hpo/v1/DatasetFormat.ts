// Original file: proto/hpo/v1/study_service.proto

/**
 * How an uploaded file is to be read.
 */
export const DatasetFormat = {
  /**
   * Read as DATASET_FORMAT_HPO (what clients before formats existed sent).
   */
  DATASET_FORMAT_UNSPECIFIED: 'DATASET_FORMAT_UNSPECIFIED',
  /**
   * hpo's canonical binary form (what `hpo submit` sends: already read, typed and checked).
   */
  DATASET_FORMAT_HPO: 'DATASET_FORMAT_HPO',
  /**
   * A CSV table as the user has it: header row, a label column, numeric and categorical columns.
   * Read at CreateStudy with the spec's dataset options (label, positive, columns, missing, ...).
   */
  DATASET_FORMAT_CSV: 'DATASET_FORMAT_CSV',
  /**
   * A CSV of pixel columns and a label column (dataset.kind pixels; dataset.shape gives h, w, c).
   */
  DATASET_FORMAT_PIXEL_CSV: 'DATASET_FORMAT_PIXEL_CSV',
  /**
   * A zip of an image folder: one subfolder per class, PNG or JPEG files (dataset.kind images).
   */
  DATASET_FORMAT_ZIP: 'DATASET_FORMAT_ZIP',
  /**
   * A tar, or gzipped tar, of an image folder laid out as for DATASET_FORMAT_ZIP.
   */
  DATASET_FORMAT_TAR: 'DATASET_FORMAT_TAR',
} as const;

/**
 * How an uploaded file is to be read.
 */
export type DatasetFormat =
  /**
   * Read as DATASET_FORMAT_HPO (what clients before formats existed sent).
   */
  | 'DATASET_FORMAT_UNSPECIFIED'
  | 0
  /**
   * hpo's canonical binary form (what `hpo submit` sends: already read, typed and checked).
   */
  | 'DATASET_FORMAT_HPO'
  | 1
  /**
   * A CSV table as the user has it: header row, a label column, numeric and categorical columns.
   * Read at CreateStudy with the spec's dataset options (label, positive, columns, missing, ...).
   */
  | 'DATASET_FORMAT_CSV'
  | 2
  /**
   * A CSV of pixel columns and a label column (dataset.kind pixels; dataset.shape gives h, w, c).
   */
  | 'DATASET_FORMAT_PIXEL_CSV'
  | 3
  /**
   * A zip of an image folder: one subfolder per class, PNG or JPEG files (dataset.kind images).
   */
  | 'DATASET_FORMAT_ZIP'
  | 4
  /**
   * A tar, or gzipped tar, of an image folder laid out as for DATASET_FORMAT_ZIP.
   */
  | 'DATASET_FORMAT_TAR'
  | 5

/**
 * How an uploaded file is to be read.
 */
export type DatasetFormat__Output = typeof DatasetFormat[keyof typeof DatasetFormat]
