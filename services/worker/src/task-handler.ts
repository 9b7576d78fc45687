/**
 * One task's life on a worker: fetch its dataset, train it while telling the server `working()`,
 * then report the verdict (publish the result and ack, terminate a stopped task, nak one to
 * retry, or hand one back when the worker stops). A crash before the ack leaves the task to be redelivered; results are idempotent by
 * task id (the result's msgID), so a redelivered task is harmless.
 */
import { errorText, type FoldReport, HpoError, toWireError, unlessAborted, type WireError } from '@hpo/core';
import {
  encodeJson,
  type ResultEnvelope,
  resultMsgId,
  STARTED_NOTICE_DELAY_MS,
  SUBJECTS,
  type TaskEnvelope,
} from '@hpo/protocol';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Refusal } from './control.js';
import type { DatasetCache, DatasetLease } from './dataset-cache.js';
import type { TaskOutcome, WorkerMetrics } from './metrics.js';
import type { TaskMessage } from './task-pull.js';
import type { TaskResult, TaskRunner } from './task-runner.js';

/** Why a running task was aborted: its study was cancelled, it was dropped, or the worker stops. */
export type AbortReason = Refusal | 'shutdown';

/** What became of a task once training is over, before it is reported. */
export type Verdict =
  | { kind: 'result'; result: TaskResult }
  | { kind: 'failure'; error: WireError }
  | { kind: 'stopped'; reason: Refusal }
  | { kind: 'requeue'; reason: string; delayMs: number };

/** What a handler needs from its worker. */
export interface HandlerDeps {
  js: () => JetStreamClient;
  runner: TaskRunner;
  datasets: DatasetCache;
  log: Logger;
  metrics: WorkerMetrics;
  /** The worker's name, reported in results. */
  name: string;
  /** Effective consumer settings (the server's). */
  ackWaitMs: () => number;
  maxDeliver: () => number;
  /**
   * Gives a task back at shutdown without using one of its deliveries (the coordinator queues a
   * fresh copy; see Worker.handBack); false when that failed, and the task is nak'ed instead.
   */
  handBack: (envelope: TaskEnvelope, msg: TaskMessage) => Promise<boolean>;
  /** Sends a fold's report at an ASHA rung (only tasks whose `report` asks for them make any). */
  report?: (envelope: TaskEnvelope, report: FoldReport) => void;
  /**
   * Waits for a free training thread (a prefetched task waits here, its dataset already
   * fetched) and returns its release; rejects when `signal` aborts first.
   */
  thread: (signal: AbortSignal) => Promise<() => void>;
  /**
   * Called once the task has held its thread for STARTED_NOTICE_DELAY_MS (when it logs
   * `task started`); never for a task that leaves its thread sooner.
   */
  onStarted?: () => void;
  /**
   * Called once the task no longer needs its thread (trained, failed or stopped), before its
   * result is published: the worker can pull the next task while this one reports.
   */
  onTrained?: () => void;
}

/**
 * One task being handled: `waiting` for a thread (fetching its dataset meanwhile), `training`
 * until its verdict, then `reporting`, then `done`.
 */
export class TaskHandler {
  state: 'waiting' | 'training' | 'reporting' | 'done' = 'waiting';
  private readonly controller = new AbortController();
  /** Shared flag a fold's training loop reads before every batch: set, it stops cooperatively. */
  private readonly stop = new Int32Array(new SharedArrayBuffer(4));
  private abortReason: AbortReason | undefined;
  private readonly fetchedAt = performance.now();

  constructor(
    readonly envelope: TaskEnvelope,
    readonly msg: TaskMessage,
    private readonly deps: HandlerDeps,
  ) {}

