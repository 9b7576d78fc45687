import {
  COORDINATOR_RESULTS_CONSUMER,
  CodecError,
  decodeResult,
  type ResultEnvelope,
  STREAMS,
  SUBJECTS,
} from '@hpo/protocol';
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';
import type { TaskProofs } from './task-proofs.js';

type Waiter = (r: ResultEnvelope) => void;

/** Task ids remembered as answered; far more than the folds in flight of any coordinator. */
const MAX_HANDED = 200_000;

/**
 * Reads the results stream through the coordinator's durable consumer and hands each result
 * to whoever waits for its task id. A result nobody waits for yet (it arrived while the
 * coordinator was restarting) is held, unacknowledged, until its study's runner asks for it;
 * a result is acknowledged only once it has been handed over, so none is lost in a crash.
 * A result is accepted only if it answers a task the coordinator issued (its nonce); anything
 * else is dropped, logged and counted, and never takes the place of the genuine result.
 */
export class ResultsRouter {
  private readonly waiters = new Map<string, Waiter>();
  private readonly held = new Map<string, { envelope: ResultEnvelope; msg: JsMsg }>();
  /**
   * Task ids whose result this process has handed over (the most recent MAX_HANDED): later
   * copies are acked and dropped.
   */
  private readonly handed = new Set<string>();
  private messages: ConsumerMessages | undefined;
  private stopped = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly log: Logger,
    private readonly proofs: TaskProofs,
    private readonly metrics: Metrics,
  ) {}

  async start(): Promise<void> {
    const consumer = await this.js.consumers.get(STREAMS.results, COORDINATOR_RESULTS_CONSUMER);
    this.messages = await consumer.consume({ max_messages: 256 });
    void (async () => {
      for await (const msg of this.messages!) this.onMessage(msg);
    })().catch((err) => {
      if (!this.stopped) this.log.error({ err: String(err) }, 'results consumer stopped');
    });
  }

  /** Whether the result of task `id` is here, waiting for its study. */
  holds(id: string): boolean {
    return this.held.has(id);
  }

  /** Resolves with the result of task `id` (now if it is already held). */
  wait(id: string): Promise<ResultEnvelope> {
    const held = this.held.get(id);
    if (held) {
      this.held.delete(id);
      this.markHanded(id);
      held.msg.ack();
      return Promise.resolve(held.envelope);
    }
    return new Promise((resolve) => this.waiters.set(id, resolve));
  }

  /**
   * The coordinator is shutting down: from now on `forget` only stops waiting, and a result that
   * still comes stays unacknowledged, for the next coordinator to record.
   */
  drain(): void {
    this.draining = true;
  }

  private draining = false;

  /** Stops waiting for task `id` (cancelled or dropped): a result that still comes is discarded. */
  forget(id: string): void {
    this.waiters.delete(id);
    if (this.draining) return;
    this.markHanded(id);
    const held = this.held.get(id);
    if (held) {
      this.held.delete(id);
      held.msg.ack();
    }
  }

  /** Delivers a synthetic result (e.g. a task given up after max deliveries). */
  deliver(envelope: ResultEnvelope): void {
    const waiter = this.waiters.get(envelope.id);
    if (waiter) {
      this.waiters.delete(envelope.id);
      this.markHanded(envelope.id);
      waiter(envelope);
    }
  }

  private markHanded(id: string): void {
    this.handed.delete(id);
    this.handed.add(id);
    if (this.handed.size > MAX_HANDED) this.handed.delete(this.handed.values().next().value!);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close();
  }

  private onMessage(msg: JsMsg): void {
    let envelope: ResultEnvelope;
    try {
      envelope = decodeResult(msg.data);
    } catch (err) {
      this.log.warn(
        { err: err instanceof CodecError ? err.message : String(err), seq: msg.seq, subject: msg.subject },
        'dropping malformed result',
      );
      this.metrics.resultsRejected.inc({ reason: 'malformed' });
      msg.term();
      return;
    }
    const rejection = this.proofs.check(envelope, msg.subject.slice(SUBJECTS.result('').length));
    if (rejection) {
      // Logged without the nonces: the worker name and the task id say where to look.
      this.log.warn(
        {
          task: envelope.id,
          study: envelope.study,
          worker: envelope.worker,
          seq: msg.seq,
          reason: rejection,
        },
        'dropping a result that does not answer a task this coordinator issued',
      );
      this.metrics.resultsRejected.inc({ reason: rejection });
      msg.term();
      return;
    }
    if (this.handed.has(envelope.id)) {
      msg.ack(); // a duplicate (a task run twice after a restart) or a result nobody wants
      return;
    }
    const waiter = this.waiters.get(envelope.id);
    if (waiter) {
      this.waiters.delete(envelope.id);
      this.markHanded(envelope.id);
      waiter(envelope);
      msg.ack();
      return;
    }
    const previous = this.held.get(envelope.id);
    if (previous) previous.msg.ack(); // a duplicate: keep the newest copy only
    this.held.set(envelope.id, { envelope, msg });
    // Keep it unacked but stop redeliveries from piling up while the study resumes.
    msg.working();
  }
}
