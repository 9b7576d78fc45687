import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatasetError } from '../errors.js';
import { stratifiedFold, stratifiedKFold, stratifiedTrainTestSplit } from './stratified.js';

const labels = Uint8Array.from({ length: 103 }, (_, i) => (i % 5 === 0 ? 1 : 0)); // 21 positives

describe('stratified K-fold', () => {
  it('partitions rows, keeps class proportions and fold sizes within one row', () => {
    const folds = stratifiedKFold(labels, 5, 42);
    assert.equal(folds.length, 5);
    const seen = new Set<number>();
    for (const f of folds) {
      for (const i of f.valid) {
        assert.ok(!seen.has(i), 'each row validates once');
        seen.add(i);
      }
      assert.equal(f.train.length + f.valid.length, labels.length);
      const pos = [...f.valid].filter((i) => labels[i] === 1).length;
      assert.ok(pos === 4 || pos === 5, `positives per fold ${pos}`);
      assert.ok(f.valid.length === 20 || f.valid.length === 21);
      assert.ok(f.train.every((i) => !f.valid.includes(i)));
    }
    assert.equal(seen.size, labels.length);
  });

  it('is a pure function of (labels, k, seed): same seed same folds, other seed other folds', () => {
    assert.deepEqual(stratifiedKFold(labels, 5, 42), stratifiedKFold(labels, 5, 42));
    assert.notDeepEqual(stratifiedKFold(labels, 5, 42)[0]!.valid, stratifiedKFold(labels, 5, 43)[0]!.valid);
    assert.deepEqual(stratifiedFold(labels, 5, 42, 1, 3), stratifiedKFold(labels, 5, 42, 2)[5 + 3]);
  });

  it('gives the same folds from a kept deal as without one, and keeps deals apart by key and settings', () => {
    const key = 'labels-a';
    for (let round = 0; round < 2; round++) {
      for (const [k, seed, repeat] of [
        [5, 42, 0],
        [5, 42, 1],
        [3, 42, 0],
        [5, 7, 0],
      ] as const) {
        for (let fold = 0; fold < k; fold++)
          assert.deepEqual(
            stratifiedFold(labels, k, seed, repeat, fold, key),
            stratifiedFold(labels, k, seed, repeat, fold),
          );
      }
    }
    // Other labels under another key are dealt afresh, not served another key's deal.
    const other = Uint8Array.from({ length: 103 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    assert.deepEqual(stratifiedFold(other, 5, 42, 0, 2, 'labels-b'), stratifiedFold(other, 5, 42, 0, 2));
    // A returned fold is a copy: changing it does not change the kept deal.
    stratifiedFold(labels, 5, 42, 0, 0, key).valid.fill(0);
    assert.deepEqual(stratifiedFold(labels, 5, 42, 0, 0, key), stratifiedFold(labels, 5, 42, 0, 0));
  });

  it('repeats reshuffle', () => {
    const folds = stratifiedKFold(labels, 3, 7, 2);
    assert.equal(folds.length, 6);
    assert.notDeepEqual(folds[0]!.valid, folds[3]!.valid);
  });

  it('rejects a class with fewer rows than folds, naming the class and the counts', () => {
    const few = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0]);
    assert.throws(
      () => stratifiedKFold(few, 5, 1),
      (e: unknown) =>
        e instanceof DatasetError && /positive class has 2 rows, fewer than the 5 needed/.test(e.message),
    );
    assert.throws(() => stratifiedKFold(labels, 1, 1), /cv.k must be an integer >= 2/);
  });

  it('splits train/test stratified and disjoint', () => {
    const { train, test } = stratifiedTrainTestSplit(labels, 0.2, 3);
    assert.equal(train.length + test.length, labels.length);
    assert.equal([...test].filter((i) => labels[i] === 1).length, 4);
    assert.ok([...test].every((i) => !train.includes(i)));
  });

  it('splits a table of millions of rows (no spread of an index array onto the stack)', () => {
    const many = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const { train, test } = stratifiedTrainTestSplit(many, 0.5, 1);
    assert.equal(train.length + test.length, many.length);
    assert.equal(test.length, 1_500_000);
  });
});
