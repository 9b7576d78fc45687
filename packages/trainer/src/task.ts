/**
 * The piscina task file: each thread runs fold and refit tasks. A thread starts its
 * TensorFlow.js backend once and caches datasets by content hash, so only the first task of a
 * thread pays for either. Errors come back as data (`WireError`), never as thrown objects, so
 * their kind survives the thread boundary.
 */
import { readFileSync } from 'node:fs';
import {
  type Dataset,
  decodeDataset,
  type FoldResult,
  HpoError,
  type RefitTask,
  sha256Hex,
  stratifiedFold,
  toWireError,
} from '@hpo/core';
import { modelFiles, trainModel } from './artifact.js';
import { initBackend } from './backend.js';
import { trainFold } from './fold.js';
import { disposeNetwork } from './network.js';
import type { RefitOutput, ThreadMessage, ThreadReply } from './thread-message.js';

const cache = new Map<string, Dataset>();

/** Loads a dataset blob once per thread, verifying its SHA-256. */
function loadDataset(hash: string, path: string): Dataset {
  let ds = cache.get(hash);
  if (!ds) {
    const bytes = readFileSync(path);
    const actual = sha256Hex(bytes);
    if (actual !== hash)
      throw new HpoError('data_loss', `dataset ${path} has hash ${actual}, expected ${hash}`);
    ds = decodeDataset(bytes, path);
    cache.clear(); // one study's dataset at a time per thread keeps memory bounded
    cache.set(hash, ds);
  }
  return ds;
}

/** Runs one task; this is piscina's entry point. */
export default async function runThreadTask(message: ThreadMessage): Promise<ThreadReply> {
  try {
    await initBackend();
    const { task } = message;
    const ds = loadDataset(task.datasetHash, message.datasetPath);
    if (task.kind === 'fold') {
      const { k, seed, repeat, fold } = task.cv;
      const split = stratifiedFold(ds.labels, k, seed, repeat, fold);
      const stop = message.stop;
      const { validProba: _, ...result } = await trainFold({
        dataset: ds,
        train: split.train,
        valid: split.valid,
        params: task.params,
        seed: task.seed,
        threshold: task.threshold,
        ...(stop ? { shouldStop: () => Atomics.load(stop, 0) !== 0 } : {}),
      });
      return { ok: true, kind: 'fold', result: result satisfies FoldResult };
    }
    return { ok: true, kind: 'refit', result: await refit(ds, task) };
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
}

async function refit(ds: Dataset, task: RefitTask): Promise<RefitOutput> {
  const rows = Int32Array.from({ length: ds.labels.length }, (_, i) => i);
  const model = await trainModel(ds, rows, task.params, task.seed);
  try {
    const backend = await initBackend();
    const files = modelFiles(model, { ...task.metadata, backend: backend.name, tfjs: backend.tfjsVersion });
    return { epochs: model.epochs, backend, files };
  } finally {
    disposeNetwork(model.net);
  }
}
