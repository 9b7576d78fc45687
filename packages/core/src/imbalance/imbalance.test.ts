import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classWeights, sampleWeights } from './class-weights.js';
import { smote, undersample } from './resample.js';

describe('class weights', () => {
  it('balanced weights are n / (2 · count)', () => {
    const y = [0, 0, 0, 1];
    assert.deepEqual(classWeights(y, 'balanced'), [4 / 6, 2]);
    assert.deepEqual(classWeights(y, 'none'), [1, 1]);
    assert.deepEqual(classWeights(y, { negative: 1, positive: 3 }), [1, 3]);
    assert.deepEqual([...sampleWeights(y, [0.5, 2])], [0.5, 0.5, 0.5, 2]);
    assert.throws(
      () => classWeights(y, { negative: 0, positive: 1 }),
      /classWeight.negative must be a positive/,
    );
  });
});

describe('resampling', () => {
  // 8 negatives around (0,0), 3 positives around (10,10).
  const rows = [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
    [0.5, 0.5],
    [0.2, 0.8],
    [0.9, 0.1],
    [0.3, 0.3],
    [10, 10],
    [11, 10],
    [10, 12],
  ];
  const data = {
    x: Float32Array.from(rows.flat()),
    y: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]),
    rows: 11,
    cols: 2,
  };

  it('SMOTE balances the classes with points between minority neighbours, deterministically', () => {
    const out = smote(data, { k: 2, seed: 1 });
    assert.equal(out.rows, 16);
    assert.equal([...out.y].filter((v) => v === 1).length, 8);
    assert.deepEqual([...out.x.subarray(0, 22)], [...data.x]);
    for (let r = 11; r < 16; r++) {
      const [a, b] = [out.x[r * 2]!, out.x[r * 2 + 1]!];
      assert.ok(a >= 10 && a <= 11 && b >= 10 && b <= 12, `synthetic row ${a},${b} inside the minority hull`);
    }
    assert.deepEqual(smote(data, { k: 2, seed: 1 }), out);
    assert.notDeepEqual(smote(data, { k: 2, seed: 2 }).x, out.x);
    assert.equal(smote(data, { seed: 1, ratio: 0.5 }).rows, 12);
  });

  it('undersampling keeps every minority row and as many majority rows', () => {
    const out = undersample(data, { seed: 5 });
    assert.equal(out.rows, 6);
    assert.deepEqual([...out.y].sort(), [0, 0, 0, 1, 1, 1]);
    assert.deepEqual([...out.x.subarray(out.x.length - 6)], [10, 10, 11, 10, 10, 12]);
    assert.deepEqual(undersample(data, { seed: 5 }), out);
  });
});
