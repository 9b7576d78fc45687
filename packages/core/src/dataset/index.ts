export {
  datasetHash,
  decodeDataset,
  encodeDataset,
  looksLikeDatasetBlob,
  readDatasetFile,
  sha256Hex,
  writeDatasetFile,
} from './binary.js';
export {
  type ColumnKind,
  type CsvOptions,
  type CsvReadOptions,
  type CsvTable,
  DEFAULT_MISSING,
  NUMERIC_SHARE,
  parseCsvDataset,
  parseCsvFeatures,
  parseCsvTable,
  readCsvColumns,
  readCsvDataset,
  readCsvFeatures,
  readCsvTable,
  tableColumns,
  tableFeatures,
} from './csv.js';
export {
  CSV_DELIMITERS,
  CSV_ENCODINGS,
  type CsvEncoding,
  decodeCsv,
  detectDelimiter,
  normalizeDelimiter,
} from './dialect.js';
export { readTestDataset, type StudyDatasets, studyDatasets } from './holdout.js';
export { type ImageFolderOptions, type PixelCsvOptions, readImageFolder, readPixelCsv } from './images.js';
export { loadDataset } from './load.js';
export * from './types.js';
