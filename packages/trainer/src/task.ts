/**
 * The piscina task file: each thread runs fold and refit tasks. A thread starts its
 * TensorFlow.js backend once; datasets arrive with their typed arrays on memory all threads share,
 * never copied. Errors come back as data (`WireError`), never as thrown objects, so
 * their kind survives the thread boundary.
 */
import {
  applyCalibrationToLogits,
  calibrationReport,
  computeMetrics,
  type Dataset,
  encodeOof,
  type FoldReport,
  type FoldResult,
  HpoError,
  type RefitTask,
  stratifiedFold,
  type TestReport,
  toWireError,
  transformColumns,
} from '@hpo/core';
import { modelFiles, type TrainedModel, trainModel } from './artifact.js';
import { initBackend } from './backend.js';
import { trainFold } from './fold.js';
import { disposeNetwork } from './network.js';
import type { RefitOutput, ThreadMessage, ThreadReply } from './thread-message.js';
import { predictLogits } from './train-loop.js';

/** Runs one task; this is piscina's entry point. */
export default async function runThreadTask(message: ThreadMessage): Promise<ThreadReply> {
  try {
    await initBackend();
    const { task } = message;
    const ds = message.dataset;
    if (task.kind === 'fold') {
      const { k, seed, repeat, fold } = task.cv;
      // The dataset's hash names its labels (checked when its file was read): the deal is kept.
      const split = stratifiedFold(ds.labels, k, seed, repeat, fold, task.datasetHash);
      const { stop, progress } = message;
      const { validProba, ...result } = await trainFold({
        dataset: ds,
        train: split.train,
        valid: split.valid,
        params: task.params,
        seed: task.seed,
        threshold: task.threshold,
        // The same rows for every trial's fold: their fitted preprocessing is kept.
        rowsKey: `${task.datasetHash}/${k}/${seed}/${repeat}/${fold}`,
        ...(stop ? { shouldStop: () => Atomics.load(stop, 0) !== 0 } : {}),
        ...(task.report && progress
          ? { report: task.report, onReport: (r: FoldReport) => progress.postMessage(r) }
          : {}),
      });
      const yValid = new Uint8Array(split.valid.length);
      for (let i = 0; i < yValid.length; i++) yValid[i] = ds.labels[split.valid[i]!]!;
      const oof = encodeOof(yValid, validProba, task.seed);
      return { ok: true, kind: 'fold', result: { ...result, oof } satisfies FoldResult };
    }
    if (task.testDatasetHash && !message.testDataset)
      throw new HpoError('internal', 'a refit with a test set needs the test set');
    const test = task.testDatasetHash ? message.testDataset : undefined;
    return { ok: true, kind: 'refit', result: await refit(ds, task, test) };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
}

async function refit(ds: Dataset, task: RefitTask, testSet: Dataset | undefined): Promise<RefitOutput> {
  const rows = Int32Array.from({ length: ds.labels.length }, (_, i) => i);
  const model = await trainModel(ds, rows, task.params, task.seed);
  try {
    const backend = await initBackend();
    const test = testSet ? evaluateOnTest(model, testSet, task) : undefined;
    const files = modelFiles(model, {
      ...task.metadata,
      ...(test ? { test } : {}),
      backend: backend.name,
      tfjs: backend.tfjsVersion,
    });
    return { epochs: model.epochs, backend, files, ...(test ? { test } : {}) };
  } finally {
    disposeNetwork(model.net);
  }
}

/**
 * The refit model on the held-out rows, once: probabilities calibrated as predict will, every
 * metric at the chosen threshold, and the calibration measured before and after.
 */
export function evaluateOnTest(model: TrainedModel, test: Dataset, task: RefitTask): TestReport {
  const n = test.labels.length;
  const x =
    test.kind === 'tabular'
      ? transformColumns(model.pipeline!, test.columns)
      : // Image datasets hold pixels already scaled as at training time.
        test.pixels;
  // From the logits in float64, exactly as predict computes them.
  const logits = predictLogits(model.net, x, n);
  const calibration = task.metadata.calibration ?? { method: 'none' as const };
  const raw = applyCalibrationToLogits({ method: 'none' }, logits);
  const calibrated = applyCalibrationToLogits(calibration, logits);
  const threshold = task.metadata.decision?.threshold ?? task.metadata.thresholds.default;
  return {
    rows: n,
    threshold,
    metrics: computeMetrics(test.labels, calibrated, { threshold }),
    calibration: calibrationReport(calibration, test.labels, raw),
  };
}
