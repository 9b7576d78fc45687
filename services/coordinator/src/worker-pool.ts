/**
 * The workers this coordinator can count on, from their heartbeats (`hpo.heartbeat.<worker>`):
 * their training slots. The dispatch limit is those slots plus a small prefetch (so a worker that
 * frees a slot finds the next task already queued), never above --capacity and never below the
 * prefetch (with no worker yet, a few tasks still queue: that is what a scaler from zero sees).
 */
import { errorText } from '@hpo/core';
import { CodecError, decodeHeartbeat, HEARTBEAT_SECONDS, SUBJECTS } from '@hpo/protocol';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';

interface Seen {
  slots: number;
  busy: number;
  at: number;
}

export class WorkerPool {
  private readonly workers = new Map<string, Seen>();
  private sub: Subscription | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly opts: {
      /** Upper bound on tasks in flight (--capacity). */
      capacity: number;
      /** Tasks queued beyond the workers' slots (--prefetch). */
      prefetch: number;
      /** Told the new limit whenever it changes. */
      onLimit: (limit: number) => void;
      log: Logger;
      now?: () => number;
    },
  ) {
    // Expire silent workers even when no heartbeat arrives to trigger a recount.
    this.timer = setInterval(() => this.recount(), HEARTBEAT_SECONDS * 1000);
    this.timer.unref();
  }

  /** Listens to the workers' heartbeats. */
  follow(nc: NatsConnection): void {
    this.sub = nc.subscribe(SUBJECTS.heartbeatAll, {
      callback: (_err, m) => {
        try {
          const beat = decodeHeartbeat(m.data);
          if (m.subject !== SUBJECTS.heartbeat(beat.worker))
            throw new CodecError('heartbeat: subject and worker differ');
          // A leaving worker announces 0 slots with its folds still busy; otherwise busy <= slots.
          if (beat.slots > 0 && beat.busy > beat.slots)
            throw new CodecError(`heartbeat: ${beat.busy} busy of ${beat.slots} slots`);
          this.saw(beat.worker, beat.slots, beat.busy);
        } catch (err) {
          this.opts.log.warn({ subject: m.subject, err: errorText(err) }, 'dropping a malformed heartbeat');
        }
      },
    });
  }

  /** Records a heartbeat (slots 0: the worker is leaving). */
  saw(worker: string, slots: number, busy: number): void {
    const before = this.workers.get(worker);
    // A worker never seen (or already expired) leaving: nothing to forget.
    if (slots === 0 && !before) return;
    if (slots === 0) this.workers.delete(worker);
    else this.workers.set(worker, { slots, busy, at: this.now() });
    if (!before || before.slots !== slots) {
      this.opts.log.info(
        { worker, slots },
        slots === 0 ? 'worker left' : before ? 'worker slots changed' : 'worker joined',
      );
      this.recount();
    }
  }

  /** Slots the live workers said were busy at their last heartbeat. */
  get busy(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.busy;
    return n;
  }

  /** Training slots of the live workers. */
  get slots(): number {
    let n = 0;
    for (const w of this.workers.values()) n += w.slots;
    return n;
  }

  /** Tasks the coordinator may have in flight now. */
  get limit(): number {
    return Math.min(this.opts.capacity, this.slots + this.opts.prefetch);
  }

  stop(): void {
    clearInterval(this.timer);
    this.sub?.unsubscribe();
  }

  private last = -1;

  private recount(): void {
    const stale = this.now() - 3 * HEARTBEAT_SECONDS * 1000;
    for (const [name, w] of this.workers)
      if (w.at < stale) {
        this.workers.delete(name);
        this.opts.log.warn({ worker: name }, 'worker silent for three heartbeats: not counted');
      }
    const limit = this.limit;
    if (limit !== this.last) {
      this.last = limit;
      this.opts.onLimit(limit);
    }
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
