import type { Executor } from '@hpo/orchestrator';
import {
  type DropMessage,
  encodeJson,
  type RemoteRefitResult,
  type ResultEnvelope,
  STREAMS,
  SUBJECTS,
  type TaskEnvelope,
  taskId,
} from '@hpo/protocol';
import type { FoldResultMessage, FoldTaskMessage, RefitResultMessage, RefitTaskMessage } from '@hpo/trainer';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FairSlots } from './fair-slots.js';
import type { Metrics } from './metrics.js';
import type { ResultsRouter } from './results-router.js';

/** The shared NATS handles and coordinator-wide parts a study's executor uses. */
export interface NatsExecutorDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  router: ResultsRouter;
  slots: FairSlots;
  metrics: Metrics;
  /** Identifies this coordinator process (its start time): part of every task's message id. */
  epoch: string;
  /** Seconds to wait for a task's result before failing it. */
  foldTimeoutSeconds: number;
}

/**
 * Runs one study's fold tasks on remote workers: publishes each task to the work-queue stream
 * with a stable message id (so a republish after a coordinator restart is dropped as a
 * duplicate) and resolves when the result with that id arrives. Cancelling a task tells the
 * workers (control subject) and purges the study's queued tasks.
 */
export class NatsExecutor implements Executor {
  readonly capacity: number;

  constructor(
    private readonly study: string,
    private readonly deps: NatsExecutorDeps,
    capacity: number,
  ) {
    this.capacity = capacity;
  }

  async runFold(task: FoldTaskMessage, signal?: AbortSignal, drop?: AbortSignal): Promise<FoldResultMessage> {
    const id = taskId(this.study, trialOf(task), task.cv.repeat * task.cv.k + task.cv.fold);
    const envelope: TaskEnvelope = {
      id,
      study: this.study,
      task: { ...task, dataset: { hash: task.dataset.hash } },
    };
    // A dropped fold (its trial was pruned or failed) that still waits for a slot is never
    // published; one already sent is deleted from the queue and stopped on its worker, and its
    // slot is freed at once.
    const result = await this.roundTrip(envelope, signal, drop);
    return result as FoldResultMessage;
  }

  async refit(task: RefitTaskMessage, signal?: AbortSignal): Promise<RefitResultMessage> {
    const { outDir: _, ...rest } = task;
    const id = taskId(this.study, Number(task.metadata.trial ?? 0), 'refit');
    const envelope: TaskEnvelope = {
      id,
      study: this.study,
      task: { ...rest, dataset: { hash: task.dataset.hash } },
    };
    const result = (await this.roundTrip(envelope, signal)) as RemoteRefitResult;
    return { outDir: task.outDir, epochs: result.epochs, backend: result.backend };
  }

  async close(): Promise<void> {}

  /** Tells workers to stop this study's folds and drops its queued tasks. */
  async cancel(): Promise<void> {
    this.deps.nc.publish(SUBJECTS.cancel(this.study));
    await this.deps.jsm.streams
      .purge(STREAMS.tasks, { filter: SUBJECTS.task(this.study) })
      .catch(() => undefined);
  }

  /**
   * Stops a sent task whose result is no longer wanted: deletes it from the queue if no worker
   * took it yet, and tells the workers (control subject) in case one did, or does soon.
   */
  private dropSent(id: string, seq: number): void {
    const drop: DropMessage = { id, seq };
    this.deps.nc.publish(SUBJECTS.drop(this.study), encodeJson(drop));
    this.deps.jsm.streams.deleteMessage(STREAMS.tasks, seq, false).catch(() => undefined);
    this.deps.metrics.foldsDropped.inc();
  }

  private async roundTrip(
    envelope: TaskEnvelope,
    signal?: AbortSignal,
    drop?: AbortSignal,
  ): Promise<FoldResultMessage | RemoteRefitResult> {
    const either = drop ? (signal ? AbortSignal.any([signal, drop]) : drop) : signal;
    const release = await this.deps.slots.acquire(this.study, either);
    const started = performance.now();
    this.deps.metrics.tasksInFlight.inc();
    try {
      const result = this.deps.router.wait(envelope.id);
      // A result already in hand when the drop comes is not announced as dropped.
      let answered = false;
      void result.then(() => {
        answered = true;
      });
      // The message id dedupes republishing within one coordinator process; a restarted
      // coordinator uses a new epoch, so a task it must run again (its result was lost in the
      // crash, or it ran out of deliveries while nobody listened) is not dropped as a duplicate.
      const ack = await this.deps.js.publish(SUBJECTS.task(this.study), encodeJson(envelope), {
        msgID: `${envelope.id}@${this.deps.epoch}`,
      });
      const settled = await abortable(
        withTimeout(result, this.deps.foldTimeoutSeconds, () => this.deps.router.forget(envelope.id)),
        either,
        () => {
          this.deps.router.forget(envelope.id);
          if (drop?.aborted && !signal?.aborted && !answered) this.dropSent(envelope.id, ack.seq);
        },
      );
      this.deps.metrics.foldSeconds.observe((performance.now() - started) / 1000);
      if (!settled.ok) throw new Error(remoteError(settled));
      return settled.result;
    } finally {
      this.deps.metrics.tasksInFlight.dec();
      release();
    }
  }
}

function trialOf(task: FoldTaskMessage): number {
  if (typeof task.trial !== 'number') throw new Error('fold task without a trial number');
  return task.trial;
}

function remoteError(r: Extract<ResultEnvelope, { ok: false }>): string {
  return r.error;
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) {
    onAbort();
    return Promise.reject(new Error('aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort();
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', abort);
        reject(e);
      },
    );
  });
}

/** Rejects when no result came within `seconds` (a task lost with every worker). */
function withTimeout<T>(p: Promise<T>, seconds: number, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`no result within ${seconds} s (the task was lost or given up by the workers)`));
    }, seconds * 1000);
    timer.unref();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
