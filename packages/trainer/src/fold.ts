import {
  computeScalarMetrics,
  type Dataset,
  type FittedPipeline,
  type FoldReport,
  type FoldResult,
  type FoldTask,
  isReportEpoch,
  type ParamValue,
} from '@hpo/core';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.js';
import { buildNetwork, disposeNetwork } from './network.js';
import { resolveParams } from './params.js';
import { featureMatrix, labelsOf, prepareTraining } from './prepare.js';
import { type EpochCallback, fit, predictProba } from './train-loop.js';

/** One (trial, fold) unit of work in this thread: train on `train` rows, evaluate on `valid` rows. */
export interface TrainFoldInput {
  dataset: Dataset;
  train: ArrayLike<number>;
  valid: ArrayLike<number>;
  /** The trial's parameters as the sampler produced them (defaults fill the rest). */
  params: Record<string, ParamValue>;
  /** Seeds weight init, dropout, shuffling, inner split and resampling. */
  seed: number;
  /** Decision threshold for the threshold metrics (probability); default 0.5. */
  threshold?: number;
  onEpoch?: EpochCallback;
  /**
   * Reports the validation fold's `metric` after the epochs minEpochs·factor^i below
   * `params.epochs` (ASHA's rungs) through `onReport`, with the network as it stands then.
   */
  report?: FoldTask['report'];
  onReport?: (report: FoldReport) => void;
  /** Asked before every batch; true stops the fold with `TrainingStopped` (result unwanted). */
  shouldStop?: () => boolean;
  /**
   * Names the `train` rows of `dataset` for good (its hash and the fold's cv settings): the
   * preprocessing fitted on them is kept for the next fold task on the same rows.
   */
  rowsKey?: string;
}

/** Everything a fold reports back (core's FoldResult), plus the per-row predictions. */
export interface FoldOutcome extends FoldResult {
  /** Predicted probabilities on the validation rows (the out-of-fold block is made of them). */
  validProba: number[];
}

/** Preprocess → resample → fit with class weights → predict the validation fold → metrics. */
export async function trainFold(task: TrainFoldInput): Promise<FoldOutcome> {
  const backend = await initBackend();
  const params = resolveParams(task.params);
  const t0 = performance.now();
  const data = prepareTraining(task.dataset, task.train, params, task.seed, undefined, task.rowsKey);
  const t1 = performance.now();
  const net = buildNetwork(params, data.inputShape, task.seed);
  const yTrue = labelsOf(task.dataset, task.valid);
  const threshold = task.threshold ?? 0.5;
  const rungs = task.report && task.onReport ? task.report : undefined;
  try {
    const report = fit({
      net,
      params,
      train: data.train,
      valid: data.valid,
      seed: task.seed,
      onEpoch: task.onEpoch,
      shouldStop: task.shouldStop,
      afterEpoch: rungs
        ? (epoch) => {
            // The last epoch is not a rung: the fold's result follows at once.
            if (epoch >= params.epochs || !isReportEpoch(epoch, rungs)) return;
            // A network that diverged (non-finite probabilities) reports nothing at this rung:
            // its trial is not judged there, and early stopping may still restore good weights.
            let value: number;
            try {
              const proba = predictRows(net, task.dataset, data.pipeline, task.valid);
              value = computeScalarMetrics(yTrue, proba, { threshold })[rungs.metric];
            } catch {
              return;
            }
            if (Number.isFinite(value)) task.onReport!({ epoch, value });
          }
        : undefined,
    });
    const t2 = performance.now();
    const proba = predictRows(net, task.dataset, data.pipeline, task.valid);
    // Without the ROC and PR points: the report draws a fold's curves from its out-of-fold block
    // (see foldResultMetricsSchema).
    const metrics = computeScalarMetrics(yTrue, proba, { threshold });
    const t3 = performance.now();
    return {
      metrics,
      epochs: report.epochs,
      bestEpoch: report.bestEpoch,
      stoppedEarly: report.stoppedEarly,
      samplesPerSecond: report.samplesPerSecond,
      timings: { preprocessMs: t1 - t0, trainMs: t2 - t1, predictMs: t3 - t2, totalMs: t3 - t0 },
      backend,
      nTrain: data.train.rows,
      nValid: task.valid.length,
      validProba: Array.from(proba),
    };
  } finally {
    disposeNetwork(net);
  }
}

/** Validation rows transformed and predicted at a time: no matrix of the whole fold is built. */
const PREDICT_CHUNK = 16 * 1024;

/**
 * Probabilities for dataset rows `rows`, transformed from the (shared) table a chunk at a time,
 * so a big validation fold costs a chunk of memory, not a copy of itself.
 */
export function predictRows(
  net: Parameters<typeof predictProba>[0],
  ds: Dataset,
  pipeline: FittedPipeline | undefined,
  rows: ArrayLike<number>,
): Float32Array {
  const out = new Float32Array(rows.length);
  const ids = Int32Array.from(rows);
  for (let start = 0; start < ids.length; start += PREDICT_CHUNK) {
    const part = ids.subarray(start, Math.min(start + PREDICT_CHUNK, ids.length));
    const { x } = featureMatrix(ds, pipeline, part);
    out.set(predictProba(net, x, part.length), start);
  }
  return out;
}

/** Live tensors now; a fold must leave this where it found it. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
