/**
 * The worker loop: pull tasks from the shared JetStream consumer (never more than there are free
 * threads), train each on the pool while telling the server `working()`, publish the result, then
 * ack. A crash before the ack leaves the task to be redelivered to another worker; results are
 * idempotent by task id (the result's msgID), so a redelivered task is harmless.
 */

import {
  BUCKETS,
  CodecError,
  DEFAULT_QUEUE,
  type DropMessage,
  decodeDrop,
  decodeTask,
  encodeJson,
  ensureInfrastructure,
  type ResultEnvelope,
  STREAMS,
  STUDY_ID,
  SUBJECTS,
  type TaskEnvelope,
  WORKER_CONSUMER,
} from '@hpo/protocol';
import {
  type Consumer,
  type ConsumerMessages,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config.js';
import { type BlobSource, DatasetCache, DatasetUnavailableError } from './dataset-cache.js';
import type { TaskOutcome, WorkerMetrics } from './metrics.js';
import { type BlobSink, type TaskResult, TaskRunner } from './task-runner.js';

/** One task being handled. */
interface InFlight {
  envelope: TaskEnvelope;
  msg: JsMsg;
  controller: AbortController;
  /** Shared flag a fold's training loop reads before every batch: set, it stops cooperatively. */
  stop: Int32Array;
  /** Why the run was aborted: the study was cancelled, the task dropped, or the worker stops. */
  abortReason?: 'cancel' | 'drop' | 'shutdown';
  done: Promise<void>;
}

/** What became of a task once training is over, before it is reported. */
type Verdict =
  | { kind: 'result'; result: TaskResult }
  | { kind: 'failure'; error: string }
  | { kind: 'cancelled'; reason: 'cancel' | 'drop' }
  | { kind: 'requeue'; reason: string; delayMs: number };

/** Cancelled study ids, and dropped task publishes, remembered (oldest forgotten first). */
const MAX_CANCELLED = 10_000;

/** Adds `key` as the most recent entry of a bounded set, forgetting the oldest past the bound. */
function remember<T>(set: Set<T>, key: T): void {
  set.delete(key);
  set.add(key);
  if (set.size > MAX_CANCELLED) set.delete(set.values().next().value!);
}
/*
 * Messages are terminated with a bare `term()`: nats-server 2.9 does not parse `+TERM <reason>`
 * and would leave the message pending, to be redelivered after ack-wait. The reason is logged.
 */

/** Seconds one pull request waits for tasks; short, so a stop or a freed thread is noticed soon. */
const FETCH_EXPIRES_MS = 5_000;

export class Worker {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private readonly running = new Set<InFlight>();
  private readonly cancelled = new Set<string>();
  /** Task-stream sequence numbers of publishes no longer wanted, most recent last (bounded). */
  private readonly dropped = new Set<number>();
  private readonly runner: TaskRunner;
  private readonly datasets: DatasetCache;
  private stopping = false;
  private fetching: ConsumerMessages | undefined;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Effective consumer settings (the server's, which win over ours if the consumer existed). */
  private ackWaitMs: number;
  private maxDeliver: number;
  private stores = new Map<string, Promise<BlobSource & BlobSink>>();

  constructor(
    private readonly config: WorkerConfig,
    private readonly log: Logger,
    private readonly metrics: WorkerMetrics,
  ) {
    this.ackWaitMs = config.ackWaitSeconds * 1000;
    this.maxDeliver = config.maxDeliver;
    this.runner = new TaskRunner(config.threads, () => this.bucket(BUCKETS.models));
    this.datasets = new DatasetCache(config.cacheDir, () => this.bucket(BUCKETS.datasets), {
      hit: () => metrics.cacheHits.inc(),
      miss: () => metrics.cacheMisses.inc(),
    });
  }

  /** Connects (waiting for the server if need be), sets up streams and starts consuming. */
  async start(): Promise<void> {
    const nc = await connect({
      ...this.config.natsAuth,
      servers: this.config.natsUrl,
      name: `hpo-worker ${this.config.name}`,
      // A worker has nothing to do without NATS: wait for it at start and after every outage.
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
      reconnectTimeWait: 1000,
    });
    this.nc = nc;
    this.watchStatus(nc);
    this.log.info({ server: nc.getServer() }, 'connected to NATS');
    this.js = jetstream(nc);
    await this.retry('set up streams', () => this.ensure());
    const consumer = await this.retry('open the task consumer', () =>
      this.js!.consumers.get(STREAMS.tasks, WORKER_CONSUMER),
    );
    await this.readConsumerSettings(consumer);
    const prefix = SUBJECTS.cancel('');
    // Kept until drain(): a cancel during the shutdown grace still aborts that study's folds.
    nc.subscribe(SUBJECTS.cancelAll, {
      callback: (_err, m) => this.cancelStudy(m.subject.slice(prefix.length)),
    });
    const dropPrefix = SUBJECTS.drop('');
    nc.subscribe(SUBJECTS.dropAll, {
      callback: (_err, m) => this.dropTask(m.subject.slice(dropPrefix.length), m.data),
    });
    this.loop = this.consume(consumer);
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
    this.stopping = true;
    // The open pull request is left to expire rather than stopped: a task the server sends to a
    // closed inbox would sit unacked for a whole ack-wait, while one that reaches us is nak'ed.
    this.wake?.();
    const loopDone = this.loop?.catch(() => {});
    // Bound the wait all the same, in case the pull never ends (connection lost meanwhile).
    const fetchTimer = setTimeout(() => this.fetching?.stop(), FETCH_EXPIRES_MS + 1000);
    this.log.info({ inFlight: this.running.size, graceSeconds }, 'stopping: no new tasks');
    const all = Promise.allSettled([...this.running].map((e) => e.done));
    let timer: NodeJS.Timeout | undefined;
    const expired = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), graceSeconds * 1000);
      }),
    ]);
    clearTimeout(timer);
    if (expired) {
      this.log.warn({ inFlight: this.running.size }, 'grace period over: requeueing unfinished tasks');
      for (const e of this.running) this.abort(e, 'shutdown');
      await Promise.allSettled([...this.running].map((e) => e.done));
    }
    await loopDone;
    clearTimeout(fetchTimer);
    // drain() flushes the acks and naks published above before closing.
    await this.nc?.drain().catch((err: Error) => this.log.warn({ err: err.message }, 'drain failed'));
    await this.runner.close();
    this.log.info('stopped');
  }

  /** The pull loop: one fetch at a time, sized to the free threads. */
  private async consume(consumer: Consumer): Promise<void> {
    while (!this.stopping) {
      const free = this.config.threads - this.running.size;
      if (free <= 0) {
        await new Promise<void>((r) => {
          this.wake = r;
        });
        this.wake = undefined;
        continue;
      }
      try {
        const batch = await consumer.fetch({ max_messages: free, expires: FETCH_EXPIRES_MS });
        this.fetching = batch;
        for await (const msg of batch) {
          // A task that arrives after the stop goes straight back to the queue.
          if (this.stopping) msg.nak();
          else this.dispatch(msg);
        }
      } catch (err) {
        // Typically the server restarting: the client reconnects by itself, we just pull again.
        if (!this.stopping) {
          const message = (err as Error).message;
          this.log.warn({ err: message }, 'fetch failed; retrying');
          await sleep(1000);
          // Someone deleted the stream or consumer: put it back rather than fail forever.
          if (/not found/i.test(message)) await this.ensure().catch(() => {});
        }
      } finally {
        this.fetching = undefined;
      }
    }
  }

  /** Decodes a task and starts handling it, or disposes of it when it cannot or must not run. */
  private dispatch(msg: JsMsg): void {
    let envelope: TaskEnvelope;
    try {
      envelope = decodeTask(msg.data);
      if (!STUDY_ID.test(envelope.study)) {
        throw new CodecError(
          `task ${envelope.id}: study ${JSON.stringify(envelope.study)} is not a valid study id`,
        );
      }
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
    if (this.cancelled.has(envelope.study)) {
      this.log.info({ task: envelope.id, study: envelope.study }, 'task of a cancelled study dropped');
      msg.term();
      this.metrics.tasks.inc({ outcome: 'cancelled' });
      return;
    }
    if (this.dropped.has(msg.seq)) {
      this.log.info({ task: envelope.id, study: envelope.study }, 'dropped task not started');
      msg.term();
      this.metrics.tasks.inc({ outcome: 'dropped' });
      return;
    }
    const entry: InFlight = {
      envelope,
      msg,
      controller: new AbortController(),
      stop: new Int32Array(new SharedArrayBuffer(4)),
      done: Promise.resolve(),
    };
    this.running.add(entry);
    this.metrics.inFlight.set(this.running.size);
    entry.done = this.handle(entry)
      .catch((err: Error) => this.log.error({ task: envelope.id, err: err.message }, 'task handling failed'))
      .finally(() => {
        this.running.delete(entry);
        this.metrics.inFlight.set(this.running.size);
        this.wake?.();
      });
  }

  /** Trains one task with `working()` heartbeats, then reports it. */
  private async handle(entry: InFlight): Promise<void> {
    const { envelope, msg } = entry;
    const started = performance.now();
    const deliveries = msg.info.deliveryCount;
    const fields = { task: envelope.id, study: envelope.study, kind: envelope.task.kind, deliveries };
    this.log.info(fields, 'task started');
    // A third of ack-wait leaves two more chances if one heartbeat is late or lost.
    const heartbeat = setInterval(() => msg.working(), Math.max(100, this.ackWaitMs / 3));
    let verdict: Verdict;
    let outcome: TaskOutcome;
    try {
      verdict = await this.train(entry, deliveries >= this.maxDeliver);
      // Still beating while the result is published: a slow publish must not cause a redelivery.
      outcome = await this.report(entry, verdict, deliveries);
    } finally {
      clearInterval(heartbeat);
    }
    const seconds = (performance.now() - started) / 1000;
    this.metrics.tasks.inc({ outcome });
    this.metrics.foldDuration.observe({ kind: envelope.task.kind, outcome }, seconds);
    const backend = verdict.kind === 'result' ? backendName(verdict.result) : undefined;
    const error =
      verdict.kind === 'failure' ? verdict.error : verdict.kind === 'requeue' ? verdict.reason : undefined;
    this.log[outcome === 'failed' ? 'warn' : 'info'](
      { ...fields, outcome, durationSeconds: Number(seconds.toFixed(3)), backend, error },
      'task finished',
    );
  }

  /** Fetches the dataset and runs the task; every error becomes a verdict. */
  private async train(entry: InFlight, lastDelivery: boolean): Promise<Verdict> {
    const { envelope } = entry;
    let dataset: Awaited<ReturnType<DatasetCache['get']>>;
    try {
      dataset = await this.datasets.get(envelope.task.dataset.hash);
    } catch (err) {
      const message = (err as Error).message;
      // A missing or corrupt blob stays so; a lost connection may not, so let another try.
      if (err instanceof DatasetUnavailableError || lastDelivery) return { kind: 'failure', error: message };
      return { kind: 'requeue', reason: `dataset fetch failed: ${message}`, delayMs: 2000 };
    }
    try {
      return {
        kind: 'result',
        result: await this.runner.run(envelope, dataset, entry.controller.signal, entry.stop),
      };
    } catch (err) {
      if (entry.abortReason === 'cancel' || entry.abortReason === 'drop')
        return { kind: 'cancelled', reason: entry.abortReason };
      if (entry.abortReason === 'shutdown')
        return { kind: 'requeue', reason: 'worker shutting down', delayMs: 0 };
      // Training errors (bad params, ...) are deterministic: retrying elsewhere would fail alike.
      const e = err as Error;
      return { kind: 'failure', error: e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message };
    }
  }

  /** Publishes the result (then acks), terms a cancelled task, or naks one to retry. */
  private async report(entry: InFlight, verdict: Verdict, deliveries: number): Promise<TaskOutcome> {
    const { envelope, msg } = entry;
    if (verdict.kind === 'cancelled') {
      msg.term();
      return verdict.reason === 'drop' ? 'dropped' : 'cancelled';
    }
    if (verdict.kind === 'requeue') {
      msg.nak(verdict.delayMs);
      return 'requeued';
    }
    const base = { id: envelope.id, study: envelope.study, worker: this.config.name, deliveries };
    const result: ResultEnvelope =
      verdict.kind === 'result'
        ? { ...base, ok: true, result: verdict.result }
        : { ...base, ok: false, error: verdict.error };
    try {
      await this.js!.publish(SUBJECTS.result(envelope.study), encodeJson(result), {
        msgID: `${envelope.id}:result`,
      });
    } catch (err) {
      // Without a stored result the task must run again; the msgID dedupes if it did land.
      this.log.error({ task: envelope.id, err: (err as Error).message }, 'result publish failed; requeueing');
      msg.nak(1000);
      return 'requeued';
    }
    msg.ack();
    return verdict.kind === 'result' ? 'ok' : 'failed';
  }

  /** Aborts a study's running tasks and refuses its later ones. */
  private cancelStudy(study: string): void {
    if (!STUDY_ID.test(study)) return;
    remember(this.cancelled, study);
    let aborted = 0;
    for (const e of this.running) {
      if (e.envelope.study === study) {
        this.abort(e, 'cancel');
        aborted++;
      }
    }
    this.log.info({ study, aborted }, 'study cancelled');
  }

  /**
   * Aborts the named publish of a task if it runs here, and refuses it if it comes later. The
   * stream sequence, not the id, is remembered: the same id published again (a resumed study
   * running an unfinished trial) is new work.
   */
  private dropTask(study: string, data: Uint8Array): void {
    let drop: DropMessage;
    try {
      drop = decodeDrop(data);
    } catch (err) {
      this.log.warn({ study, err: (err as Error).message }, 'malformed drop message ignored');
      return;
    }
    // The id names its study (taskId): a drop on one study's subject cannot touch another's.
    if (!STUDY_ID.test(study) || !drop.id.startsWith(`${study}.`)) return;
    remember(this.dropped, drop.seq);
    for (const e of this.running) {
      if (e.msg.seq === drop.seq && e.envelope.id === drop.id) {
        this.abort(e, 'drop');
        this.log.info({ task: drop.id, study }, 'running task dropped');
      }
    }
  }

  private abort(entry: InFlight, reason: 'cancel' | 'drop' | 'shutdown'): void {
    entry.abortReason ??= reason;
    const why = {
      cancel: 'study cancelled',
      drop: 'result no longer wanted',
      shutdown: 'worker shutting down',
    };
    // A fold stops between two batches and its thread keeps its warmed-up backend; a refit,
    // or a worker that is going away, ends the thread's run at once.
    if (reason !== 'shutdown' && entry.envelope.task.kind === 'fold') Atomics.store(entry.stop, 0, 1);
    else entry.controller.abort(new Error(why[reason]));
  }

  /** An object store bucket, opened once (and again after a failure). */
  private bucket(name: string): Promise<BlobSource & BlobSink> {
    let p = this.stores.get(name);
    if (!p) {
      p = new Objm(this.nc!).open(name);
      this.stores.set(name, p);
      p.catch(() => this.stores.delete(name));
    }
    return p;
  }

  private async readConsumerSettings(consumer: Consumer): Promise<void> {
    const info = await this.retry('read the task consumer', () => consumer.info(true));
    const ackWaitMs = (info.config.ack_wait ?? this.config.ackWaitSeconds * 1e9) / 1e6;
    const maxDeliver = info.config.max_deliver ?? -1;
    if (ackWaitMs !== this.config.ackWaitSeconds * 1000 || maxDeliver !== this.config.maxDeliver) {
      // The consumer existed with other settings; the server's copy is the one in force.
      this.log.warn(
        {
          ackWaitSeconds: ackWaitMs / 1000,
          maxDeliver,
          configured: { ackWaitSeconds: this.config.ackWaitSeconds, maxDeliver: this.config.maxDeliver },
        },
        'task consumer exists with other settings; using the server settings',
      );
    }
    this.ackWaitMs = ackWaitMs;
    this.maxDeliver = maxDeliver > 0 ? maxDeliver : Number.POSITIVE_INFINITY;
  }

  /** Creates whatever streams, consumers and buckets are missing, with this worker's settings. */
  private async ensure(): Promise<void> {
    await ensureInfrastructure(this.nc!, await jetstreamManager(this.nc!), {
      ackWaitSeconds: this.config.ackWaitSeconds,
      maxDeliver: this.config.maxDeliver,
      duplicateWindowSeconds: DEFAULT_QUEUE.duplicateWindowSeconds,
      replicas: this.config.streamReplicas,
    });
  }

  /** Retries a setup step every second until it succeeds (the server may still be starting). */
  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (this.stopping) throw err;
        this.log.warn({ attempt, err: (err as Error).message }, `cannot ${what} yet; retrying`);
        await sleep(1000);
      }
    }
  }

  private watchStatus(nc: NatsConnection): void {
    (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
          this.log.warn({ event: s.type, server: 'server' in s ? s.server : undefined }, `NATS ${s.type}`);
        }
      }
    })().catch(() => {});
  }
}

function backendName(result: TaskResult): string {
  const b = result.backend as unknown;
  return typeof b === 'string' ? b : ((b as { name?: string })?.name ?? 'unknown');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
