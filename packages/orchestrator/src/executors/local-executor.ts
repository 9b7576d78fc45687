import { availableParallelism } from 'node:os';
import { type FoldResult, type FoldTask, HpoError, type RefitResult, type RefitTask } from '@hpo/core';
import { runFoldOnPool, runRefitOnPool, trainerPoolOptions, writeModelFiles } from '@hpo/trainer/pool';
import { Piscina } from 'piscina';
import type { Executor, TaskControl } from '../ports.js';

export interface LocalExecutorOptions {
  /** Worker threads; default one per core. */
  threads?: number;
  /** The local file of the dataset with this SHA-256 (e.g. the study directory's blob). */
  datasetFile: (hash: string) => string;
  /** Where a refit writes the model's files. */
  modelDir: string;
}

/**
 * Runs tasks on a piscina thread pool in this process (the embedded mode). Each thread starts
 * its TensorFlow.js backend once and keeps it for every later task; this thread never loads it.
 */
export class LocalExecutor implements Executor {
  readonly capacity: number;
  private readonly pool: Piscina;

  constructor(private readonly options: LocalExecutorOptions) {
    const threads = options.threads ?? availableParallelism();
    if (!(Number.isInteger(threads) && threads >= 1))
      throw new HpoError('invalid_argument', `threads must be an integer >= 1, got ${threads}`);
    this.capacity = threads;
    this.pool = new Piscina(trainerPoolOptions(threads));
  }

  /**
   * A dropped fold (its trial was pruned or failed, or the study stopped) is stopped between two
   * batches through a shared flag, which keeps the thread and its warmed-up backend; `signal`
   * (the study is cancelled) terminates the run at once.
   */
  async runFold(task: FoldTask, control: TaskControl = {}): Promise<FoldResult> {
    const datasetPath = this.options.datasetFile(task.datasetHash);
    const { signal, drop, onReport } = control;
    if (!drop) return runFoldOnPool(this.pool, task, { datasetPath, signal, onReport });
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const onDrop = () => Atomics.store(stop, 0, 1);
    if (drop.aborted) onDrop();
    else drop.addEventListener('abort', onDrop, { once: true });
    try {
      return await runFoldOnPool(this.pool, task, { datasetPath, signal, stop, onReport });
    } finally {
      drop.removeEventListener('abort', onDrop);
    }
  }

  /** Trains on every row in a thread and writes the model to `modelDir`. */
  async refit(task: RefitTask, control: TaskControl = {}): Promise<RefitResult> {
    const out = await runRefitOnPool(this.pool, task, {
      datasetPath: this.options.datasetFile(task.datasetHash),
      ...(task.testDatasetHash ? { testDatasetPath: this.options.datasetFile(task.testDatasetHash) } : {}),
      signal: control.signal,
    });
    const files = writeModelFiles(this.options.modelDir, out.files);
    return {
      epochs: out.epochs,
      backend: out.backend,
      location: this.options.modelDir,
      files,
      ...(out.test ? { test: out.test } : {}),
    };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