  /** Trains the task with `working()` heartbeats, then reports it. Never throws. */
  async run(): Promise<void> {
    const { envelope, msg, deps } = this;
    const deliveries = msg.info.deliveryCount;
    const fields = { task: envelope.id, study: envelope.study, kind: envelope.task.kind, deliveries };
    // A third of ack-wait leaves two more chances if one heartbeat is late or lost.
    const heartbeat = setInterval(() => msg.working(), Math.max(100, deps.ackWaitMs() / 3));
    let verdict: Verdict;
    let outcome: TaskOutcome;
    try {
      try {
        verdict = await this.train(deliveries >= deps.maxDeliver());
      } finally {
        this.state = 'reporting';
        deps.onTrained?.();
      }
      // Still beating while the result is published: a slow publish must not cause a redelivery.
      outcome = await this.report(verdict, deliveries);
    } finally {
      clearInterval(heartbeat);
      this.state = 'done';
    }
    // From receipt, as before prefetching: the dataset fetch and any wait for a thread count.
    const seconds = (performance.now() - this.fetchedAt) / 1000;
    deps.metrics.tasks.inc({ outcome });
    deps.metrics.foldDuration.observe({ kind: envelope.task.kind, outcome }, seconds);
    const backend = verdict.kind === 'result' ? verdict.result.backend.name : undefined;
    const error =
      verdict.kind === 'failure'
        ? verdict.error.message
        : verdict.kind === 'requeue'
          ? verdict.reason
          : undefined;
    deps.log[outcome === 'failed' ? 'warn' : 'info'](
      { ...fields, outcome, durationSeconds: Number(seconds.toFixed(3)), backend, error },
      'task finished',
    );
  }

  /**
   * Stops the task: a fold stops between two batches and its thread keeps its warmed-up backend;
   * a refit, or any task of a worker that is going away, ends the thread's run at once.
   */
  abort(reason: AbortReason): void {
    this.abortReason ??= reason;
    // A task still waiting for a thread has nothing to keep: it is stopped before it starts.
    if (reason !== 'shutdown' && this.envelope.task.kind === 'fold' && this.state !== 'waiting')
      Atomics.store(this.stop, 0, 1);
    else
      this.controller.abort(
        new HpoError('stopped', reason === 'shutdown' ? 'worker shutting down' : `task ${reason}`),
      );
  }

  /** Fetches the dataset and runs the task; every error becomes a verdict. */
  private async train(lastDelivery: boolean): Promise<Verdict> {
    const { envelope, deps } = this;
    // Held until the task is done, so the cache never evicts a file a thread is about to read.
    const held: DatasetLease[] = [];
    const signal = this.controller.signal;
    // A task stopped while its dataset downloads goes at once; the download goes on (other tasks
    // may share it), and a lease it yields after the stop is given back. None starts after one.
    const acquire = (hash: string) => {
      signal.throwIfAborted();
      const lease = deps.datasets.acquire(hash);
      return unlessAborted(
        lease,
        signal,
        () =>
          void lease.then(
            (l) => l.release(),
            () => {},
          ),
      );
    };
    try {
      held.push(await acquire(envelope.task.datasetHash));
      const test = envelope.task.kind === 'refit' ? envelope.task.testDatasetHash : undefined;
      if (test) held.push(await acquire(test));
    } catch (err) {
      for (const h of held) h.release();
      // Stopped (cancelled, dropped, or the worker stops) while its dataset was still coming.
      const aborted = this.abortedVerdict();
      if (aborted) return aborted;
      // A missing or corrupt blob stays so; a lost connection may not, so let another try.
      const retryable = !(err instanceof HpoError) || err.retryable;
      if (!retryable || lastDelivery) return { kind: 'failure', error: toWireError(err) };
      return { kind: 'requeue', reason: `dataset fetch failed: ${errorText(err)}`, delayMs: 2000 };
    }
    const datasetPath = held[0]!.path;
    const testDatasetPath = held[1]?.path;
    let releaseThread: () => void;
    try {
      releaseThread = await deps.thread(signal);
    } catch {
      for (const h of held) h.release();
      return this.abortedVerdict() ?? { kind: 'requeue', reason: 'worker shutting down', delayMs: 0 };
    }
    let startedTimer: ReturnType<typeof setTimeout> | undefined;
    try {
      this.state = 'training';
      const { envelope: e, msg } = this;
      // Said only of a task still training after a while (with `since`, when it got its thread):
      // a fold of a few milliseconds logs `task finished` alone and sends no started notice (see
      // STARTED_NOTICE_DELAY_MS).
      const since = Date.now();
      startedTimer = setTimeout(() => {
        deps.log.info(
          {
            task: e.id,
            study: e.study,
            kind: e.task.kind,
            deliveries: msg.info.deliveryCount,
            since: new Date(since).toISOString(),
          },
          'task started',
        );
        deps.onStarted?.();
      }, STARTED_NOTICE_DELAY_MS);
      return await this.runHeld(datasetPath, testDatasetPath, lastDelivery);
    } finally {
      // Before the thread goes: nothing is said of a task once it has left its thread.
      clearTimeout(startedTimer);
      releaseThread();
      for (const h of held) h.release();
    }
  }

