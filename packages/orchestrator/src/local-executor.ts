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

  /**
   * A dropped fold (its trial was pruned or failed, or the study stopped) is stopped between two
   * batches through a shared flag, which keeps the thread and its warmed-up backend; `signal`
   * (the study is cancelled) terminates the run at once.
   */
  async runFold(task: FoldTaskMessage, signal?: AbortSignal, drop?: AbortSignal): Promise<FoldResultMessage> {
    if (!drop) return this.pool.run(task, signal ? { signal } : {}) as Promise<FoldResultMessage>;
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const onDrop = () => Atomics.store(stop, 0, 1);
    if (drop.aborted) onDrop();
    else drop.addEventListener('abort', onDrop, { once: true });
    try {
      return (await this.pool.run({ ...task, stop }, signal ? { signal } : {})) as FoldResultMessage;
    } finally {
      drop.removeEventListener('abort', onDrop);
    }
  }

  refit(task: RefitTaskMessage, signal?: AbortSignal): Promise<RefitResultMessage> {
    return this.pool.run(task, signal ? { signal } : {}) as Promise<RefitResultMessage>;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
