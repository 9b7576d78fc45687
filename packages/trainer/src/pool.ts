/**
 * The client side of the trainer's thread pool, for the embedded LocalExecutor and the worker
 * service alike: pool options, and typed calls that rebuild a thread's error on this side.
 * Loads no TensorFlow.js (the threads do), so the process that owns the pool stays light.
 */

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  type Dataset,
  decodeDataset,
  type FoldReport,
  type FoldResult,
  type FoldTask,
  fromWireError,
  HpoError,
  type RefitTask,
  readDatasetFile,
  sharedDataset,
} from '@hpo/core';
import type { RefitOutput, ThreadMessage, ThreadReply } from './thread-message.js';

export type { ModelFile } from './model-files.js';
export { digestOf, inWriteOrder, writeModelFiles } from './model-files.js';
export type { RefitOutput, ThreadMessage, ThreadReply } from './thread-message.js';

/** URL of the piscina task file (the thread entry point). */
export const TASK_FILE_URL = new URL('./task.js', import.meta.url).href;

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
  };
}

/** The one method of a piscina pool these calls need. */
export interface TaskPool {
  run(
    message: ThreadMessage,
    options?: { signal?: AbortSignal; transferList?: MessagePort[] },
  ): Promise<unknown>;
}

/** Where the task runs, and how it is stopped: what an executor adds beside a task. */
export interface PoolRunOptions {
  /** Local file of the task's dataset (checked against `task.datasetHash` in the thread). */
  datasetPath: string;
  /** Local file of a refit's test set (checked against `task.testDatasetHash`). */
  testDatasetPath?: string | undefined;
  /** Aborts the thread's run at once (the thread is replaced). */
  signal?: AbortSignal | undefined;
  /** Stops a fold between two batches when element 0 is set to 1 (the thread is kept). */
  stop?: Int32Array | undefined;
  /** Gets a fold's reports while it trains (folds whose task asks for them: `task.report`). */
  onReport?: ((report: FoldReport) => void) | undefined;
}

/**
 * Datasets in memory, shared by every thread of this process (their typed arrays are on
 * SharedArrayBuffers): one copy however many threads train on it. An entry lives while a task
 * uses it; of the idle ones, the two last released are kept (the next task of a study, or of the
 * other study a worker alternates with, usually needs it again).
 */
const shared = new Map<string, { dataset: Dataset; users: number }>();

/**
 * Puts a dataset this process already holds (e.g. the one `hpo tune` just read) in the shared
 * cache under its content hash, so the first task does not read its file again. Arrays not yet on
 * shared memory are copied there once.
 */
export function shareDataset(hash: string, dataset: Dataset): void {
  if (!shared.has(hash)) shared.set(hash, { dataset: sharedDataset(dataset), users: 0 });
  evictIdle();
}

/** Reads in progress, by hash: tasks that need the same dataset at once share one read. */
const loading = new Map<string, Promise<Dataset>>();

async function acquire(hash: string, path: string): Promise<Dataset> {
  let entry = shared.get(hash);
  if (!entry) {
    let load = loading.get(hash);
    if (!load) {
      load = (async () => {
        try {
          const bytes = await readDatasetFile(path, hash, true);
          const dataset = decodeDataset(bytes, `dataset ${hash.slice(0, 12)}…`, { copy: false });
          // In the cache before any waiting task resumes: a later acquire finds it, never reads again.
          if (!shared.has(hash)) shared.set(hash, { dataset, users: 0 });
          return dataset;
        } catch (err) {
          if (err instanceof HpoError) throw err;
          throw new HpoError('internal', `cannot read dataset ${path}: ${(err as Error).message}`);
        } finally {
          loading.delete(hash);
        }
      })();
      loading.set(hash, load);
    }
    const dataset = await load;
    // Evicted meanwhile (another study's release): back in, it is about to be used.
    entry = shared.get(hash) ?? { dataset, users: 0 };
  }
  shared.set(hash, entry);
  entry.users++;
  return entry.dataset;
}

function release(hash: string): void {
  const entry = shared.get(hash);
  if (entry) {
    entry.users--;
    // Re-inserted last: the map's order is least recently released first.
    shared.delete(hash);
    shared.set(hash, entry);
  }
  evictIdle();
}

/** Keeps the KEEP_IDLE most recently released datasets no task uses; drops older idle ones. */
function evictIdle(): void {
  const idle = [...shared].filter(([, e]) => e.users <= 0).map(([h]) => h);
  for (const h of idle.slice(0, -KEEP_IDLE)) shared.delete(h);
}

/** Idle datasets kept in memory. */
const KEEP_IDLE = 2;

async function call(pool: TaskPool, task: FoldTask | RefitTask, o: PoolRunOptions): Promise<ThreadReply> {
  const test = task.kind === 'refit' ? task.testDatasetHash : undefined;
  if (test && !o.testDatasetPath)
    throw new HpoError('internal', 'a refit with a test set needs the test set file');
  const held: string[] = [];
  try {
    const dataset = await acquire(task.datasetHash, o.datasetPath);
    held.push(task.datasetHash);
    // A read of a big file takes a while: a task aborted meanwhile goes no further.
    o.signal?.throwIfAborted();
    const message: ThreadMessage = { task, dataset, ...(o.stop ? { stop: o.stop } : {}) };
    if (test && o.testDatasetPath) {
      message.testDataset = await acquire(test, o.testDatasetPath);
      held.push(test);
      o.signal?.throwIfAborted();
    }
    let channel: MessageChannel | undefined;
    if (task.kind === 'fold' && task.report && o.onReport) {
      channel = new MessageChannel();
      const onReport = o.onReport;
      channel.port1.on('message', (r: FoldReport) => onReport(r));
      message.progress = channel.port2;
    }
    let reply: ThreadReply;
    try {
      reply = (await pool.run(message, {
        ...(o.signal ? { signal: o.signal } : {}),
        ...(channel ? { transferList: [channel.port2] } : {}),
      })) as ThreadReply;
    } finally {
      if (channel) {
        // A report posted just before the thread answered may still be on its way.
        await new Promise((resolve) => setImmediate(resolve));
        channel.port1.close();
      }
    }
    if (!reply.ok) throw fromWireError(reply.error);
    if (reply.kind !== task.kind)
      throw new HpoError('internal', `a ${task.kind} task got a ${reply.kind} reply`);
    return reply;
  } finally {
    for (const h of held) release(h);
  }
}

/** Trains one fold on the pool; a thread's failure is rethrown as the HpoError it was. */
export async function runFoldOnPool(pool: TaskPool, task: FoldTask, o: PoolRunOptions): Promise<FoldResult> {
  const reply = await call(pool, task, o);
  return (reply as Extract<ThreadReply, { kind: 'fold' }>).result;
}

/** Refits on the pool; the model comes back in memory. */
export async function runRefitOnPool(
  pool: TaskPool,
  task: RefitTask,
  o: PoolRunOptions,
): Promise<RefitOutput> {
  const reply = await call(pool, task, o);
  return (reply as Extract<ThreadReply, { kind: 'refit' }>).result;
}
