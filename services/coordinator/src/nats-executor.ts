import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import {
  errorText,
  type FoldReport,
  type FoldResult,
  type FoldTask,
  foldIndex,
  fromWireError,
  HpoError,
  type RefitResult,
  type RefitTask,
  unlessAborted,
} from '@hpo/core';
import type { Executor, TaskControl } from '@hpo/orchestrator';
import type { RunningTask } from '@hpo/orchestrator/report';
import {
  type CancelMessage,
  type DropMessage,
  decodeResult,
  decodeTask,
  encodeJson,
  foldResultOf,
  type ResultEnvelope,
  refitResultOf,
  STARTED_NOTICE_DELAY_MS,
  STREAMS,
  SUBJECTS,
  type TaskEnvelope,
} from '@hpo/protocol';
import { JetStreamApiError, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { FairSlots } from './fair-slots.js';
import type { Metrics } from './metrics.js';
import type { ResultsRouter } from './results-router.js';
import type { TaskProofs } from './task-proofs.js';

/** The shared NATS handles and coordinator-wide parts a study's executor uses. */
export interface NatsExecutorDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  router: ResultsRouter;
  slots: FairSlots;
  metrics: Metrics;
  /** Proofs of origin for tasks and control messages; its epoch is part of every task's message id. */
  proofs: TaskProofs;
  /** Seconds to wait for a task's result before failing it. */
  foldTimeoutSeconds: number;
  log?: { warn(fields: object, msg: string): void };
}

/** How long a task publish that fails in transit (no answer, connection lost) is retried. */
const PUBLISH_RETRY_FOR_MS = 60_000;
const PUBLISH_RETRY_PAUSE_MS = 500;

/**
 * Runs one study's fold tasks on remote workers: publishes each task to the work-queue stream
 * with a stable message id (so a republish after a coordinator restart is dropped as a
 * duplicate) and resolves when the result with that id arrives. Cancelling a task tells the
 * workers (control subject) and purges the study's queued tasks.
 */
export class NatsExecutor implements Executor {
  readonly capacity: number;
  /** Tasks sent and not answered, by task id: queued, or started by a worker that said so. */
  private readonly inFlight = new Map<string, RunningTask>();
  /** The queued copy of each task sent (a worker's hand-back moves it to a new sequence). */
  private readonly copies = new Map<string, { seq: number; epoch: string }>();
  /**
   * Tasks of this study a previous coordinator published that are still in the queue (waiting, or
   * on a worker): waited for, not published again (see `adopt`).
   */
  private readonly adoptable = new Map<string, QueuedTask>();
  /** Results of this study's tasks stored before this coordinator started, by task id. */
  private readonly resultsBefore = new Map<string, ResultEnvelope>();
  /** Coordinator epochs whose tasks this study may still have on workers (cancels name each). */
  private readonly epochs = new Set<string>();

  constructor(
    private readonly study: string,
    private readonly deps: NatsExecutorDeps,
    capacity: number,
    /** Called when a task is sent, started or answered (the dashboard follows it). */
    private readonly onChange: () => void = () => undefined,
  ) {
    this.capacity = capacity;
  }

  /**
   * Takes over the tasks an earlier coordinator published for this study and that are still in
   * the queue: when the runner asks for one of them, its result is waited for instead of training
   * it again. Call before the study runs.
   */
  adopt(queued: QueuedTask[], answered: ResultEnvelope[] = []): void {
    for (const q of queued) {
      this.adoptable.set(q.envelope.id, q);
      this.epochs.add(q.envelope.epoch);
    }
    for (const r of answered) this.resultsBefore.set(r.id, r);
  }

  /** The tasks sent and not yet answered, by trial and fold. */
  running(): RunningTask[] {
    return [...this.inFlight.values()].sort(
      (a, b) => a.trial - b.trial || (a.fold === 'refit' ? 1 : b.fold === 'refit' ? -1 : a.fold - b.fold),
    );
  }

