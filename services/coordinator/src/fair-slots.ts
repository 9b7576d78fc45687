import { HpoError } from '@hpo/core';

interface Waiter {
  study: string;
  /** Arrival order (earlier first among equals). */
  seq: number;
  resolve: () => void;
}

/**
 * The coordinator's fold tasks in flight (queued in JetStream or training), shared between
 * studies by weighted fair share. The capacity follows the workers (see WorkerPool): about as
 * many tasks as they can start soon, so a task published is a task about to run, and a study
 * submitted behind a big one gets the next free slot instead of waiting behind its queue.
 *
 * When a slot frees, it goes to the waiting study furthest below its share: the least
 * (slots held + 1) / weight; among equals, the study served least recently, then the earliest
 * request.
 */
export class FairSlots {
  private inUse = 0;
  private seq = 0;
  private grants = 0;
  private readonly held = new Map<string, number>();
  private readonly weights = new Map<string, number>();
  private readonly lastGrant = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private capacity: number) {}

  /** Changes the number of slots (the workers came or went); waiting requests get any new ones. */
  setCapacity(capacity: number): void {
    this.capacity = Math.max(1, capacity);
    this.next();
  }

  get limit(): number {
    return this.capacity;
  }

  /** A study's weight (default 1): twice the weight, twice the slots while both wait. */
  setWeight(study: string, weight: number): void {
    this.weights.set(study, weight > 0 ? weight : 1);
  }

  /** Forgets a study that ended (its weight and history). */
  forget(study: string): void {
    if ((this.held.get(study) ?? 0) > 0 || this.waiting.get(study)?.length) return;
    this.weights.delete(study);
    this.lastGrant.delete(study);
    this.held.delete(study);
  }

  /** Waits for a slot for `study`; call the returned function exactly once to release it. */
  async acquire(study: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new HpoError('stopped', 'aborted while waiting for a slot');
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { study, seq: this.seq++, resolve };
      const q = this.waiting.get(study) ?? [];
      q.push(waiter);
      this.waiting.set(study, q);
      signal?.addEventListener(
        'abort',
        () => {
          const i = q.indexOf(waiter);
          if (i >= 0) {
            q.splice(i, 1);
            reject(new HpoError('stopped', 'aborted while waiting for a slot'));
          }
        },
        { once: true },
      );
      this.next();
    });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.held.set(study, (this.held.get(study) ?? 1) - 1);
      this.next();
    };
  }

  /** Slots in use (for metrics). */
  get used(): number {
    return this.inUse;
  }

  /** Requests waiting for a slot, over all studies (the demand beyond the capacity). */
  get queued(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  private next(): void {
    while (this.inUse < this.capacity) {
      let best: Waiter | undefined;
      let bestKey: [number, number, number] | undefined;
      for (const [study, q] of this.waiting) {
        const head = q[0];
        if (!head) continue;
        const key: [number, number, number] = [
          ((this.held.get(study) ?? 0) + 1) / (this.weights.get(study) ?? 1),
          this.lastGrant.get(study) ?? -1,
          head.seq,
        ];
        if (
          !bestKey ||
          key[0] < bestKey[0] ||
          (key[0] === bestKey[0] && (key[1] < bestKey[1] || (key[1] === bestKey[1] && key[2] < bestKey[2])))
        ) {
          best = head;
          bestKey = key;
        }
      }
      if (!best) return;
      this.waiting.get(best.study)!.shift();
      this.inUse++;
      this.held.set(best.study, (this.held.get(best.study) ?? 0) + 1);
      this.lastGrant.set(best.study, this.grants++);
      best.resolve();
    }
  }
}
