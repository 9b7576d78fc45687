import { availableParallelism } from 'node:os';
import {
  type FoldResultMessage,
  type FoldTaskMessage,
  type RefitResultMessage,
  type RefitTaskMessage,
  trainerPoolOptions,
} from '@hpo/trainer';
import { Piscina } from 'piscina';
import type { Executor } from './ports.js';

export interface LocalExecutorOptions {
  /** Worker threads; default one per core. */
  threads?: number;
}

/**
 * Runs fold tasks on a piscina thread pool in this process (the embedded mode). Each thread
 * starts its TensorFlow.js backend once and keeps it for every later task.
 */
export class LocalExecutor implements Executor {
  readonly capacity: number;
  private readonly pool: Piscina;

  constructor(options: LocalExecutorOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!(Number.isInteger(threads) && threads >= 1))
      throw new RangeError(`threads must be an integer >= 1, got ${threads}`);
    this.capacity = threads;
    this.pool = new Piscina(trainerPoolOptions(threads));
  }

  runFold(task: FoldTaskMessage, signal?: AbortSignal): Promise<FoldResultMessage> {
    return this.pool.run(task, signal ? { signal } : {}) as Promise<FoldResultMessage>;
  }

  refit(task: RefitTaskMessage, signal?: AbortSignal): Promise<RefitResultMessage> {
    return this.pool.run(task, signal ? { signal } : {}) as Promise<RefitResultMessage>;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
