/**
 * A study's held-out test set: split off the dataset (`cv.holdout`, stratified and seeded) or
 * read from its own file (`dataset.test`). What comes back as `train` is all that tuning ever
 * sees; `test` is used once, on the refit model.
 */
import { DatasetError } from '../errors.js';
import type { StudySpec } from '../spec/study-spec.js';
import { stratifiedTrainTestSplit } from '../split/stratified.js';
import { readPixelCsv } from './images.js';
import { loadDataset } from './load.js';
import { type Dataset, selectRows } from './types.js';

export interface StudyDatasets {
  /** The rows tuning and the refit train on. */
  train: Dataset;
  /** Held-out rows, evaluated once on the refit model; absent when the spec asks for none. */
  test?: Dataset;
  /** Row indices of `test` in the original dataset (holdout only), for tests and reports. */
  testRows?: Int32Array;
}

/**
 * The training and test datasets of a study: `dataset` split by `cv.holdout`, or paired with
 * `testFile` (already read with the spec's options) checked to be the same kind of data.
 */
export function studyDatasets(spec: StudySpec, dataset: Dataset, testFile?: Dataset): StudyDatasets {
  if (spec.cv.holdout !== undefined) {
    const { train, test } = stratifiedTrainTestSplit(dataset.labels, spec.cv.holdout, spec.cv.seed);
    return { train: selectRows(dataset, train), test: selectRows(dataset, test), testRows: test };
  }
  if (!testFile) return { train: dataset };
  const where = { file: spec.dataset.test ?? '<test set>' };
  if (testFile.kind !== dataset.kind)
    throw new DatasetError(
      `holds ${testFile.kind === 'images' ? 'images' : 'a table'}, unlike the training data`,
      where,
    );
  const a = dataset.classes;
  const b = testFile.classes;
  if (a.positive !== b.positive || a.negative !== b.negative) {
    throw new DatasetError(
      `has classes '${b.positive}' / '${b.negative}', the training data '${a.positive}' / '${a.negative}'`,
      where,
      'both files need the same two label values (set dataset.positive if it is inferred differently)',
    );
  }
  if (
    testFile.kind === 'images' &&
    dataset.kind === 'images' &&
    testFile.shape.join() !== dataset.shape.join()
  )
    throw new DatasetError(
      `has images of ${testFile.shape.join('×')}, the training data ${dataset.shape.join('×')}`,
      where,
    );
  if (testFile.kind === 'tabular' && dataset.kind === 'tabular') {
    const missing = dataset.columns.filter((c) => !testFile.columns.some((t) => t.name === c.name));
    if (missing.length)
      throw new DatasetError(
        `lacks the column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c.name}'`).join(', ')} of the training data`,
        where,
      );
    const kinds = dataset.columns.filter(
      (c) => testFile.columns.find((t) => t.name === c.name)!.kind !== c.kind,
    );
    if (kinds.length)
      throw new DatasetError(
        `reads column '${kinds[0]!.name}' as ${kinds[0]!.kind === 'numeric' ? 'categorical' : 'numeric'}, the training data as ${kinds[0]!.kind}`,
        where,
        `declare its kind in dataset.columns`,
      );
  }
  return { train: dataset, test: testFile };
}

/**
 * Reads a study's `dataset.test` file with the spec's options, each column forced to the kind it
 * has in the training data (so a small test file cannot be typed differently).
 */
export function readTestDataset(spec: StudySpec, path: string, train: Dataset): Dataset {
  const options: StudySpec['dataset'] = { ...spec.dataset, path };
  // Pixels are scaled as the training pixels were, not by a guess from the test file.
  if (spec.dataset.kind === 'pixels' && train.kind === 'images') {
    return readPixelCsv(path, {
      label: spec.dataset.label!,
      shape: spec.dataset.shape!,
      scale: train.pixelScale,
      ...(spec.dataset.positive !== undefined ? { positive: spec.dataset.positive } : {}),
      ...(spec.dataset.delimiter ? { delimiter: spec.dataset.delimiter } : {}),
      ...(spec.dataset.encoding ? { encoding: spec.dataset.encoding } : {}),
    });
  }
  if (train.kind === 'tabular') {
    const columns: Record<string, 'numeric' | 'categorical' | 'ignore'> = { ...(spec.dataset.columns ?? {}) };
    for (const c of train.columns) columns[c.name] = c.kind;
    options.columns = columns;
  }
  return loadDataset(options, path);
}
