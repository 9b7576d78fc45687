/**
 * Runs decoded tasks on the piscina pool of trainer threads and turns their outcome into the
 * result a worker publishes. Refit models are uploaded to the models bucket here, so the pool
 * never sees NATS.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteRefitResult, TaskEnvelope } from '@hpo/protocol';
import {
  type DatasetRef,
  type FoldResultMessage,
  type RefitResultMessage,
  type TaskMessage,
  trainerPoolOptions,
} from '@hpo/trainer';
import { Piscina } from 'piscina';

/** Where refit models go (a port over the models object store). */
export interface BlobSink {
  putBlob(meta: { name: string }, data: Uint8Array): Promise<unknown>;
}

/** A task's payload on success. */
export type TaskResult = FoldResultMessage | RemoteRefitResult;

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
   * Trains `envelope`'s task on the dataset at `dataset`; `signal` aborts the thread's run, and
   * setting `stop[0]` stops a fold between two batches.
   */
  async run(
    envelope: TaskEnvelope,
    dataset: DatasetRef,
    signal: AbortSignal,
    stop?: Int32Array,
  ): Promise<TaskResult> {
    const task = envelope.task;
    if (task.kind === 'fold') {
      const msg: TaskMessage = { ...task, dataset, ...(stop ? { stop } : {}) };
      return (await this.pool.run(msg, { signal })) as FoldResultMessage;
    }
    const outDir = mkdtempSync(join(tmpdir(), 'hpo-refit-'));
    try {
      const msg: TaskMessage = { ...task, dataset, outDir };
      const refit = (await this.pool.run(msg, { signal })) as RefitResultMessage;
      const files = await this.upload(envelope.study, refit.outDir);
      return { epochs: refit.epochs, backend: refit.backend, files };
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }

  /** Uploads every file of a model folder as `<study>/<file>`; returns the object names. */
  private async upload(study: string, dir: string): Promise<string[]> {
    const store = await this.models();
    const names: string[] = [];
    for (const file of readdirSync(dir).sort()) {
      const path = join(dir, file);
      // saveModel writes a flat folder; skip anything else (e.g. a leftover temporary folder).
      if (!statSync(path).isFile() || file.endsWith('.tmp')) continue;
      const name = `${study}/${file}`;
      await store.putBlob({ name }, readFileSync(path));
      names.push(name);
    }
    return names;
  }

  /** Stops the threads (aborting whatever still runs). */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
