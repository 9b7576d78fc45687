/**
 * The worker's pull of tasks from the shared JetStream consumer: one subscription for the
 * worker's whole life, and a pull request (`$JS.API.CONSUMER.MSG.NEXT`) sent to it when threads
 * free up. nats.js's `fetch()`, which the worker used before, subscribes (and later unsubscribes)
 * an inbox of its own and watches it with heartbeats and timers for every pull: with one thread,
 * for every task. A pull and ack through it cost this process 1.77–1.95× the CPU and 1.37–1.50×
 * the wall time of this one (bench `pullCost`).
 *
 * One request is open at a time, as with `fetch()`: the server moves a request it has partly
 * filled behind the others waiting, so with several open the client could not tell which one a
 * task filled. The request goes out with its own reply subject under the subscription
 * (`<inbox>.<n>`), where the server's word that it ended comes (408 expired, 409 refused, or
 * consumer deleted); tasks come with the subject they were published on. A request the server
 * never answers (it restarted, or the consumer was gone when it came) ends on the client side a
 * second after it would have expired, and the subscription moves to a fresh inbox: should the
 * request still be alive on the server (it came late), the server drops it for want of interest
 * rather than fill it behind the next one's back.
 */
import {
  createInbox,
  type Msg,
  type NatsConnection,
  nanos,
  type Subscription,
} from '@nats-io/transport-node';

/** A pulled task: its bytes, where it is in the stream, and the acknowledgements it can get. */
export interface TaskMessage {
  /** The subject the task was published on. */
  readonly subject: string;
  readonly data: Uint8Array;
  /** Its stream sequence. */
  readonly seq: number;
  readonly info: { readonly deliveryCount: number };
  ack(): void;
  /** Redelivered after `millis` (at once without). */
  nak(millis?: number): void;
  /** Never redelivered. */
  term(): void;
  /** Still in progress: the server's ack-wait starts again. */
  working(): void;
}

/** Why a request ended before it brought all it asked for. */
export type PullEnd =
  /** The server said it expired (408). */
  | { kind: 'expired' }
  /**
   * No word from the server a second after it would have expired: the server forgot it (a
   * restart), or no one serves the consumer (deleted before the request came).
   */
  | { kind: 'lost' }
  /**
   * The server refused or dropped it (`code`, e.g. 409 with "Consumer Deleted"; `missing` when
   * the stream or consumer is gone), or the subscription was refused (`code` 0).
   */
  | { kind: 'error'; code: number; description: string; missing: boolean };

export interface TaskPullOptions {
  stream: string;
  consumer: string;
  /** How long a request waits on the server for tasks. */
  expiresMs: number;
  /** Prefix of the subscription's subject (the NATS user may subscribe under it). */
  inboxPrefix?: string | undefined;
  /** Milliseconds past a request's expiry after which it ends as lost (default 1,000). */
  graceMs?: number | undefined;
}

interface OpenRequest {
  reply: string;
  asked: number;
  received: number;
  timer: NodeJS.Timeout;
}

export class TaskPull {
  private inbox = '';
  private sub: Subscription;
  private open: OpenRequest | undefined;
  private next = 0;
  private waiters: (() => void)[] = [];
  private readonly nextSubject: string;

  /**
   * `onTask` gets every task that arrives, also one no request counts on any more (it was
   * taken from the queue for this worker all the same); should it throw, the task is nak'ed.
   */
  constructor(
    private readonly nc: NatsConnection,
    private readonly options: TaskPullOptions,
    private readonly onTask: (msg: TaskMessage) => void,
    private readonly onEnd: (end: PullEnd) => void,
  ) {
    this.nextSubject = `$JS.API.CONSUMER.MSG.NEXT.${options.stream}.${options.consumer}`;
    this.sub = this.subscribe();
  }

  /** True while a request is open: the next is sent once it ends. */
  get pending(): boolean {
    return this.open !== undefined;
  }

  /** Tasks the open request asked for and has not brought yet. */
  get outstanding(): number {
    return this.open ? this.open.asked - this.open.received : 0;
  }

