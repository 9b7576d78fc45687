import type { FoldResultMessage, FoldTaskMessage, RefitResultMessage, RefitTaskMessage } from '@hpo/trainer';
import type { StudyEvent } from './events.js';

/**
 * Runs fold and refit tasks somewhere: threads in this process (LocalExecutor) or workers over
 * NATS (NatsExecutor). The runner never submits more than `capacity` tasks at once, so it keeps
 * control of which folds run next (and never starts the folds of a pruned trial).
 */
export interface Executor {
  /** Tasks that can run at the same time (threads or worker slots). */
  readonly capacity: number;
  /**
   * Runs one fold. `signal` cancels it (the study stops): running work is abandoned. `drop`
   * says the result is no longer wanted (its trial was pruned or failed): a task that has not
   * started yet must not start; one that runs is stopped where the executor can (LocalExecutor
   * between two batches, NatsExecutor on its worker) or finishes, and its result is ignored.
   */
  runFold(task: FoldTaskMessage, signal?: AbortSignal, drop?: AbortSignal): Promise<FoldResultMessage>;
  refit(task: RefitTaskMessage, signal?: AbortSignal): Promise<RefitResultMessage>;
  close(): Promise<void>;
}

/** Persists a study's events; `load` returns them in the order they were appended. */
export interface StudyStore {
  append(event: StudyEvent): Promise<void>;
  load(): Promise<StudyEvent[]>;
  /** Where the study's files live (dataset blob, model); a directory path. */
  readonly dir: string;
}
