import { HpoError } from '@hpo/core';

/**
 * A token bucket per (caller, action): `perMinute` calls a minute on average, bursts of up to
 * `perMinute`. Callers are forgotten once their bucket is full again, so memory stays bounded.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number; perMinute: number }>();

  /** Takes one call from `caller`'s bucket, or throws RESOURCE_EXHAUSTED saying when to retry. */
  take(caller: string, action: string, perMinute: number, now = Date.now()): void {
    const key = `${action}\0${caller}`;
    const rate = perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: now, perMinute };
    b.perMinute = perMinute;
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    if (b.tokens < 1) {
      const seconds = Math.ceil((1 - b.tokens) / rate / 1000);
      throw new HpoError(
        'resource_exhausted',
        `rate limit: at most ${perMinute} ${action} calls a minute for ${caller}; retry in ${seconds} s`,
        { retryable: true },
      );
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 10_000) this.sweep(now);
  }

  /** Forgets callers whose bucket has filled up again (they are as if new). */
  private sweep(now: number): void {
    for (const [key, b] of this.buckets)
      if (b.tokens + ((now - b.at) * b.perMinute) / 60_000 >= b.perMinute) this.buckets.delete(key);
  }
}
