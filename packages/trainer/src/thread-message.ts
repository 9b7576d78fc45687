import type { BackendInfo, FoldResult, Task, TestReport, WireError } from '@hpo/core';
import type { ModelFile } from './model-files.js';

/**
 * What the pool client sends a trainer thread: the task, where its dataset's canonical bytes
 * are (each executor resolves the hash itself), and an optional stop flag.
 */
export interface ThreadMessage {
  task: Task;
  /** Local file holding the dataset whose SHA-256 is `task.datasetHash`. */
  datasetPath: string;
  /** Local file of a refit's held-out test set (`task.testDatasetHash`), when it has one. */
  testDatasetPath?: string;
  /**
   * A flag on a SharedArrayBuffer the caller may set (element 0 to 1) to stop a fold between two
   * batches, cheaper than terminating the thread; the fold then fails with kind `stopped`.
   */
  stop?: Int32Array;
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
