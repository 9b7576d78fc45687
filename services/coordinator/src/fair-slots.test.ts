import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FairSlots } from './fair-slots.js';

describe('FairSlots', () => {
  it('never grants more than the capacity, and hands freed slots round-robin across studies', async () => {
    const slots = new FairSlots(1);
    const first = await slots.acquire('a');
    const order: string[] = [];
    const request = (study: string, label: string) =>
      slots.acquire(study).then((release) => {
        order.push(label);
        return release;
      });
    // Study a queues three tasks before b queues one: b must not wait behind all of a's.
    const pending = [request('a', 'a1'), request('a', 'a2'), request('a', 'a3'), request('b', 'b1')];
    let release = first;
    for (let i = 0; i < 4; i++) {
      release();
      await new Promise((r) => setImmediate(r));
      assert.equal(slots.used, 1, 'exactly one slot in use');
      release = await pending[['a1', 'a2', 'a3', 'b1'].indexOf(order[i]!)]!;
    }
    assert.deepEqual(order, ['a1', 'b1', 'a2', 'a3']);
    release();
    assert.equal(slots.used, 0);
  });

  it('withdraws a waiting request when its signal aborts', async () => {
    const slots = new FairSlots(1);
    const release = await slots.acquire('a');
    const stop = new AbortController();
    const waiting = slots.acquire('a', stop.signal);
    stop.abort();
    await assert.rejects(waiting, /aborted/);
    release();
    assert.equal(slots.used, 0);
    const next = await slots.acquire('b');
    assert.equal(slots.used, 1);
    next();
    next(); // releasing twice is harmless
    assert.equal(slots.used, 0);
  });
});
