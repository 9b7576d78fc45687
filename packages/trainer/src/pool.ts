/**
 * The client side of the trainer's thread pool, for the embedded LocalExecutor and the worker
 * service alike: pool options, and typed calls that rebuild a thread's error on this side.
 * Loads no TensorFlow.js (the threads do), so the process that owns the pool stays light.
 */
import { type FoldResult, type FoldTask, fromWireError, HpoError, type RefitTask } from '@hpo/core';
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
  run(message: ThreadMessage, options?: { signal?: AbortSignal }): Promise<unknown>;
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
}

async function call(pool: TaskPool, task: FoldTask | RefitTask, o: PoolRunOptions): Promise<ThreadReply> {
  const message: ThreadMessage = {
    task,
    datasetPath: o.datasetPath,
    ...(o.testDatasetPath ? { testDatasetPath: o.testDatasetPath } : {}),
    ...(o.stop ? { stop: o.stop } : {}),
  };
  const reply = (await pool.run(message, o.signal ? { signal: o.signal } : {})) as ThreadReply;
  if (!reply.ok) throw fromWireError(reply.error);
  if (reply.kind !== task.kind)
    throw new HpoError('internal', `a ${task.kind} task got a ${reply.kind} reply`);
  return reply;
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
