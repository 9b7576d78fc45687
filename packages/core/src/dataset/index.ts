export { datasetHash, decodeDataset, encodeDataset, looksLikeDatasetBlob, sha256Hex } from './binary.js';
export {
  type ColumnKind,
  type CsvOptions,
  DEFAULT_MISSING,
  parseCsvDataset,
  parseCsvFeatures,
  readCsvColumns,
  readCsvDataset,
  readCsvFeatures,
} from './csv.js';
export { type ImageFolderOptions, type PixelCsvOptions, readImageFolder, readPixelCsv } from './images.js';
export { loadDataset } from './load.js';
export * from './types.js';
