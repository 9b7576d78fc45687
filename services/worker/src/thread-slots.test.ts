import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ThreadSlots } from './thread-slots.js';

// A slot handed out of order would leave a wait hanging: the timeout turns that into a failure.
const bounded = { timeout: 10_000 };

describe('thread slots', () => {
  it('hands free slots at once, then to waiting tasks in the order they asked', bounded, async () => {
    const slots = new ThreadSlots(1);
    const first = await slots.take(new AbortController().signal);
    assert.equal(slots.available, 0);
    const order: string[] = [];
    const b = slots.take(new AbortController().signal).then((release) => {
      order.push('b');
      return release;
    });
    const c = slots.take(new AbortController().signal).then((release) => {
      order.push('c');
      return release;
    });
    assert.equal(slots.queued, 2);
    first();
    (await b)();
    (await c)();
    assert.deepEqual(order, ['b', 'c']);
    assert.equal(slots.available, 1);
    assert.equal(slots.queued, 0);
  });

  it('a task stopped while it waits leaves the line and never gets a slot', bounded, async () => {
    const slots = new ThreadSlots(1);
    const held = await slots.take(new AbortController().signal);
    const stop = new AbortController();
    const stopped = slots.take(stop.signal);
    const next = slots.take(new AbortController().signal);
    stop.abort(new Error('shutdown'));
    await assert.rejects(stopped, /shutdown/);
    assert.equal(slots.queued, 1);
    held();
    (await next)();
    assert.equal(slots.available, 1);
    // Already stopped: refused without waiting.
    await assert.rejects(slots.take(AbortSignal.abort(new Error('gone'))), /gone/);
    assert.equal(slots.available, 1);
  });

  it('a release counts once', bounded, async () => {
    const slots = new ThreadSlots(2);
    const release = await slots.take(new AbortController().signal);
    release();
    release();
    assert.equal(slots.available, 2);
  });
});