  /**
   * A worker handed back task `id` (queue sequence `seq`), asking for a fresh copy; returns the
   * epoch of the copy to republish, or undefined when this study no longer waits for that copy.
   */
  handingBack(id: string, seq: number): { epoch: string } | undefined {
    const copy = this.copies.get(id);
    return copy && copy.seq === seq ? { epoch: copy.epoch } : undefined;
  }

  /**
   * The fresh copy of a handed-back task is queued at `seq` (drops now name that copy); false when
   * the study stopped waiting for the task meanwhile (the caller deletes the copy).
   */
  handedBack(id: string, oldSeq: number, seq: number): boolean {
    const copy = this.copies.get(id);
    if (!copy || copy.seq !== oldSeq) return false;
    copy.seq = seq;
    return true;
  }

  /** Where the reports of each fold in flight that asked for them go (ASHA), by task id. */
  private readonly reporters = new Map<string, (report: FoldReport) => void>();

  /** A worker sent a report of fold `id` (its proof was checked); false for a task not waited for here. */
  reported(id: string, report: FoldReport): boolean {
    const to = this.reporters.get(id);
    to?.(report);
    return to !== undefined;
  }

  /** A worker said it is training task `id` (its proof was checked); false for a task not in flight here. */
  started(id: string, worker: string): boolean {
    const t = this.inFlight.get(id);
    if (!t) return false;
    t.state = 'running';
    t.worker = worker;
    // The worker waits STARTED_NOTICE_DELAY_MS before it says so.
    t.since = new Date(Date.now() - STARTED_NOTICE_DELAY_MS).toISOString();
    this.onChange();
    return true;
  }

  /**
   * A dropped fold (its trial was pruned or failed) that still waits for a slot is never
   * published; one already sent is deleted from the queue and stopped on its worker, and its
   * slot is freed at once.
   */
  async runFold(task: FoldTask, control: TaskControl = {}): Promise<FoldResult> {
    return foldResultOf(await this.roundTrip(this.deps.proofs.envelope(this.study, task), control));
  }

  /** The worker uploads the model to the models bucket; the result names its files there. */
  async refit(task: RefitTask, control: TaskControl = {}): Promise<RefitResult> {
    const envelope = this.deps.proofs.envelope(this.study, task);
    return refitResultOf(await this.roundTrip(envelope, { signal: control.signal }));
  }

  /** Another coordinator drives the study now: forget the adopted tasks, leave them queued. */
  letGo(): void {
    this.adoptable.clear();
    this.resultsBefore.clear();
  }

  /** The study ended: adopted tasks it never asked for leave the queue. */
  async close(): Promise<void> {
    for (const q of this.adoptable.values()) await this.deleteQueued(q.seq);
    this.adoptable.clear();
    this.resultsBefore.clear();
  }

  /** Tells workers to stop this study's folds and drops its queued tasks. */
  async cancel(): Promise<void> {
    // Adopted tasks carry their own coordinator's study nonce: each epoch gets its cancel.
    for (const epoch of new Set([this.deps.proofs.epoch, ...this.epochs])) {
      const cancel: CancelMessage = { studyNonce: this.deps.proofs.studyNonce(this.study, epoch), epoch };
      this.deps.nc.publish(SUBJECTS.cancel(this.study), encodeJson(cancel));
    }
    await this.deps.jsm.streams
      .purge(STREAMS.tasks, { filter: SUBJECTS.task(this.study) })
      .catch(() => undefined);
  }

  /**
   * Stops a sent task whose result is no longer wanted: deletes it from the queue if no worker
   * took it yet, and tells the workers (control subject) in case one did, or does soon.
   */
  private dropSent(id: string, seq: number, epoch: string): void {
    const drop: DropMessage = { id, seq, nonce: this.deps.proofs.nonceOf(id, epoch) };
    this.deps.nc.publish(SUBJECTS.drop(this.study), encodeJson(drop));
    void this.deleteQueued(seq);
    this.deps.metrics.foldsDropped.inc();
  }

