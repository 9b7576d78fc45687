import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from './random.js';

describe('Rng.fillUint32', () => {
  it('gives the same values as nextUint32, and the generator continues from the same state', () => {
    const one = new Rng('fill');
    const bulk = new Rng('fill');
    const expected = Array.from({ length: 1000 }, () => one.nextUint32());
    assert.deepEqual(Array.from(bulk.fillUint32(new Uint32Array(1000))), expected);
    assert.equal(bulk.nextUint32(), one.nextUint32());
    assert.equal(bulk.next(), one.next());
  });

  it('fills an empty array without moving the state', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    a.fillUint32(new Uint32Array(0));
    assert.equal(a.nextUint32(), b.nextUint32());
  });
});
