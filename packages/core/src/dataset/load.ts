import type { StudySpec } from '../spec/study-spec.js';
import { readCsvDataset } from './csv.js';
import { readImageFolder, readPixelCsv } from './images.js';
import type { Dataset } from './types.js';

/** Reads the dataset a study spec describes from `path` (already resolved against the spec file). */
export function loadDataset(options: StudySpec['dataset'], path: string): Dataset {
  switch (options.kind) {
    case 'tabular':
      return readCsvDataset(path, {
        label: options.label!,
        ...(options.positive !== undefined ? { positive: options.positive } : {}),
        ...(options.columns ? { columns: options.columns } : {}),
        ...(options.missing ? { missing: options.missing } : {}),
        ...(options.delimiter ? { delimiter: options.delimiter } : {}),
        ...(options.encoding ? { encoding: options.encoding } : {}),
        ...(options.decimal ? { decimal: options.decimal } : {}),
      });
    case 'images':
      return readImageFolder(path, {
        ...(options.positive !== undefined ? { positive: options.positive } : {}),
        ...(options.resize ? { resize: options.resize } : {}),
        ...(options.channels ? { channels: options.channels } : {}),
      });
    case 'pixels':
      return readPixelCsv(path, {
        label: options.label!,
        shape: options.shape!,
        ...(options.positive !== undefined ? { positive: options.positive } : {}),
        ...(options.delimiter ? { delimiter: options.delimiter } : {}),
        ...(options.encoding ? { encoding: options.encoding } : {}),
      });
  }
}