  /**
   * Sends a task, unless it need not be: its result is already here (it came while no
   * coordinator listened), or an earlier coordinator's copy of the same task is still queued or
   * running (adopted). Returns the queue sequence and epoch of the copy that runs, if any.
   */
  private async send(
    envelope: TaskEnvelope,
    held: boolean,
    signal?: AbortSignal,
  ): Promise<{ seq: number; epoch: string } | undefined> {
    const adopted = this.adoptable.get(envelope.id);
    this.adoptable.delete(envelope.id);
    const stored = this.resultsBefore.get(envelope.id);
    this.resultsBefore.delete(envelope.id);
    if (held || stored) {
      // Its result is here already (it came while no coordinator listened: recorded from the
      // results stream as it is), or on its way to the router: no copy needs to run.
      this.deps.metrics.foldsAdopted.inc({ how: held ? 'result_waiting' : 'result_stored' });
      if (adopted) await this.deleteQueued(adopted.seq);
      if (!held) this.deps.router.deliver(stored!);
      return undefined;
    }
    if (adopted) {
      if (isDeepStrictEqual(adopted.envelope.task, envelope.task)) {
        this.deps.metrics.foldsAdopted.inc({ how: 'queued' });
        return { seq: adopted.seq, epoch: adopted.envelope.epoch };
      }
      // Not the task the study now wants (should not happen: ids follow trial and fold): replace it.
      await this.deleteQueued(adopted.seq);
    }
    // The message id dedupes republishing within one coordinator process; a restarted
    // coordinator uses a new epoch, so a task it must run again (it ran out of deliveries while
    // nobody listened, or was deleted) is not dropped as a duplicate.
    // A publish that times out or loses its connection (nats-server restarting) is tried again
    // for a while: the message id makes a retry of a publish that did land a duplicate (within
    // the tasks stream's duplicate window; past it, a second copy only costs work, as results
    // are deduplicated). What the server refuses, a closed connection or a stop is not retried.
    const data = encodeJson(envelope);
    const giveUpAt = Date.now() + PUBLISH_RETRY_FOR_MS;
    let warned = false;
    for (;;) {
      if (signal?.aborted) {
        this.deps.router.forget(envelope.id);
        throw new HpoError('stopped', `task ${envelope.id} not sent: stopped`);
      }
      try {
        const ack = await this.deps.js.publish(SUBJECTS.task(this.study), data, {
          msgID: `${envelope.id}@${envelope.epoch}`,
        });
        return { seq: ack.seq, epoch: envelope.epoch };
      } catch (err) {
        if (err instanceof JetStreamApiError || Date.now() >= giveUpAt || this.deps.nc.isClosed()) {
          this.deps.router.forget(envelope.id); // nobody waits for a task that was never sent
          throw err;
        }
        if (!warned)
          this.deps.log?.warn({ task: envelope.id, err: errorText(err) }, 'task publish failed; retrying');
        warned = true;
        await sleep(PUBLISH_RETRY_PAUSE_MS, undefined, signal ? { signal } : undefined).catch(
          () => undefined,
        );
      }
    }
  }

  /** Deletes a queued copy of a task (best effort: gone already when a worker acked it). */
  private deleteQueued(seq: number): Promise<unknown> {
    return this.deps.jsm.streams.deleteMessage(STREAMS.tasks, seq, false).catch(() => undefined);
  }

