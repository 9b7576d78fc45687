import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEARTBEAT_SECONDS } from '@hpo/protocol';
import { pino } from 'pino';
import { WorkerPool } from './worker-pool.js';

describe('WorkerPool', () => {
  it("sizes the dispatch limit by the workers' slots plus the prefetch, up to the capacity, and forgets silent workers", () => {
    let now = 1_000_000;
    const limits: number[] = [];
    const pool = new WorkerPool({
      capacity: 10,
      prefetch: 2,
      onLimit: (l) => limits.push(l),
      log: pino({ level: 'silent' }),
      now: () => now,
    });
    try {
      assert.equal(pool.limit, 2, 'no worker yet: the prefetch still queues');
      pool.saw('a', 2, 0);
      pool.saw('b', 3, 1);
      assert.equal(pool.slots, 5);
      assert.equal(pool.limit, 7);
      pool.saw('b', 3, 3); // same slots: no new limit
      pool.saw('c', 8, 0);
      assert.equal(pool.limit, 10, 'never above --capacity');
      pool.saw('c', 0, 0); // leaving
      assert.equal(pool.limit, 7);
      // 'a' keeps beating, 'b' falls silent for three heartbeats.
      now += 2 * HEARTBEAT_SECONDS * 1000;
      pool.saw('a', 2, 0);
      now += 2 * HEARTBEAT_SECONDS * 1000;
      (pool as unknown as { recount(): void }).recount();
      assert.equal(pool.slots, 2);
      assert.deepEqual(limits, [4, 7, 10, 7, 4]);
    } finally {
      pool.stop();
    }
  });
});
