import type { FoldReport, FoldResult, FoldTask, RefitResult, RefitTask } from '@hpo/core';
import type { StudyEvent } from './events.js';

/** How the runner steers one task it handed to an executor. */
export interface TaskControl {
  /** The study stops (cancel, shutdown): running work is abandoned. */
  signal?: AbortSignal | undefined;
  /**
   * The result is no longer wanted (its trial was pruned or failed, or a limit was reached): a
   * task that has not started must not start; one that runs is stopped where the executor can
   * (LocalExecutor between two batches, NatsExecutor on its worker) or finishes and is ignored.
   */
  drop?: AbortSignal | undefined;
  /**
   * Gets a fold's reports while it trains (a task with `report`: ASHA's rungs). Executors deliver
   * them as they come; one may be lost (the runner then just does not judge that rung).
   */
  onReport?: ((report: FoldReport) => void) | undefined;
}

/**
 * Runs fold and refit tasks somewhere: threads in this process (LocalExecutor) or workers over
 * NATS (NatsExecutor). Each executor resolves a task's dataset hash to bytes and decides where a
 * refit's model goes. The runner never submits more than `capacity` tasks at once, so it keeps
 * control of which folds run next (and never starts the folds of a pruned trial).
 */
export interface Executor {
  /** Tasks that can run at the same time (threads or worker slots). */
  readonly capacity: number;
  /** Trains one fold; rejects with an HpoError (kind `stopped` when dropped or cancelled). */
  runFold(task: FoldTask, control?: TaskControl): Promise<FoldResult>;
  /** Trains on every row and stores the model; the result says where. */
  refit(task: RefitTask, control?: TaskControl): Promise<RefitResult>;
  close(): Promise<void>;
}

/** Persists a study's events (the journal); `load` returns them in the order they were appended. */
export interface StudyStore {
  append(event: StudyEvent): Promise<void>;
  load(): Promise<StudyEvent[]>;
}
