import {
  classWeights,
  type Dataset,
  type FittedPipeline,
  fitPipeline,
  type LabeledMatrix,
  rowTransformer,
  sampleWeights,
  smote,
  stratifiedTrainTestSplit,
  transformColumns,
  undersample,
} from '@hpo/core';
import type { TrainParams } from './params.js';
import type { RowSource, TrainingData } from './train-loop.js';

/** Model-ready inputs for one training run. */
export interface PreparedData {
  /** Fitted tabular preprocessing (undefined for images, which are already in [0, 1]). */
  pipeline: FittedPipeline | undefined;
  inputShape: number[];
  /** Inner-training part, resampled and weighted. */
  train: TrainingData;
  /** Inner-validation part for early stopping (never resampled), if any. */
  valid: TrainingData | undefined;
}

/**
 * Fits preprocessing on `rows` (a training fold) only, holds out a stratified inner-validation
 * share for early stopping, then resamples (SMOTE / undersampling) and weights the inner-training
 * part only, so nothing about validation data leaks into what the model learns from.
 */
export function prepareTraining(
  ds: Dataset,
  rows: ArrayLike<number>,
  params: TrainParams,
  seed: number,
  /** Folds whose float32 features pass this many bytes are read through views. */
  viewAboveBytes = VIEW_ABOVE_BYTES,
  /**
   * Names `rows` of `ds` for good (e.g. the dataset's hash and the fold's cv settings): the
   * preprocessing fitted on them, and the matrix built from it, are kept for the next task on
   * the same fold, which gets the same ones (every trial of a study trains on the same folds).
   */
  rowsKey?: string,
): PreparedData {
  // kNN imputation keeps the training rows themselves: not kept (that would hold a fold's copy).
  // So knnK, which only kNN reads, is no part of the key: a search that samples it without a
  // condition on the imputer still shares one fitted fold per other choice.
  const key =
    rowsKey !== undefined && ds.kind === 'tabular' && params.imputer !== 'knn'
      ? `${rowsKey}/${rows.length}/${params.imputer}/${params.categoricalImputer}/${params.scaler}`
      : undefined;
  const kept = key === undefined ? undefined : fittedFolds.get(key);
  const pipeline =
    ds.kind === 'tabular'
      ? (kept?.pipeline ??
        fitPipeline(ds, rows, {
          numericImputer: params.imputer,
          // Only kNN reads it; other imputers record the default, whichever trial fitted them.
          knnK: params.imputer === 'knn' ? params.knnK : undefined,
          categoricalImputer: params.categoricalImputer,
          scaler: params.scaler,
        }))
      : undefined;
  const inputShape = pipeline
    ? [pipeline.featureNames.length]
    : [...(ds as Extract<Dataset, { kind: 'images' }>).shape];
  const y = labelsOf(ds, rows);
  let innerTrain: ArrayLike<number> = rows;
  let innerValid: ArrayLike<number> | undefined;
  if (params.validationFraction > 0 && canHoldOut(y)) {
    // Positions in `rows` → dataset rows: each part is transformed straight from the shared
    // table, so no matrix of the whole fold is built and then copied apart.
    const split = stratifiedTrainTestSplit(y, params.validationFraction, seed);
    innerTrain = Int32Array.from(split.train, (i) => rows[i]!);
    innerValid = Int32Array.from(split.test, (i) => rows[i]!);
  }
  // A big fold is read through views: batches are transformed from the shared table as training
  // reads them, so the fold costs no matrix of its own (about 7% of the fast MLP step's speed,
  // `bench/dist/memory/run.js --only=viewCost`). A small one is built once, which is faster.
  // Resampling needs the rows' features, and kNN imputation is too dear to redo every epoch:
  // those are always built.
  const features = inputShape.reduce((a, b) => a * b, 1);
  const big = rows.length * features * 4 > viewAboveBytes && !pipeline?.knn;
  const part = (r: ArrayLike<number>): TrainingData =>
    big ? foldView(ds, pipeline, r) : labeledMatrix(ds, pipeline, r);
  let train: { x: Float32Array | RowSource; y: Uint8Array; rows: number };
  if (params.resample === 'smote')
    train = smote(labeledMatrix(ds, pipeline, innerTrain), { k: params.smoteK, seed });
  else if (params.resample === 'undersample')
    train = undersample(labeledMatrix(ds, pipeline, innerTrain), { seed });
  else if (kept?.train && innerTrain === rows && !big) train = kept.train;
  else train = part(innerTrain);
  if (key !== undefined && pipeline) {
    // The whole fold's matrix is kept when it was built as is (never resampled: read only).
    const whole = !big && innerTrain === rows && params.resample === 'none' ? train : undefined;
    keepFitted(key, { pipeline, train: (whole as LabeledMatrix | undefined) ?? kept?.train });
  }
  const weights =
    params.classWeight === 'balanced' ? sampleWeights(train.y, classWeights(train.y, 'balanced')) : undefined;
  const valid = innerValid ? part(innerValid) : undefined;
  return {
    pipeline,
    inputShape,
    train: { x: train.x, y: train.y, rows: train.rows, ...(weights ? { weights } : {}) },
    valid,
  };
}

