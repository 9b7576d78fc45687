import type { MessagePort } from 'node:worker_threads';
import type { BackendInfo, Dataset, FoldResult, Task, TestReport, WireError } from '@hpo/core';
import type { ModelFile } from './model-files.js';

/**
 * What the pool client sends a trainer thread: the task, its dataset (checked against
 * `task.datasetHash` by the client; its typed arrays are on SharedArrayBuffers, so posting it
 * shares them instead of copying), and an optional stop flag.
 */
export interface ThreadMessage {
  task: Task;
  /** The dataset whose content hash is `task.datasetHash`, on shared memory. */
  dataset: Dataset;
  /** A refit's held-out test set (`task.testDatasetHash`), when it has one, on shared memory. */
  testDataset?: Dataset;
  /**
   * A flag on a SharedArrayBuffer the caller may set (element 0 to 1) to stop a fold between two
   * batches, cheaper than terminating the thread; the fold then fails with kind `stopped`.
   */
  stop?: Int32Array;
  /** Where a fold with `task.report` posts its `FoldReport`s while it trains (transferred). */
  progress?: MessagePort;
}

/** A refit's model, still in memory: the executor decides where its files go. */
export interface RefitOutput {
  epochs: number;
  backend: BackendInfo;
  files: ModelFile[];
  /** The model on the held-out test rows, when the refit had them. */
  test?: TestReport;
}

/** What a trainer thread answers. */
export type ThreadReply =
  | { ok: true; kind: 'fold'; result: FoldResult }
  | { ok: true; kind: 'refit'; result: RefitOutput }
  | { ok: false; error: WireError };
