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
 * When a slot frees, it goes first to the tenant holding the fewest slots (tenants share
 * equally, so no tenant's weights can crowd out another), then, within that tenant, to the
 * waiting study furthest below its share: the least (slots held + 1) / weight. Among equals, the
 * one served least recently, then the earliest request.
 */
export class FairSlots {
  private inUse = 0;
  private seq = 0;
  private grants = 0;
  private readonly held = new Map<string, number>();
  private readonly weights = new Map<string, number>();
  private readonly tenants = new Map<string, string>();
  private readonly tenantHeld = new Map<string, number>();
  private readonly tenantLastGrant = new Map<string, number>();
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

  /**
   * A study's weight (default 1: twice the weight, twice the slots while both wait) and its
   * tenant (default: its own).
   */
  setWeight(study: string, weight: number, tenant = study): void {
    this.weights.set(study, weight > 0 ? weight : 1);
    this.tenants.set(study, tenant);
  }

  /** Forgets a study that ended (its weight and history). */
  forget(study: string): void {
    if ((this.held.get(study) ?? 0) > 0 || this.waiting.get(study)?.length) return;
    const tenant = this.tenants.get(study);
    this.weights.delete(study);
    this.tenants.delete(study);
    // The tenant's share goes with its last study.
    if (tenant !== undefined && ![...this.tenants.values()].includes(tenant)) {
      this.tenantHeld.delete(tenant);
      this.tenantLastGrant.delete(tenant);
    }
    this.lastGrant.delete(study);
    this.held.delete(study);
    this.waiting.delete(study);
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
      const tenant = this.tenantOf(study);
      this.tenantHeld.set(tenant, (this.tenantHeld.get(tenant) ?? 1) - 1);
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

  private tenantOf(study: string): string {
    return this.tenants.get(study) ?? study;
  }

  private next(): void {
    while (this.inUse < this.capacity) {
      let best: Waiter | undefined;
      let bestKey: number[] | undefined;
      for (const [study, q] of this.waiting) {
        const head = q[0];
        if (!head) continue;
        const tenant = this.tenantOf(study);
        // Lexicographic: the tenant's slots, when the tenant was last served, then the study's
        // share, when it was last served, and the request's arrival.
        const key = [
          this.tenantHeld.get(tenant) ?? 0,
          this.tenantLastGrant.get(tenant) ?? -1,
          ((this.held.get(study) ?? 0) + 1) / (this.weights.get(study) ?? 1),
          this.lastGrant.get(study) ?? -1,
          head.seq,
        ];
        if (!bestKey || less(key, bestKey)) {
          best = head;
          bestKey = key;
        }
      }
      if (!best) return;
      const study = best.study;
      const tenant = this.tenantOf(study);
      this.waiting.get(study)!.shift();
      this.inUse++;
      this.held.set(study, (this.held.get(study) ?? 0) + 1);
      this.tenantHeld.set(tenant, (this.tenantHeld.get(tenant) ?? 0) + 1);
      this.lastGrant.set(study, this.grants);
      this.tenantLastGrant.set(tenant, this.grants++);
      best.resolve();
    }
  }
}

/** a < b, comparing element by element. */
function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
