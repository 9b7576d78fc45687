/**
 * The piscina task file: each worker thread runs fold and refit tasks. A thread starts its
 * TensorFlow.js backend once and caches datasets by content hash, so only the first task of a
 * thread pays for either.
 */
import { readFileSync } from 'node:fs';
import { type Dataset, decodeDataset, sha256Hex, stratifiedFold } from '@hpo/core';
import { saveModel, trainModel } from './artifact.js';
import { initBackend } from './backend.js';
import { type FoldOutcome, trainFold } from './fold.js';
import { disposeNetwork } from './network.js';
import type { ParamValue } from './params.js';

/** Where a task finds its dataset: the canonical blob on disk, checked against its hash. */
export interface DatasetRef {
  hash: string;
  path: string;
}

/** Train one CV fold; the fold's rows are derived from (labels, k, seed, repeat, fold). */
export interface FoldTaskMessage {
  kind: 'fold';
  /** The trial this fold belongs to (names the task; training does not use it). */
  trial?: number;
  dataset: DatasetRef;
  cv: { k: number; seed: number; repeat: number; fold: number };
  params: Record<string, ParamValue>;
  seed: number;
  threshold: number;
  /**
   * A flag on a SharedArrayBuffer the caller may set (element 0 to 1) to stop the fold between
   * two batches, cheaper than terminating the thread; the task then fails with TrainingStopped.
   */
  stop?: Int32Array;
}

/** Train on every row and save the model to `outDir`. */
export interface RefitTaskMessage {
  kind: 'refit';
  dataset: DatasetRef;
  params: Record<string, ParamValue>;
  seed: number;
  outDir: string;
  metadata: Record<string, unknown> & { thresholds: { default: number; bestF1?: number } };
}

export type TaskMessage = FoldTaskMessage | RefitTaskMessage;

/** A fold result as it travels back: the outcome without per-row predictions. */
export type FoldResultMessage = Omit<FoldOutcome, 'validProba'>;

export interface RefitResultMessage {
  outDir: string;
  epochs: number;
  backend: string;
}

const cache = new Map<string, Dataset>();

/** Loads a dataset blob once per thread, verifying its SHA-256. */
export function loadDatasetRef(ref: DatasetRef): Dataset {
  let ds = cache.get(ref.hash);
  if (!ds) {
    const bytes = readFileSync(ref.path);
    const actual = sha256Hex(bytes);
    if (actual !== ref.hash) throw new Error(`dataset ${ref.path} has hash ${actual}, expected ${ref.hash}`);
    ds = decodeDataset(bytes, ref.path);
    cache.clear(); // one study's dataset at a time per thread keeps memory bounded
    cache.set(ref.hash, ds);
  }
  return ds;
}

/** Runs one task; this is piscina's entry point. */
export default async function runTask(task: TaskMessage): Promise<FoldResultMessage | RefitResultMessage> {
  await initBackend();
  const ds = loadDatasetRef(task.dataset);
  if (task.kind === 'fold') {
    const { k, seed, repeat, fold } = task.cv;
    const split = stratifiedFold(ds.labels, k, seed, repeat, fold);
    const { validProba: _, ...result } = await trainFold({
      dataset: ds,
      train: split.train,
      valid: split.valid,
      params: task.params,
      seed: task.seed,
      threshold: task.threshold,
      ...(task.stop ? { shouldStop: stopFlag(task.stop) } : {}),
    });
    return result;
  }
  const rows = Int32Array.from({ length: ds.labels.length }, (_, i) => i);
  const model = await trainModel(ds, rows, task.params, task.seed);
  try {
    const backend = await initBackend();
    saveModel(task.outDir, model, { ...task.metadata, backend: backend.name, tfjs: backend.tfjsVersion });
    return { outDir: task.outDir, epochs: model.epochs, backend: backend.name };
  } finally {
    disposeNetwork(model.net);
  }
}

function stopFlag(flag: Int32Array): () => boolean {
  return () => Atomics.load(flag, 0) !== 0;
}

/** URL of this file, for piscina's `filename`. */
export const TASK_FILE_URL = import.meta.url;

/**
 * Piscina options for a pool of `threads` trainer threads: the embedded LocalExecutor and the
 * worker service both use exactly these, so both paths train identically.
 */
export function trainerPoolOptions(threads: number) {
  return {
    filename: TASK_FILE_URL,
    minThreads: threads,
    maxThreads: threads,
    // Threads hold a warmed-up backend: never retire them while the pool lives.
    idleTimeout: Number.POSITIVE_INFINITY,
    env: { ...process.env, HPO_LOG: process.env.HPO_LOG ?? 'silent' },
  };
}
