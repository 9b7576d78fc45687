import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FairSlots } from './fair-slots.js';

describe('FairSlots', () => {
  it('never grants more than the capacity, and hands a freed slot to the study served least', async () => {
    const slots = new FairSlots(1);
    const first = await slots.acquire('a');
    const order: string[] = [];
    const request = (study: string, label: string) =>
      slots.acquire(study).then((release) => {
        order.push(label);
        return release;
      });
    // Study a queues three tasks before b queues one: b must not wait behind all of a's (a held
    // the only slot, so b, never served, goes first).
    const pending = [request('a', 'a1'), request('a', 'a2'), request('a', 'a3'), request('b', 'b1')];
    let release = first;
    for (let i = 0; i < 4; i++) {
      release();
      await new Promise((r) => setImmediate(r));
      assert.equal(slots.used, 1, 'exactly one slot in use');
      release = await pending[['a1', 'a2', 'a3', 'b1'].indexOf(order[i]!)]!;
    }
    assert.deepEqual(order, ['b1', 'a1', 'a2', 'a3']);
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

  it('shares slots by weight while studies wait, and follows a changing capacity', async () => {
    const slots = new FairSlots(1);
    const block = await slots.acquire('x');
    slots.setWeight('heavy', 2, 'team');
    slots.setWeight('light', 1, 'team');
    const held: Record<string, (() => void)[]> = { heavy: [], light: [] };
    const want = (study: 'heavy' | 'light', n: number) =>
      Array.from({ length: n }, () => slots.acquire(study).then((r) => held[study]!.push(r)));
    want('heavy', 10);
    want('light', 10);
    const tick = () => new Promise((r) => setImmediate(r));
    await tick();
    assert.equal(slots.queued, 20);
    // Workers came: six more slots, two to one.
    slots.setCapacity(7);
    await tick();
    assert.deepEqual([held.heavy!.length, held.light!.length], [4, 2], 'two to one');
    block();
    await tick();
    assert.deepEqual([held.heavy!.length, held.light!.length], [5, 2]);
    // Workers left: no new grants until fewer tasks are in flight than the new capacity.
    slots.setCapacity(3);
    held.heavy!.shift()!();
    held.light!.shift()!();
    held.heavy!.shift()!();
    await tick();
    assert.equal(slots.used, 4);
    slots.setCapacity(9);
    await tick();
    assert.equal(slots.used, 9);
    assert.deepEqual([held.heavy!.length, held.light!.length], [6, 3]);
    assert.equal(slots.queued, 20 - 12, 'twelve grants, all from the queue');
  });

  it("shares between tenants first: weights divide a tenant's share, they do not take another's", async () => {
    const slots = new FairSlots(1);
    const block = await slots.acquire('x');
    slots.setWeight('greedy', 100, 'a');
    slots.setWeight('modest', 1, 'b');
    const held = { greedy: 0, modest: 0 };
    for (let i = 0; i < 10; i++) {
      void slots.acquire('greedy').then(() => held.greedy++);
      void slots.acquire('modest').then(() => held.modest++);
    }
    await new Promise((r) => setImmediate(r));
    slots.setCapacity(9);
    block();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(held, { greedy: 5, modest: 4 }, 'about half each');
  });
});