  /** Publishes a task and waits for its result; a failure comes back as the worker's HpoError. */
  private async roundTrip(
    envelope: TaskEnvelope,
    { signal, drop, onReport }: TaskControl,
  ): Promise<Extract<ResultEnvelope, { ok: true }>> {
    const either = drop ? (signal ? AbortSignal.any([signal, drop]) : drop) : signal;
    const release = await this.deps.slots.acquire(this.study, either);
    const started = performance.now();
    this.deps.metrics.tasksInFlight.inc();
    try {
      const held = this.deps.router.holds(envelope.id);
      const result = this.deps.router.wait(envelope.id);
      // A result already in hand when the drop comes is not announced as dropped.
      let answered = false;
      void result.then(() => {
        answered = true;
      });
      // Listed before it is sent, so a worker's started notice never arrives before the entry.
      const task = envelope.task;
      this.inFlight.set(envelope.id, {
        trial: task.trial,
        fold: task.kind === 'fold' ? foldIndex(task) : 'refit',
        state: 'queued',
        worker: null,
        since: new Date().toISOString(),
      });
      this.onChange();
      if (onReport) this.reporters.set(envelope.id, onReport);
      const sent = await this.send(envelope, held, either);
      if (sent) this.copies.set(envelope.id, sent);
      const settled = await unlessAborted(
        withTimeout(result, this.deps.foldTimeoutSeconds, () => this.deps.router.forget(envelope.id)),
        either,
        () => {
          this.deps.router.forget(envelope.id);
          if (drop?.aborted && !signal?.aborted && !answered && sent)
            this.dropSent(envelope.id, sent.seq, sent.epoch);
        },
        () => new HpoError('stopped', 'the task was stopped: its result is no longer wanted'),
      );
      this.deps.metrics.foldSeconds.observe((performance.now() - started) / 1000);
      if (!settled.ok) throw fromWireError(settled.error);
      return settled;
    } finally {
      this.copies.delete(envelope.id);
      this.reporters.delete(envelope.id);
      if (this.inFlight.delete(envelope.id)) this.onChange();
      this.deps.metrics.tasksInFlight.dec();
      release();
    }
  }
}

/** A task found in the queue, and its stream sequence. */
export interface QueuedTask {
  envelope: TaskEnvelope;
  seq: number;
}

/**
 * The tasks of `study` in the task queue (not yet acknowledged: waiting, or on a worker), read
 * one by one with the stream's next-by-subject lookup. A message that is not a task, or not one a
 * coordinator issued, is skipped.
 */
export async function queuedTasks(
  jsm: JetStreamManager,
  study: string,
  proofs: { check(t: TaskEnvelope, subjectStudy: string): string | undefined },
): Promise<QueuedTask[]> {
  const out: QueuedTask[] = [];
  const subject = SUBJECTS.task(study);
  for (let seq = 1; ; ) {
    // nats-server answers next_by_subj (2.9+); the client's type lists only seq and last_by_subj.
    const m = await jsm.streams.getMessage(STREAMS.tasks, { seq, next_by_subj: subject } as { seq: number });
    if (!m) return out;
    try {
      const envelope = decodeTask(m.data);
      // Only a task a coordinator issued (its nonce proves it) is adopted: a made-up one would
      // make the study wait on a copy whose answer the router refuses.
      if (proofs.check(envelope, study) === undefined) out.push({ envelope, seq: m.seq });
    } catch {
      // Not a task: left to the workers, which refuse it.
    }
    seq = m.seq + 1;
  }
}

/**
 * The results of `study`'s tasks in the results stream (kept 7 days) that answer a task the
 * coordinators issued (checked like every result): delivered to the dead coordinator or to
 * nobody, they are recorded without training the fold again.
 */
export async function storedResults(
  jsm: JetStreamManager,
  study: string,
  proofs: { check(r: ResultEnvelope, subjectStudy: string): string | undefined },
  /** Whether the study still needs task `id`'s result (not yet in its log): only those are kept. */
  wanted: (id: string) => boolean,
): Promise<ResultEnvelope[]> {
  const out: ResultEnvelope[] = [];
  const subject = SUBJECTS.result(study);
  for (let seq = 1; ; ) {
    const m = await jsm.streams.getMessage(STREAMS.results, { seq, next_by_subj: subject } as {
      seq: number;
    });
    if (!m) return out;
    try {
      const r = decodeResult(m.data);
      if (proofs.check(r, study) === undefined && wanted(r.id)) out.push(r);
    } catch {
      // Malformed: the router drops it when it comes.
    }
    seq = m.seq + 1;
  }
}

/** Rejects when no result came within `seconds` (a task lost with every worker). */
function withTimeout<T>(p: Promise<T>, seconds: number, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(
        new HpoError(
          'timeout',
          `no result within ${seconds} s (the task was lost or given up by the workers)`,
        ),
      );
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