  /**
   * Asks the server for up to `batch` tasks, the request expiring after `expiresMs` (the
   * options' by default). Throws when a request is open, or when the connection cannot send.
   */
  request(batch: number, expiresMs = this.options.expiresMs): void {
    if (this.open) throw new Error('a pull request is already open');
    // A subscription the server refused is made again (the refusal was reported).
    if (this.sub.isClosed()) this.sub = this.subscribe();
    const reply = `${this.inbox}.${++this.next}`;
    const body = JSON.stringify({ batch, expires: nanos(expiresMs) });
    this.nc.publish(this.nextSubject, body, { reply });
    const timer = setTimeout(
      () => this.end(reply, { kind: 'lost' }),
      expiresMs + (this.options.graceMs ?? 1_000),
    );
    this.open = { reply, asked: batch, received: 0, timer };
  }

  /** Resolves once no request is open (one ends within its expiry and a second). */
  settled(): Promise<void> {
    if (!this.open) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Drops the subscription: a task sent to it now waits on the server for its ack-wait. */
  close(): void {
    if (this.open) clearTimeout(this.open.timer);
    this.open = undefined;
    this.sub.unsubscribe();
    this.release();
  }

  /** Subscribes a fresh inbox (tasks and answers to requests sent from now on come to it). */
  private subscribe(): Subscription {
    this.inbox = createInbox(this.options.inboxPrefix);
    return this.nc.subscribe(`${this.inbox}.*`, {
      callback: (err, msg) => {
        // Never throws: an exception here would stop the connection's reading.
        if (err) {
          const open = this.open?.reply;
          if (open) this.end(open);
          this.onEnd({ kind: 'error', code: 0, description: err.message, missing: false });
          return;
        }
        this.receive(msg);
      },
    });
  }

  private receive(msg: Msg): void {
    if (msg.subject.startsWith(`${this.inbox}.`)) {
      // The server's word on a request, on that request's own subject. 100 is an idle
      // heartbeat (not asked for here); every other status ends its request.
      const status = msg.headers?.code ?? 0;
      if (status === 100) return;
      if (status === 408) this.end(msg.subject, { kind: 'expired' });
      else {
        const description = msg.headers?.description ?? '';
        this.end(msg.subject, {
          kind: 'error',
          code: status,
          description,
          missing: status === 503 || /consumer deleted|not found/i.test(description),
        });
      }
      return;
    }
    let task: TaskMessage;
    try {
      task = jetStreamMessage(msg);
    } catch {
      return; // not from the consumer (no ack subject): nothing to count or to answer
    }
    const open = this.open;
    if (open && ++open.received >= open.asked) this.end(open.reply);
    try {
      this.onTask(task);
    } catch {
      // Left to the server to deliver again, at once (or after ack-wait, if the nak cannot go).
      try {
        task.nak();
      } catch {}
    }
  }

  private end(reply: string, why?: PullEnd): void {
    const open = this.open;
    if (!open || open.reply !== reply) return; // a request already ended
    clearTimeout(open.timer);
    this.open = undefined;
    try {
      if (why?.kind === 'lost' && !this.sub.isClosed()) {
        this.sub.unsubscribe();
        // Throws on a connection that drains or closed: the next request() subscribes (or throws).
        this.sub = this.subscribe();
      }
    } catch {
    } finally {
      this.release();
      if (why) this.onEnd(why);
    }
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * A pulled message as a TaskMessage. Its reply subject, the ack subject, says where it is:
 * `$JS.ACK.<stream>.<consumer>.<deliveries>.<stream seq>.<consumer seq>.<time>.<pending>`, or the
 * same with a domain and an account hash after `ACK` and a random token at the end.
 */
export function jetStreamMessage(msg: Msg): TaskMessage {
  const reply = msg.reply ?? '';
  const tokens = reply.split('.');
  if (tokens.length === 9) tokens.splice(2, 0, '_', '');
  if (tokens.length < 11 || tokens[0] !== '$JS' || tokens[1] !== 'ACK')
    throw new Error(`not a JetStream message: reply subject '${reply}'`);
  const deliveryCount = Number(tokens[6]);
  const seq = Number(tokens[7]);
  if (!Number.isSafeInteger(deliveryCount) || !Number.isSafeInteger(seq))
    throw new Error(`not a JetStream message: reply subject '${reply}'`);
  let answered = false;
  const answer = (payload: string, final = true) => {
    if (answered) return;
    if (final) answered = true;
    msg.respond(payload);
  };
  return {
    subject: msg.subject,
    data: msg.data,
    seq,
    info: { deliveryCount },
    ack: () => answer('+ACK'),
    nak: (millis?: number) => answer(millis ? `-NAK ${JSON.stringify({ delay: nanos(millis) })}` : '-NAK'),
    term: () => answer('+TERM'),
    working: () => answer('+WPI', false),
  };
}
