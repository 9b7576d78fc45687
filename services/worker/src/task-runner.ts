/**
 * Runs decoded tasks on the piscina pool of trainer threads and turns their outcome into the
 * result a worker publishes. Refit models come back from the thread in memory and are uploaded
 * to the models bucket here, so the pool never sees NATS.
 */
import type { FoldReport, FoldResult, RefitResult, Task } from '@hpo/core';
import { BUCKETS } from '@hpo/protocol';
import { digestOf, inWriteOrder, runFoldOnPool, runRefitOnPool, trainerPoolOptions } from '@hpo/trainer/pool';
import { Piscina } from 'piscina';

/** Where refit models go (a port over the models object store). */
export interface BlobSink {
  putBlob(meta: { name: string }, data: Uint8Array): Promise<unknown>;
}

/** A task's payload on success. */
export type TaskResult = FoldResult | RefitResult;

export class TaskRunner {
  private readonly pool: Piscina;

  constructor(
    readonly threads: number,
    private readonly models: () => Promise<BlobSink>,
  ) {
    // The embedded LocalExecutor's settings: the distributed path must train identically.
    this.pool = new Piscina(trainerPoolOptions(threads));
  }

  /**
   * Trains `task` of `study` on the dataset file at `datasetPath`; `signal` aborts the thread's
   * run, and setting `stop[0]` stops a fold between two batches. A thread's failure is rethrown
   * as the HpoError it was.
   */
  async run(
    study: string,
    task: Task,
    datasetPath: string,
    signal: AbortSignal,
    stop?: Int32Array,
    /** A refit's held-out test set, when it has one. */
    testDatasetPath?: string,
    /** Gets a fold's reports at its rungs while it trains (tasks with `report`). */
    onReport?: (report: FoldReport) => void,
  ): Promise<TaskResult> {
    if (task.kind === 'fold') return runFoldOnPool(this.pool, task, { datasetPath, signal, stop, onReport });
    const out = await runRefitOnPool(this.pool, task, { datasetPath, testDatasetPath, signal });
    const store = await this.models();
    // The models bucket names a study's files `<study>/<file>`; model.json last, as on disk.
    const files = inWriteOrder(out.files);
    for (const f of files) await store.putBlob({ name: `${study}/${f.name}` }, f.data);
    return {
      epochs: out.epochs,
      backend: out.backend,
      location: `${BUCKETS.models}/${study}`,
      files: files.map(digestOf),
      ...(out.test ? { test: out.test } : {}),
    };
  }

  /** Stops the threads (aborting whatever still runs). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
