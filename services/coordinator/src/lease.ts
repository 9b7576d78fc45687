import { errorText } from '@hpo/core';
import { applyStoreLimits, BUCKETS, kvStream } from '@hpo/protocol';
import { type JetStreamManager, jetstream } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

const KEY = 'holder';

/**
 * At most one coordinator drives the studies: the holder of a lease in NATS KV (bucket hpo-lease,
 * key `holder`). The bucket's max age is the lease time L, so a holder that stops renewing
 * (killed, partitioned) loses the key without anyone deleting it; renewals and takeovers are
 * compare-and-set on the key's revision, so two coordinators can never both renew it.
 *
 * The holder renews every L/5 with requests that time out after L/5, so a slow or lost reply
 * costs one attempt, not the lease. A local deadline, 2/3 of L after the send of the last renewal
 * that landed, stops the holder (`lost`) whatever its requests are doing, before the key can
 * expire and another coordinator take it; the study log's expected-sequence check fences any
 * event write that still slips through. Every process of one deployment should use the same L:
 * the bucket's max age is the holder's.
 */
export class Lease {
  private revision = 0;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private renewing = false;
  private stopped = false;
  private lostReason: ((why: string) => void) | undefined;
  /** Resolves with why the lease was lost (never, while it is held and renewed). */
  readonly lost: Promise<string>;

  private constructor(
    private readonly kv: KV,
    private readonly holder: string,
    private readonly seconds: number,
    private readonly log: Logger,
    private readonly setAge: () => Promise<void> = async () => undefined,
  ) {
    this.lost = new Promise((resolve) => {
      this.lostReason = resolve;
    });
  }

  /** Opens the lease bucket (its max age set to `seconds`). */
  static async open(
    nc: NatsConnection,
    jsm: JetStreamManager,
    opts: { holder: string; seconds: number; replicas: number; storeMaxMb: number; log: Logger },
  ): Promise<Lease> {
    const kv = await new Kvm(jetstream(nc, { timeout: Math.max(500, (opts.seconds * 1000) / 5) })).create(
      BUCKETS.lease,
      { history: 1, ttl: opts.seconds * 1000, replicas: opts.replicas },
    );
    // The bucket's max age is set to this process's lease time only once it holds the lease: a
    // standby with a shorter one must not shorten the holder's.
    const setAge = async () => {
      const notes = await applyStoreLimits(jsm, kvStream(BUCKETS.lease), opts.storeMaxMb, opts.seconds);
      const failed = notes.find((h) => h.error);
      if (failed) throw new Error(failed.error);
    };
    return new Lease(kv, opts.holder, opts.seconds, opts.log, setAge);
  }

  /** Who holds the lease now, if anyone, and the entry's revision. */
  private async current(): Promise<{ holder: string; revision: number } | undefined> {
    const e = await this.kv.get(KEY);
    return e?.operation === 'PUT' ? { holder: e.string(), revision: e.revision } : undefined;
  }