/** A fold's fitted preprocessing and (when built whole) its training matrix, kept by `rowsKey`. */
interface FittedFold {
  pipeline: FittedPipeline;
  train?: LabeledMatrix | undefined;
}

/**
 * Kept fitted folds, least recently used first, within FITTED_FOLDS_BYTES (matrices, labels and
 * an estimate of each pipeline). Enough entries for a study that tunes its preprocessing: 3
 * imputers × 2 categorical imputers × 3 scalers × 5 folds is 90.
 */
const fittedFolds = new Map<string, FittedFold & { bytes: number }>();
const FITTED_FOLDS_KEPT = 256;
/** Bytes of kept fitted folds per thread. */
export const FITTED_FOLDS_BYTES = 32 * 1024 * 1024;
let fittedBytes = 0;

function keepFitted(key: string, entry: FittedFold): void {
  const old = fittedFolds.get(key);
  if (old) {
    fittedFolds.delete(key);
    fittedBytes -= old.bytes;
  }
  // A pipeline's size, roughly: its feature names and categories as strings.
  const pipelineBytes = 64 * (entry.pipeline.featureNames.length + entry.pipeline.numeric.length);
  const matrixBytes = entry.train ? entry.train.x.byteLength + entry.train.y.byteLength : 0;
  const kept =
    matrixBytes + pipelineBytes > FITTED_FOLDS_BYTES
      ? { pipeline: entry.pipeline, bytes: pipelineBytes }
      : { ...entry, bytes: matrixBytes + pipelineBytes };
  if (kept.bytes > FITTED_FOLDS_BYTES) return;
  fittedFolds.set(key, kept);
  fittedBytes += kept.bytes;
  for (const [k, e] of fittedFolds) {
    if (fittedFolds.size <= FITTED_FOLDS_KEPT && fittedBytes <= FITTED_FOLDS_BYTES) break;
    fittedFolds.delete(k);
    fittedBytes -= e.bytes;
  }
}

/** A training fold's features above this size (float32 bytes) are read through a fold view. */
export const VIEW_ABOVE_BYTES = 64 * 1024 * 1024;

/**
 * Dataset rows `rows` as training data whose features are read on demand: position i is row
 * rows[i], transformed by the fitted pipeline (or copied pixels) when a batch asks for it.
 */
export function foldView(
  ds: Dataset,
  pipeline: FittedPipeline | undefined,
  rows: ArrayLike<number>,
): TrainingData {
  const ids = Int32Array.from(rows);
  const y = labelsOf(ds, ids);
  let picked = new Int32Array(0);
  if (ds.kind === 'tabular' && !pipeline) throw new Error('tabular data needs a fitted pipeline');
  const transform = ds.kind === 'tabular' ? rowTransformer(pipeline!, ds.columns) : undefined;
  const read = (positions: Int32Array, out: Float32Array) => {
    if (picked.length < positions.length) picked = new Int32Array(positions.length);
    const sel = picked.subarray(0, positions.length);
    for (let i = 0; i < positions.length; i++) sel[i] = ids[positions[i]!]!;
    if (ds.kind === 'tabular') {
      transform!(sel, out);
      return;
    }
    const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
    for (let i = 0; i < sel.length; i++)
      out.set(ds.pixels.subarray(sel[i]! * size, (sel[i]! + 1) * size), i * size);
  };
  return { x: { read }, y, rows: ids.length };
}

/** Features and labels of dataset rows `rows`. */
function labeledMatrix(
  ds: Dataset,
  pipeline: FittedPipeline | undefined,
  rows: ArrayLike<number>,
): LabeledMatrix {
  const { x, cols } = featureMatrix(ds, pipeline, rows);
  return { x, y: labelsOf(ds, rows), rows: rows.length, cols };
}

/** Features of `rows` as a row-major matrix: the fitted pipeline's output, or raw pixels. */
export function featureMatrix(
  ds: Dataset,
  pipeline: FittedPipeline | undefined,
  rows: ArrayLike<number>,
): { x: Float32Array; cols: number } {
  if (ds.kind === 'tabular') {
    if (!pipeline) throw new Error('tabular data needs a fitted pipeline');
    return { x: transformColumns(pipeline, ds.columns, rows), cols: pipeline.featureNames.length };
  }
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const x = new Float32Array(rows.length * size);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    x.set(ds.pixels.subarray(r * size, (r + 1) * size), i * size);
  }
  return { x, cols: size };
}

/** An inner split needs at least two rows of each class (one per side). */
function canHoldOut(y: Uint8Array): boolean {
  let pos = 0;
  for (const v of y) pos += v;
  return pos >= 2 && y.length - pos >= 2 && y.length >= 10;
}

/** The labels of dataset rows `rows`, in that order. */
export function labelsOf(ds: Dataset, rows: ArrayLike<number>): Uint8Array {
  const labels = ds.labels;
  const out = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = labels[rows[i]!]!;
  return out;
}
