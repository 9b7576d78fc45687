import { applyStoreLimits, BUCKETS, kvStream } from '@hpo/protocol';
import type { JetStreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';

const KEY = 'holder';

/**
 * At most one coordinator drives the studies: the holder of a lease in NATS KV (bucket hpo-lease,
 * key `holder`). The bucket's max age is the lease time, so a holder that stops renewing (killed,
 * partitioned) loses the key without anyone deleting it; renewals and takeovers are
 * compare-and-set on the key's revision, so two coordinators can never both renew it.
 *
 * A holder that cannot renew for 2/3 of the lease time stops itself (`lost`) before another
 * coordinator may take over: the study log's expected-sequence check fences any write that
 * still slips through.
 */
export class Lease {
  private revision = 0;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
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
    const kv = await new Kvm(nc).create(BUCKETS.lease, {
      history: 1,
      ttl: opts.seconds * 1000,
      replicas: opts.replicas,
    });
    // An existing bucket keeps its age unless it is updated: the lease time is this process's.
    await applyStoreLimits(jsm, kvStream(BUCKETS.lease), opts.storeMaxMb, opts.seconds);
    return new Lease(kv, opts.holder, opts.seconds, opts.log);
  }

  /** Who holds the lease now, if anyone. */
  async currentHolder(): Promise<string | undefined> {
    const e = await this.kv.get(KEY).catch(() => null);
    return e?.operation === 'PUT' ? e.string() : undefined;
  }

  /**
   * Waits until this process holds the lease (polling at a fifth of the lease time), then keeps
   * renewing it every third. Resolves false when `signal` aborts first.
   */
  async acquire(signal: AbortSignal, onWaiting?: (holder: string | undefined) => void): Promise<boolean> {
    let told = false;
    while (!signal.aborted && !this.stopped) {
      try {
        this.revision = await this.kv.create(KEY, this.holder);
        this.renewedAt = Date.now();
        this.log.info({ lease: BUCKETS.lease, seconds: this.seconds }, 'holding the coordinator lease');
        this.timer = setInterval(() => void this.renew(), (this.seconds * 1000) / 3);
        return true;
      } catch {
        // Taken (or NATS unreachable): wait and try again.
        if (!told) {
          told = true;
          const holder = await this.currentHolder();
          this.log.info(
            { holder, seconds: this.seconds },
            'another coordinator holds the lease: standing by until it is free',
          );
          onWaiting?.(holder);
        }
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(200, (this.seconds * 1000) / 5));
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return false;
  }

  private async renew(): Promise<void> {
    if (this.stopped) return;
    try {
      this.revision = await this.kv.update(KEY, this.holder, this.revision);
      this.renewedAt = Date.now();
    } catch (err) {
      const holder = await this.currentHolder().catch(() => undefined);
      if (holder !== undefined && holder !== this.holder) return this.lose(`${holder} took the lease`);
      if (holder === undefined) {
        // It expired while this process was too busy to renew, and nobody took it: take it again
        // (create fails if another coordinator did in between).
        try {
          this.revision = await this.kv.create(KEY, this.holder);
          this.renewedAt = Date.now();
          this.log.warn('the coordinator lease had expired unclaimed; took it again');
          return;
        } catch {
          // Fall through: taken, or NATS unreachable.
        }
      }
      if (Date.now() - this.renewedAt >= (this.seconds * 1000 * 2) / 3)
        return this.lose(
          `could not renew the lease for ${Math.round((Date.now() - this.renewedAt) / 1000)} s (${String(err)})`,
        );
      this.log.warn({ err: String(err) }, 'could not renew the coordinator lease; retrying');
    }
  }

  private lose(why: string): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    this.log.error({ why }, 'lost the coordinator lease');
    this.lostReason?.(why);
  }

  /** Stops renewing and frees the lease at once (a graceful stop), so a standby takes over now. */
  async release(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    if (this.revision) await this.kv.delete(KEY, { previousSeq: this.revision }).catch(() => undefined);
  }
}