  /**
   * Waits until this process holds the lease (polling at a fifth of the lease time), then keeps
   * renewing it. Resolves false when `signal` aborts first. `onWaiting` is told why it waits,
   * each time that changes.
   */
  async acquire(signal: AbortSignal, onWaiting?: (why: string) => void): Promise<boolean> {
    let told = '';
    while (!signal.aborted && !this.stopped) {
      const sent = Date.now();
      try {
        this.revision = await this.kv.create(KEY, this.holder);
        return await this.start(sent, signal);
      } catch (err) {
        // Taken, or NATS (or the bucket) unreachable: say which, and try again.
        const holder = await this.current().catch(() => undefined);
        // The take landed but its reply was lost: the lease is this process's.
        if (holder?.holder === this.holder) {
          this.revision = holder.revision;
          return await this.start(sent, signal);
        }
        const why = holder
          ? `${holder.holder} holds the lease`
          : `the lease cannot be taken (${errorText(err)})`;
        if (why !== told) {
          told = why;
          if (holder)
            this.log.info(
              { holder: holder.holder, seconds: this.seconds },
              'another coordinator holds the lease: standing by until it is free',
            );
          else this.log.warn({ err: errorText(err) }, 'cannot take the coordinator lease; retrying');
          onWaiting?.(why);
        }
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, Math.max(200, (this.seconds * 1000) / 5));
        signal.addEventListener('abort', done, { once: true });
      });
    }
    return false;
  }

  /** The lease was taken (its request sent at `sent`): renew from now on. */
  private async start(sent: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) {
      // Stopped while the take was in flight: give it back.
      await this.kv.delete(KEY, { previousSeq: this.revision }).catch(() => undefined);
      return false;
    }
    this.held(sent);
    await this.setAge().catch((err) =>
      this.log.warn({ err: errorText(err) }, 'cannot set the lease bucket to this lease time'),
    );
    this.log.info({ lease: BUCKETS.lease, seconds: this.seconds }, 'holding the coordinator lease');
    this.timer = setInterval(() => void this.renew(), (this.seconds * 1000) / 5);
    return true;
  }

  /**
   * A write of the key landed; its request was sent at `sent` (the key lives at least L from
   * then). The local deadline is 2/3 L from that send; when it fires, replies already received
   * are handled first (setImmediate), so a renewal that landed during a stall still counts.
   */
  private held(sent: number): void {
    this.renewedAt = Math.max(this.renewedAt, sent);
    clearTimeout(this.deadline);
    const limit = (this.seconds * 1000 * 2) / 3;
    const check = () =>
      setImmediate(() => {
        const silent = Date.now() - this.renewedAt;
        if (silent >= limit) this.lose(`no renewal landed for ${Math.round(silent / 1000)} s`);
        else {
          this.deadline = setTimeout(check, limit - silent);
          this.deadline.unref();
        }
      });
    this.deadline = setTimeout(check, Math.max(0, limit - (Date.now() - this.renewedAt)));
    this.deadline.unref();
  }

  private renewal: Promise<void> = Promise.resolve();

  private renew(): void {
    if (this.stopped || this.renewing) return;
    this.renewing = true;
    this.renewal = (async () => {
      const sent = Date.now();
      try {
        const revision = await this.kv.update(KEY, this.holder, this.revision);
        if (this.stopped) return;
        this.revision = revision;
        this.held(sent);
      } catch (err) {
        if (this.stopped) return;
        await this.recover(err, sent).catch((e) =>
          this.log.warn({ err: errorText(e) }, 'could not renew the coordinator lease; retrying'),
        );
      } finally {
        this.renewing = false;
      }
    })();
  }

  /**
   * A renewal failed: if the key is still this process's (the update landed but its reply was
   * lost, so the revision is stale), renew with the entry's revision; if another holds it, the
   * lease is lost. A key that is gone is not taken again: it expired, so the deadline has passed.
   */
  private async recover(err: unknown, sent: number): Promise<void> {
    const now = await this.current();
    if (this.stopped) return;
    if (now && now.holder !== this.holder) return this.lose(`${now.holder} took the lease`);
    if (!now) {
      this.log.warn({ err: errorText(err) }, 'the coordinator lease key is gone');
      return;
    }
    const revision = await this.kv.update(KEY, this.holder, now.revision);
    if (this.stopped) return;
    this.revision = revision;
    this.held(sent);
  }

  private lose(why: string): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    this.log.error({ why }, 'lost the coordinator lease');
    this.lostReason?.(why);
  }

  /** Stops renewing and frees the lease at once (a graceful stop), so a standby takes over now. */
  async release(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    // A renewal in flight would move the revision (or fail the delete): wait for it first.
    await this.renewal;
    const now = await this.current().catch(() => undefined);
    if (now?.holder === this.holder)
      await this.kv.delete(KEY, { previousSeq: now.revision }).catch(() => undefined);
  }
}
