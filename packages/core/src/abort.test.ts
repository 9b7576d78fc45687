import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unlessAborted } from './abort.js';

describe('unlessAborted', () => {
  it('settles as the promise does while the signal stays quiet', async () => {
    const c = new AbortController();
    assert.equal(await unlessAborted(Promise.resolve(1), c.signal), 1);
    await assert.rejects(unlessAborted(Promise.reject(new Error('boom')), c.signal), /boom/);
    assert.equal(await unlessAborted(Promise.resolve(2), undefined), 2);
  });

  it('rejects as soon as the signal aborts, after onAbort, with the reason asked for', async () => {
    const c = new AbortController();
    const order: string[] = [];
    const never = new Promise<number>(() => {});
    const waiting = unlessAborted(never, c.signal, () => order.push('onAbort'));
    c.abort(new Error('stopped'));
    await assert.rejects(waiting, /stopped/);
    assert.deepEqual(order, ['onAbort']);
    const c2 = new AbortController();
    const mine = unlessAborted(never, c2.signal, undefined, () => new Error('mine'));
    c2.abort();
    await assert.rejects(mine, /mine/);
  });

  it('rejects at once, after onAbort, when the signal has aborted already', async () => {
    let called = 0;
    await assert.rejects(
      unlessAborted(Promise.resolve(1), AbortSignal.abort(new Error('gone')), () => called++),
      /gone/,
    );
    assert.equal(called, 1);
  });
});
