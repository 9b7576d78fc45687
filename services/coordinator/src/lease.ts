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
 * costs one attempt, not the lease. A local deadline, 2/3 of L after the last renewal that
 * landed, stops the holder (`lost`) whatever its requests are doing, before the key can expire
 * and another coordinator take it; the study log's expected-sequence check fences any event
 * write that still slips through.
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
    // An existing bucket keeps its age unless it is updated: the lease time is this process's.
    await applyStoreLimits(jsm, kvStream(BUCKETS.lease), opts.storeMaxMb, opts.seconds);
    return new Lease(kv, opts.holder, opts.seconds, opts.log);
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
      try {
        this.revision = await this.kv.create(KEY, this.holder);
        this.held();
        this.log.info({ lease: BUCKETS.lease, seconds: this.seconds }, 'holding the coordinator lease');
        this.timer = setInterval(() => void this.renew(), (this.seconds * 1000) / 5);
        return true;
      } catch (err) {
        // Taken, or NATS (or the bucket) unreachable: say which, and try again.
        const holder = await this.current().catch(() => undefined);
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

  /** A renewal (or the take) landed: the local deadline starts again. */
  private held(): void {
    this.renewedAt = Date.now();
    clearTimeout(this.deadline);
    this.deadline = setTimeout(
      () => this.lose(`no renewal landed for ${Math.round((Date.now() - this.renewedAt) / 1000)} s`),
      (this.seconds * 1000 * 2) / 3,
    );
    this.deadline.unref();
  }

  private async renew(): Promise<void> {
    if (this.stopped || this.renewing) return;
    this.renewing = true;
    try {
      this.revision = await this.kv.update(KEY, this.holder, this.revision);
      this.held();
    } catch (err) {
      await this.recover(err).catch((e) =>
        this.log.warn({ err: errorText(e) }, 'could not renew the coordinator lease; retrying'),
      );
    } finally {
      this.renewing = false;
    }
  }

  /** A renewal failed: find out why and, where it is safe, hold on. */
  private async recover(err: unknown): Promise<void> {
    const now = await this.current();
    if (now && now.holder !== this.holder) return this.lose(`${now.holder} took the lease`);
    if (now) {
      // Still ours: the update landed but its reply was lost (or it timed out), so the revision
      // is stale. Take the entry's and renew with it.
      this.revision = await this.kv.update(KEY, this.holder, now.revision);
      this.held();
      return;
    }
    // It expired while this process was too slow to renew, and nobody took it: take it again
    // (create fails if another coordinator did in between).
    this.revision = await this.kv.create(KEY, this.holder);
    this.held();
    this.log.warn({ err: errorText(err) }, 'the coordinator lease had expired unclaimed; took it again');
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
    if (this.revision) await this.kv.delete(KEY, { previousSeq: this.revision }).catch(() => undefined);
  }
}