  /** What an aborted task comes to: stopped (cancel, drop) or requeued (the worker stops). */
  private abortedVerdict(): Verdict | undefined {
    if (this.abortReason === 'cancel' || this.abortReason === 'drop')
      return { kind: 'stopped', reason: this.abortReason };
    if (this.abortReason === 'shutdown')
      return { kind: 'requeue', reason: 'worker shutting down', delayMs: 0 };
    return undefined;
  }

  /** Trains on the held dataset files; every error becomes a verdict. */
  private async runHeld(
    datasetPath: string,
    testDatasetPath: string | undefined,
    lastDelivery: boolean,
  ): Promise<Verdict> {
    const { envelope, deps } = this;
    try {
      const result = await deps.runner.run(
        envelope.study,
        envelope.task,
        datasetPath,
        this.controller.signal,
        this.stop,
        testDatasetPath,
        deps.report ? (r) => deps.report!(envelope, r) : undefined,
      );
      return { kind: 'result', result };
    } catch (err) {
      const aborted = this.abortedVerdict();
      if (aborted) return aborted;
      // Training errors (bad params, ...) are deterministic: retrying elsewhere would fail alike.
      if (err instanceof HpoError && err.retryable && !lastDelivery)
        return { kind: 'requeue', reason: errorText(err), delayMs: 1000 };
      return { kind: 'failure', error: toWireError(err) };
    }
  }

  /** Publishes the result (then acks), terms a stopped task, or naks one to retry. */
  private async report(verdict: Verdict, deliveries: number): Promise<TaskOutcome> {
    const { envelope, msg, deps } = this;
    if (verdict.kind === 'stopped') {
      msg.term();
      return verdict.reason === 'drop' ? 'dropped' : 'cancelled';
    }
    if (verdict.kind === 'requeue') {
      if (this.abortReason === 'shutdown' && (await deps.handBack(envelope, msg))) return 'handed_back';
      msg.nak(verdict.delayMs);
      return 'requeued';
    }
    // The task's epoch and nonce, echoed: the coordinator's proof that this answers its task.
    const base = {
      id: envelope.id,
      study: envelope.study,
      epoch: envelope.epoch,
      nonce: envelope.nonce,
      worker: deps.name,
      deliveries,
    };
    const result: ResultEnvelope =
      verdict.kind === 'result'
        ? { ...base, ok: true, result: verdict.result }
        : { ...base, ok: false, error: verdict.error };
    try {
      await deps.js().publish(SUBJECTS.result(envelope.study), encodeJson(result), {
        msgID: resultMsgId(envelope.id, envelope.nonce),
      });
    } catch (err) {
      // Without a stored result the task must run again; the msgID dedupes if it did land.
      deps.log.error({ task: envelope.id, err: errorText(err) }, 'result publish failed; requeueing');
      msg.nak(1000);
      return 'requeued';
    }
    msg.ack();
    return verdict.kind === 'result' ? 'ok' : 'failed';
  }
}
