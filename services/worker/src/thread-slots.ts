/**
 * The worker's training threads as slots: a task takes one before it trains and gives it back
 * after. Tasks fetched beyond the threads (the prefetch) wait here in the order they ask (once
 * their dataset is local), and a task stopped while it waits leaves the line without ever
 * holding a thread.
 */
export class ThreadSlots {
  private readonly waiting: { grant: (release: () => void) => void; signal: AbortSignal }[] = [];

  constructor(private free: number) {}

  /** Resolves with the slot's release once one is free; rejects with the reason if `signal` aborts first. */
  take(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const entry = { grant: resolve, signal };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      entry.grant = (release) => {
        signal.removeEventListener('abort', onAbort);
        resolve(release);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Slots free now. */
  get available(): number {
    return this.free;
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** A release that gives the slot to the next waiting task, or frees it; only the first call counts. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant(this.releaser());
      else this.free++;
    };
  }
}
