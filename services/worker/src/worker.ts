/**
 * The worker: pull tasks from the shared JetStream consumer (never more than there are free
 * threads), hand each to a TaskHandler, obey the control subjects, and stop gracefully. Its life
 * is a state machine (`nextWorkerState`); connection set-up, the control memory and one task's
 * handling live in their own modules.
 *
 *   created ─start─▶ connecting ─ready─▶ pulling ⇄ full (threads_full / thread_free)
 *                        │                  │ stop
 *                        └──────stop───────▶ draining ─grace_over─▶ requeueing
 *                                             │ tasks_settled         │ tasks_settled
 *                                             ▼                       ▼
 *                                           closing ◀─────────────────┘ ─closed─▶ stopped
 */

import { errorText, type FoldReport } from '@hpo/core';
import {
  BUCKETS,
  CodecError,
  decodeHandbackReply,
  decodeTask,
  encodeJson,
  type HandbackMessage,
  HEARTBEAT_SECONDS,
  type HeartbeatMessage,
  isMissingStreamOrConsumer,
  objectStoreSource,
  permissionViolation,
  type ReportMessage,
  STREAMS,
  type StartedMessage,
  SUBJECTS,
  type TaskEnvelope,
  WORKER_CONSUMER,
  WORKER_INBOX_PREFIX,
} from '@hpo/protocol';
import { type Consumer, type JetStreamClient, jetstream } from '@nats-io/jetstream';
import { type ObjectStore, Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config.js';
import {
  type ConsumerSettings,
  connectNats,
  consumerSettings,
  ensureStreams,
  retry,
  sleep,
} from './connection.js';
import { ControlMemory, cancels, drops } from './control.js';
import { claimCacheDir, DatasetCache } from './dataset-cache.js';
import type { WorkerMetrics } from './metrics.js';
import { TaskHandler } from './task-handler.js';
import { type PullEnd, type TaskMessage, TaskPull } from './task-pull.js';
import { TaskRunner } from './task-runner.js';
import { ThreadSlots } from './thread-slots.js';

export type WorkerState =
  | 'created'
  /** Waiting for NATS; setting up streams and the task consumer. */
  | 'connecting'
  /** A pull request for up to the free threads' worth of tasks is open. */
  | 'pulling'
  /** Every thread trains: waiting for one to free. */
  | 'full'
  /** Stop asked: no new tasks; running ones may finish within the grace period. */
  | 'draining'
  /** Grace over: what still runs is aborted and nak'ed (redelivered at once elsewhere). */
  | 'requeueing'
  /** Draining the connection (flushing acks and naks) and closing the pool. */
  | 'closing'
  | 'stopped';

export type WorkerEvent =
  | 'start'
  | 'ready'
  | 'threads_full'
  | 'thread_free'
  | 'stop'
  | 'grace_over'
  | 'tasks_settled'
  | 'closed';

/** The one transition function of the worker's life. Events a state ignores leave it as it is. */
export function nextWorkerState(state: WorkerState, event: WorkerEvent): WorkerState {
  switch (state) {
    case 'created':
      return event === 'start' ? 'connecting' : event === 'stop' ? 'closing' : state;
    case 'connecting':
      return event === 'ready' ? 'pulling' : event === 'stop' ? 'draining' : state;
    case 'pulling':
      return event === 'threads_full' ? 'full' : event === 'stop' ? 'draining' : state;
    case 'full':
      return event === 'thread_free' ? 'pulling' : event === 'stop' ? 'draining' : state;
    case 'draining':
      return event === 'tasks_settled' ? 'closing' : event === 'grace_over' ? 'requeueing' : state;
    case 'requeueing':
      return event === 'tasks_settled' ? 'closing' : state;
    case 'closing':
      return event === 'closed' ? 'stopped' : state;
    case 'stopped':
      return state;
  }
}

/**
 * Milliseconds one pull request waits on the server for tasks (at most: less when the task
 * consumer's max_expires is lower); short, as a stop waits for the open one to end.
 */
const FETCH_EXPIRES_MS = 5_000;

/*
 * Messages are terminated with a bare `term()`: nats-server 2.9 does not parse `+TERM <reason>`
 * and would leave the message pending, to be redelivered after ack-wait. The reason is logged.
 */

export class Worker {
  private state: WorkerState = 'created';
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private readonly running = new Map<TaskHandler, Promise<void>>();
  /** Hand-backs of tasks fetched after the stop, awaited before the connection drains. */
  private readonly returning = new Set<Promise<void>>();
  private readonly control = new ControlMemory();
  private readonly runner: TaskRunner;
  /** The training threads, handed to tasks in the order they are ready (dataset fetched). */
  private readonly threads: ThreadSlots;
  private readonly datasets: DatasetCache;
  private pull: TaskPull | undefined;
  /**
   * Set after a pull the server refused or never answered: the next waits for it (the task
   * consumer checked and put back if it is gone, and its settings read again; after a refusal,
   * a pause of 1 s doubling with each refusal in a row, up to 30 s).
   */
  private pullRetry: Promise<void> | undefined;
  /** Pull requests refused in a row: the pause before the next doubles with each, up to 30 s. */
  private pullRefusals = 0;
  private askStop: () => void = () => {};
  /** Resolves when a stop is asked. */
  private readonly stopAsked = new Promise<void>((resolve) => {
    this.askStop = resolve;
  });
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Effective consumer settings (the server's, which win over ours if the consumer existed). */
  private ackWaitMs: number;
  private maxDeliver: number;
  /** The most tasks and the longest expiry the task consumer lets one pull request ask for. */
  private pullLimits: Pick<ConsumerSettings, 'maxBatch' | 'maxExpiresMs'> = {
    maxBatch: Number.POSITIVE_INFINITY,
    maxExpiresMs: Number.POSITIVE_INFINITY,
  };
  /** The server's overrides of ack wait and max deliveries last warned about (JSON; none yet). */
  private warnedOverrides: string | undefined;
  private readonly stores = new Map<string, Promise<ObjectStore>>();
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly log: Logger,
    private readonly metrics: WorkerMetrics,
  ) {
    this.ackWaitMs = config.ackWaitSeconds * 1000;
    this.maxDeliver = config.maxDeliver;
    this.runner = new TaskRunner(config.threads, () => this.bucket(BUCKETS.models));
    this.threads = new ThreadSlots(config.threads);
    this.datasets = new DatasetCache(
      claimCacheDir(config.cacheDir, config.name),
      async () => objectStoreSource(this.js!, await this.bucket(BUCKETS.datasets), BUCKETS.datasets),
      {
        hit: () => metrics.cacheHits.inc(),
        miss: () => metrics.cacheMisses.inc(),
        evicted: (bytes) => metrics.cacheEvictedBytes.inc(bytes),
      },
      config.cacheMaxBytes,
    );
  }

  /** Where the worker is in its life. */
  get current(): WorkerState {
    return this.state;
  }

  /** Connects (waiting for the server if need be), sets up streams and starts consuming. */
  async start(): Promise<void> {
    this.transition('start');
    const nc = await connectNats(this.config, this.log);
    this.nc = nc;
    this.js = jetstream(nc);
    const giveUp = () => this.stopping;
    // The coordinator usually created the streams already; a worker that starts first creates
    // them if its NATS user may (coordinator and workers can start in any order).
    const consumer = await retry(
      'open the task consumer',
      async () => {
        try {
          return await this.js!.consumers.get(STREAMS.tasks, WORKER_CONSUMER);
        } catch (err) {
          if (!isMissingStreamOrConsumer(err)) throw err;
          await this.ensureStreams();
          return await this.js!.consumers.get(STREAMS.tasks, WORKER_CONSUMER);
        }
      },
      this.log,
      giveUp,
    );
    const settings = await retry(
      'read the task consumer',
      () => consumerSettings(consumer, this.config),
      this.log,
      giveUp,
    );
    this.applySettings(settings);
    // Kept until drain(): a cancel during the shutdown grace still aborts that study's folds.
    const cancelPrefix = SUBJECTS.cancel('');
    nc.subscribe(SUBJECTS.cancelAll, {
      callback: (_err, m) => this.onCancel(m.subject.slice(cancelPrefix.length), m.data),
    });
    const dropPrefix = SUBJECTS.drop('');
    nc.subscribe(SUBJECTS.dropAll, {
      callback: (_err, m) => this.onDrop(m.subject.slice(dropPrefix.length), m.data),
    });
    this.transition('ready');
    this.heartbeat();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), HEARTBEAT_SECONDS * 1000);
    this.heartbeatTimer.unref();
    // A request a server restart forgot ends as lost (TaskPull), and pulls go on after it. It is
    // not forgotten on a reconnect: after a mere blip it may still bring tasks.
    this.pull = new TaskPull(
      nc,
      {
        stream: STREAMS.tasks,
        consumer: WORKER_CONSUMER,
        expiresMs: FETCH_EXPIRES_MS,
        inboxPrefix: WORKER_INBOX_PREFIX,
      },
      (msg) => {
        this.pullRefusals = 0;
        try {
          // A task that arrives after the stop goes straight back to the queue.
          if (this.stopping) this.returnUnstarted(msg);
          else this.dispatch(msg);
        } finally {
          // The loop counts again: a task that was disposed of at once (malformed, of a
          // cancelled study, or one whose handling threw: TaskPull naks it) has taken no
          // thread, and another is asked for in its place.
          this.wake?.();
        }
      },
      (end) => this.pullEnded(end),
    );
    this.loop = this.consume(this.pull);
    this.log.info(
      { threads: this.config.threads, ackWaitSeconds: this.ackWaitMs / 1000, maxDeliver: this.maxDeliver },
      'worker ready',
    );
  }

  /**
   * Stops fetching, lets in-flight tasks finish for up to `graceSeconds`, naks the rest (so they
   * are redelivered at once rather than after ack-wait), then drains the connection.
   */
  async stop(graceSeconds: number): Promise<void> {
    if (this.stopping) return;
    this.transition('stop');
    this.askStop();
    // No more slots here: the coordinator stops counting on this worker at once.
    clearInterval(this.heartbeatTimer);
    this.heartbeat(0);
    // An open pull request is left to expire rather than stopped: a task the server sends to a
    // closed inbox would sit unacked for a whole ack-wait, while one that reaches us is handed
    // back. It ends within FETCH_EXPIRES_MS and a second, whatever the server does.
    this.wake?.();
    const loopDone = this.loop?.catch(() => {});
    this.log.info({ inFlight: this.running.size, graceSeconds }, 'stopping: no new tasks');
    // Tasks that have not started training (getting their dataset, or prefetched and waiting
    // for a thread) go back rather than start during the grace period.
    for (const h of this.running.keys()) if (h.state === 'waiting') h.abort('shutdown');
    let timer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([
      this.settled().then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceSeconds * 1000);
      }),
    ]);
    clearTimeout(timer);
    if (expired) {
      this.transition('grace_over');
      this.log.warn({ inFlight: this.running.size }, 'grace period over: requeueing unfinished tasks');
      for (const h of this.running.keys()) h.abort('shutdown');
      await this.settled();
    }
    this.transition('tasks_settled');
    await loopDone;
    await Promise.allSettled([...this.returning]);
    // drain() flushes the acks and naks published above before closing.
    await this.nc?.drain().catch((err: Error) => this.log.warn({ err: err.message }, 'drain failed'));
    await this.runner.close();
    this.transition('closed');
    this.log.info('stopped');
  }

  /**
   * Gives a task back without using one of its max_deliver deliveries: the coordinator queues a
   * fresh copy (checked against the task's nonce), then this copy is acked. A nak would count as
   * a delivery, and a worker drained three times mid-fold would fail the fold. False when the
   * coordinator did not confirm (unreachable, or the task is gone): the caller naks instead.
   */
  async handBack(envelope: TaskEnvelope, msg: TaskMessage): Promise<boolean> {
    // A pull of this worker still open (it ends within FETCH_EXPIRES_MS and a second of the stop)
    // would take the fresh copy and hand it back once more: the copy is asked for once it is over.
    if (this.stopping) await this.loop?.catch(() => {});
    const request: HandbackMessage = {
      id: envelope.id,
      seq: msg.seq,
      nonce: envelope.nonce,
      worker: this.config.name,
    };
    try {
      const reply = decodeHandbackReply(
        (await this.nc!.request(SUBJECTS.handback(envelope.study), encodeJson(request), { timeout: 5000 }))
          .data,
      );
      if (!reply.ok) {
        this.log.warn({ task: envelope.id, err: reply.error }, 'hand-back refused; requeueing');
        return false;
      }
      // Acked after the copy is queued: a crash in between leaves two copies (results are
      // deduplicated), never none.
      msg.ack();
      return true;
    } catch (err) {
      this.log.warn({ task: envelope.id, err: errorText(err) }, 'hand-back failed; requeueing');
      return false;
    }
  }

  /** A task fetched after the stop: handed back (or nak'ed) before the connection drains. */
  private returnUnstarted(msg: TaskMessage): void {
    let envelope: TaskEnvelope;
    try {
      envelope = decodeTask(msg.data);
    } catch {
      msg.nak();
      return;
    }
    const p = this.handBack(envelope, msg).then((ok) => {
      if (!ok) msg.nak();
    });
    this.returning.add(p);
    void p.finally(() => this.returning.delete(p));
  }

  /** Announces this worker's slots and how many are busy (the coordinator sizes its queue by them). */
  private heartbeat(slots = this.config.threads): void {
    // Tasks waiting for a thread (the prefetch) are not busy slots.
    const beat: HeartbeatMessage = { worker: this.config.name, slots, busy: this.training() };
    try {
      this.nc?.publish(SUBJECTS.heartbeat(this.config.name), encodeJson(beat));
    } catch (err) {
      this.log.debug({ err: errorText(err) }, 'cannot send a heartbeat');
    }
  }

  /** True once a stop was asked: no new task is taken. */
  get stopping(): boolean {
    return !['created', 'connecting', 'pulling', 'full'].includes(this.state);
  }

  private transition(event: WorkerEvent): void {
    const next = nextWorkerState(this.state, event);
    if (next !== this.state) this.log.debug({ from: this.state, to: next, event }, 'worker state');
    this.state = next;
  }

  /** Tasks holding a thread: running ones that have not finished training (the rest report). */
  private training(): number {
    let n = 0;
    for (const h of this.running.keys()) if (h.state === 'training') n++;
    return n;
  }

  /** Tasks training or waiting for a thread (prefetched). */
  private holding(): number {
    let n = 0;
    for (const h of this.running.keys()) if (h.state === 'training' || h.state === 'waiting') n++;
    return n;
  }

  private settled(): Promise<unknown> {
    return Promise.allSettled([...this.running.values()]);
  }

  /**
   * The pull loop: asks for as many tasks as threads are free (once the open request, if any, has
   * ended), then waits for a thread to free or a request to end; at the stop, waits for the open
   * request to end and drops the subscription.
   */
  private async consume(pull: TaskPull): Promise<void> {
    while (!this.stopping) {
      if (this.pullRetry) {
        // A stop does not wait out the retry's pause (up to 30 s).
        await Promise.race([this.pullRetry, this.stopAsked]);
        continue;
      }
      // Threads not training (plus the prefetch: tasks that wait for the next free thread, so
      // none waits for a pull), but at most as many tasks again reporting: a results stream
      // that stalls must not let unacknowledged tasks pile up.
      const { threads, prefetch } = this.config;
      const free = Math.min(threads + prefetch - this.holding(), 2 * threads + prefetch - this.running.size);
      // One request at a time: one still open brings the tasks it asked for, then ends.
      if (free > 0 && !pull.pending) {
        try {
          pull.request(
            Math.min(free, this.pullLimits.maxBatch),
            Math.min(FETCH_EXPIRES_MS, this.pullLimits.maxExpiresMs),
          );
        } catch (err) {
          // The connection is closed or cannot send: it reconnects by itself, we pull again.
          this.log.warn({ err: errorText(err) }, 'pull failed; retrying');
          await sleep(1000);
          continue;
        }
      }
      this.transition(free <= 0 ? 'threads_full' : 'thread_free');
      await new Promise<void>((r) => {
        this.wake = r;
      });
      this.wake = undefined;
    }
    await pull.settled();
    pull.close();
  }

  /**
   * A pull request ended short: pull again, at once after an expiry; after a refusal or no
   * answer, once the task consumer is checked (put back if someone deleted it and this worker's
   * NATS user may) and its settings read again, and after a refusal a pause.
   */
  private pullEnded(end: PullEnd): void {
    if (end.kind === 'expired') this.pullRefusals = 0;
    else if (!this.stopping) {
      if (end.kind === 'error')
        this.log.warn({ code: end.code, err: end.description }, 'pull refused; retrying');
      else this.log.warn('pull request unanswered; checking the task consumer');
      this.pullRetry ??= (async () => {
        const open = () => this.js!.consumers.get(STREAMS.tasks, WORKER_CONSUMER);
        let missing = end.kind === 'error' && end.missing;
        let consumer: Consumer | undefined;
        if (!missing)
          consumer = await open().catch((err: unknown) => {
            missing = isMissingStreamOrConsumer(err);
            return undefined;
          });
        if (missing) {
          this.log.warn('task stream or consumer missing; creating it');
          await this.ensureStreams().catch(() => {});
          consumer = await open().catch(() => undefined);
        }
        // Its settings again: a refusal may come from limits set since (max_batch, max_expires),
        // and a consumer created again may have other ones. Not when the consumer could not be
        // read: the next pull tells.
        if (consumer)
          await consumerSettings(consumer, this.config).then(
            (settings) => this.applySettings(settings),
            () => {},
          );
        if (end.kind === 'error') await sleep(Math.min(30_000, 1000 * 2 ** this.pullRefusals++));
      })().finally(() => {
        this.pullRetry = undefined;
        this.wake?.();
      });
    }
    this.wake?.();
  }

  /**
   * Goes by the task consumer's settings in force (read at start, and again after a pull the
   * server refused or never answered). It says so when what differs from this worker's own
   * settings changes, and when the limits on its pulls change.
   */
  private applySettings(settings: ConsumerSettings): void {
    this.ackWaitMs = settings.ackWaitMs;
    this.maxDeliver = settings.maxDeliver;
    const overrides = settings.overrides && JSON.stringify(settings.overrides);
    if (overrides !== this.warnedOverrides) {
      this.warnedOverrides = overrides;
      if (settings.overrides)
        this.log.warn(
          {
            ...settings.overrides,
            configured: { ackWaitSeconds: this.config.ackWaitSeconds, maxDeliver: this.config.maxDeliver },
          },
          'task consumer exists with other settings; using the server settings',
        );
    }
    const { maxBatch, maxExpiresMs } = settings;
    if (maxBatch === this.pullLimits.maxBatch && maxExpiresMs === this.pullLimits.maxExpiresMs) return;
    this.pullLimits = { maxBatch, maxExpiresMs };
    if (!Number.isFinite(maxBatch) && !Number.isFinite(maxExpiresMs)) {
      this.log.info('the task consumer no longer limits pull requests');
      return;
    }
    // An expiry under a second has an idle worker send a request that often.
    this.log[maxExpiresMs < 1000 ? 'warn' : 'info'](
      {
        maxBatch: Number.isFinite(maxBatch) ? maxBatch : null,
        maxExpiresSeconds: Number.isFinite(maxExpiresMs) ? maxExpiresMs / 1000 : null,
      },
      'the task consumer limits pull requests; pulling within them',
    );
  }

  /** Decodes a task and starts handling it, or disposes of it when it cannot or must not run. */
  private dispatch(msg: TaskMessage): void {
    let envelope: TaskEnvelope;
    try {
      envelope = decodeTask(msg.data);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      // Redelivering a message that cannot be decoded only fails again: terminate it.
      this.log.error(
        { subject: msg.subject, seq: msg.seq, deliveries: msg.info.deliveryCount, err: err.message },
        'malformed task',
      );
      msg.term();
      this.metrics.tasks.inc({ outcome: 'malformed' });
      return;
    }
    this.control.saw(envelope);
    const refusal = this.control.refusal(envelope, msg.seq);
    if (refusal) {
      const why = refusal === 'cancel' ? 'task of a cancelled study dropped' : 'dropped task not started';
      this.log.info({ task: envelope.id, study: envelope.study }, why);
      msg.term();
      this.metrics.tasks.inc({ outcome: refusal === 'cancel' ? 'cancelled' : 'dropped' });
      return;
    }
    // Every thread already has a task: this one is the prefetch. It, or a task taken before it
    // whose dataset is still coming, will wait for a thread (threads go to tasks as their
    // datasets are ready).
    if (this.holding() >= this.config.threads)
      this.log.info({ task: envelope.id, study: envelope.study }, 'task prefetched');
    const handler = new TaskHandler(envelope, msg, {
      js: () => this.js!,
      runner: this.runner,
      datasets: this.datasets,
      log: this.log,
      metrics: this.metrics,
      name: this.config.name,
      ackWaitMs: () => this.ackWaitMs,
      maxDeliver: () => this.maxDeliver,
      handBack: (e, m) => this.handBack(e, m),
      report: (e, r) => this.report(e, r),
      thread: (signal) => this.threads.take(signal),
      onStarted: () => this.announce(envelope),
      // Its thread is free once it has trained: the next task is pulled while it reports.
      onTrained: () => this.wake?.(),
    });
    const done = handler
      .run()
      .catch((err: unknown) =>
        this.log.error({ task: envelope.id, err: errorText(err) }, 'task handling failed'),
      )
      .finally(() => {
        this.running.delete(handler);
        this.metrics.inFlight.set(this.running.size);
        this.wake?.();
      });
    this.running.set(handler, done);
    this.metrics.inFlight.set(this.running.size);
  }

  /**
   * Sends a fold's report at an ASHA rung to the coordinator, with the task's nonce like a result.
   * Core NATS, at most once: a lost report only means that rung is not judged for the fold's trial.
   */
  private report(envelope: TaskEnvelope, report: FoldReport): void {
    const message: ReportMessage = {
      id: envelope.id,
      study: envelope.study,
      epoch: envelope.epoch,
      nonce: envelope.nonce,
      worker: this.config.name,
      report,
    };
    try {
      this.nc?.publish(SUBJECTS.progress(envelope.study), encodeJson(message));
    } catch (err) {
      this.log.debug({ task: envelope.id, err: errorText(err) }, 'cannot send a fold report');
    }
  }

  /**
   * Tells the coordinator this worker is training a task (its dashboard shows who trains what),
   * once the task has held its thread STARTED_NOTICE_DELAY_MS (see TaskHandler). The message
   * names the task's nonce, so the coordinator counts only tasks it issued; losing it costs
   * nothing but the dashboard showing the task as queued.
   */
  private announce(envelope: TaskEnvelope): void {
    const started: StartedMessage = {
      id: envelope.id,
      study: envelope.study,
      epoch: envelope.epoch,
      nonce: envelope.nonce,
      worker: this.config.name,
    };
    try {
      this.nc?.publish(SUBJECTS.progress(envelope.study), encodeJson(started));
    } catch (err) {
      this.log.debug({ task: envelope.id, err: errorText(err) }, 'cannot announce a started task');
    }
  }

  /** Aborts the study run's running tasks and refuses its later ones; ignores (and counts) a forged cancel. */
  private onCancel(study: string, data: Uint8Array): void {
    let cancel: ReturnType<ControlMemory['cancel']>;
    try {
      cancel = this.control.cancel(study, data);
    } catch (err) {
      this.rejectControl('cancel', study, err);
      return;
    }
    if (!cancel) return;
    if (this.control.unmatched(study, cancel)) {
      this.rejectControl(
        'cancel',
        study,
        new Error('names no run of the study this worker has seen'),
        'unmatched',
      );
      return;
    }
    let aborted = 0;
    for (const h of this.running.keys()) {
      if (cancels(cancel, study, h.envelope)) {
        h.abort('cancel');
        aborted++;
      }
    }
    this.log.info({ study, aborted }, 'study cancelled');
  }

  /** A control message that proves nothing: logged (without its content) and counted, never obeyed. */
  private rejectControl(kind: 'cancel' | 'drop', study: string, err: unknown, reason = 'malformed'): void {
    this.log.warn({ study, kind, reason, err: errorText(err) }, `unauthenticated ${kind} message ignored`);
    this.metrics.controlRejected.inc({ kind, reason });
  }

  /**
   * Aborts the named publish of a task if it runs here, and refuses it if it comes later. The
   * drop names the publish (stream sequence), so a later publish of the same task id (a resumed
   * study running an unfinished trial) is new work.
   */
  private onDrop(study: string, data: Uint8Array): void {
    let drop: ReturnType<ControlMemory['drop']>;
    try {
      drop = this.control.drop(study, data);
    } catch (err) {
      this.rejectControl('drop', study, err);
      return;
    }
    if (!drop) return;
    for (const h of this.running.keys()) {
      if (h.envelope.id === drop.id && h.msg.seq === drop.seq && !drops(drop, h.envelope, h.msg.seq)) {
        this.rejectControl('drop', study, new Error("does not name the running task's nonce"), 'unmatched');
      }
      if (drops(drop, h.envelope, h.msg.seq)) {
        h.abort('drop');
        this.log.info({ task: drop.id, study }, 'running task dropped');
      }
    }
  }

  /**
   * Creates the streams the worker needs if they are missing. A worker whose NATS user may not
   * create them (the permissions of deploy/nats/auth.conf) leaves that to the coordinator and
   * waits for the task consumer instead.
   */
  private async ensureStreams(): Promise<void> {
    try {
      await ensureStreams(this.nc!, this.config);
    } catch (err) {
      const denied = permissionViolation(err);
      if (!denied) throw err;
      this.log.info(
        { subject: denied.subject },
        'no permission to create streams; the coordinator creates them',
      );
    }
  }

  /** An object store bucket, opened once (and again after a failure). */
  private bucket(name: string): Promise<ObjectStore> {
    let p = this.stores.get(name);
    if (!p) {
      p = new Objm(this.nc!).open(name);
      this.stores.set(name, p);
      p.catch(() => this.stores.delete(name));
    }
    return p;
  }
}
