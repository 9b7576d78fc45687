import { HpoError } from '@hpo/core';

/**
 * A shared limit on fold tasks in flight, granted round-robin across studies so one big study
 * cannot starve the others: when a slot frees, the next study in turn that has work gets it.
 */
export class FairSlots {
  private inUse = 0;
  private readonly queues = new Map<string, (() => void)[]>();
  private turn: string[] = [];

  constructor(private readonly capacity: number) {}

  /** Waits for a slot for `study`; call the returned function exactly once to release it. */
  async acquire(study: string, signal?: AbortSignal): Promise<() => void> {
    if (this.inUse < this.capacity && !this.hasWaiters()) return this.grant();
    await new Promise<void>((resolve, reject) => {
      const q = this.queues.get(study) ?? [];
      const entry = () => resolve();
      q.push(entry);
      this.queues.set(study, q);
      if (!this.turn.includes(study)) this.turn.push(study);
      signal?.addEventListener(
        'abort',
        () => {
          const i = q.indexOf(entry);
          if (i >= 0) {
            q.splice(i, 1);
            reject(new HpoError('stopped', 'aborted while waiting for a slot'));
          }
        },
        { once: true },
      );
    });
    return this.grant(false);
  }

  /** Slots in use (for metrics). */
  get used(): number {
    return this.inUse;
  }

  private grant(count = true): () => void {
    if (count) this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.next();
    };
  }

  private hasWaiters(): boolean {
    for (const q of this.queues.values()) if (q.length) return true;
    return false;
  }

  private next(): void {
    while (this.inUse < this.capacity && this.turn.length) {
      const study = this.turn.shift()!;
      const q = this.queues.get(study);
      const entry = q?.shift();
      if (q?.length) this.turn.push(study);
      if (entry) {
        this.inUse++;
        entry();
      }
    }
  }
}
