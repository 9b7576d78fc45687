// rankScores against its definition, counted pair by pair: the distinct probabilities from the
// highest, and for each how many positives and negatives score at least that much.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../random.js';
import { rankScores } from './ranking.js';

function byDefinition(yTrue: ArrayLike<number>, yProb: ArrayLike<number>) {
  const distinct = [...new Set(Array.from(yProb, (p) => (p === 0 ? 0 : p)))].sort((a, b) => b - a);
  const count = (label: number, v: number) =>
    Array.from(yTrue).filter((y, i) => y === label && yProb[i]! >= v).length;
  return {
    thresholds: distinct,
    tps: distinct.map((v) => count(1, v)),
    fps: distinct.map((v) => count(0, v)),
    positives: Array.from(yTrue).filter((y) => y === 1).length,
    negatives: Array.from(yTrue).filter((y) => y === 0).length,
  };
}

function plain(r: ReturnType<typeof rankScores>) {
  return { ...r, thresholds: [...r.thresholds], tps: [...r.tps], fps: [...r.fps] };
}

test('rankScores groups ties across both classes, highest probability first', () => {
  const y = [1, 0, 1, 0, 0, 1];
  const p = [0.9, 0.9, 0.5, 0.2, 0.5, 0.1];
  assert.deepEqual(plain(rankScores(y, p)), {
    thresholds: [0.9, 0.5, 0.2, 0.1],
    tps: [1, 2, 2, 3],
    fps: [1, 2, 3, 3],
    positives: 3,
    negatives: 3,
  });
});

test('rankScores matches its definition on random folds: ties, one class, 0 and 1, -0, plain arrays', () => {
  const rng = new Rng(11);
  for (let t = 0; t < 300; t++) {
    const n = 1 + rng.int(60);
    const positiveShare = [0, 1, 0.3, 0.5][t % 4]!;
    // Few distinct values (many ties) in some folds, float32 probabilities in others.
    const levels = t % 3 === 0 ? 4 : 0;
    const y = Uint8Array.from({ length: n }, () => (rng.next() < positiveShare ? 1 : 0));
    const p = Float32Array.from({ length: n }, () =>
      levels ? rng.int(levels + 1) / levels : Math.fround(rng.next()),
    );
    if (t % 7 === 0) p[0] = -0;
    // Plain arrays (float64 probabilities) too, as callers may pass.
    const [yIn, pIn] =
      t % 5 === 0 ? [Array.from(y), Array.from(p, (v, i) => (i % 2 ? v + 1e-9 * rng.next() : v))] : [y, p];
    const got = plain(rankScores(yIn, pIn));
    assert.ok(!got.thresholds.some((v) => Object.is(v, -0)), 'a zero threshold is shown as 0');
    assert.deepEqual(got, byDefinition(yIn, pIn), `fold ${t}: y=${yIn} p=${pIn}`);
  }
});

test('rankScores refuses NaN (which validation keeps out) instead of looping for ever', () => {
  assert.throws(() => rankScores([1, 0], [Number.NaN, 0.5]), /NaN/);
});
