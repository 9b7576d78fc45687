import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../random.js';
import { downsampleCurve, prCurve, rocCurve } from './index.js';

test('curves that fit the budget are returned whole', () => {
  const x = [0, 0.5, 0.5, 1];
  const y = [0, 0.5, 0.5, 1];
  assert.deepEqual(downsampleCurve(x, y, 4), { x, y });
});

test('collinear and repeated points go first, corners stay', () => {
  const x = [0, 0.25, 0.5, 0.5, 0.5, 0.75, 1];
  const y = [0, 0.25, 0.5, 0.5, 0.75, 1, 1];
  // (0.25, 0.25) is on the segment to (0.5, 0.5); one (0.5, 0.5) repeats.
  assert.deepEqual(downsampleCurve(x, y, 6), { x: [0, 0.5, 0.5, 0.75, 1], y: [0, 0.5, 0.75, 1, 1] });
});

test('long curves keep their endpoints, stay within budget and keep only original points', () => {
  const rng = new Rng(7);
  const n = 5000;
  const yTrue = Array.from({ length: n }, () => (rng.next() < 0.2 ? 1 : 0));
  const yProb = yTrue.map((label) => Math.min(1, 0.25 * label + rng.next() * 0.75));
  const full = rocCurve(yTrue, yProb, Number.POSITIVE_INFINITY);
  for (const budget of [2, 3, 50, 200]) {
    const roc = rocCurve(yTrue, yProb, budget);
    assert.equal(roc.fpr.length, budget);
    assert.deepEqual([roc.fpr[0], roc.tpr[0], roc.fpr.at(-1), roc.tpr.at(-1)], [0, 0, 1, 1]);
    const original = new Set(full.fpr.map((f, i) => `${f},${full.tpr[i]}`));
    for (const [i, f] of roc.fpr.entries()) assert.ok(original.has(`${f},${roc.tpr[i]}`));
    // Monotone like the full curve.
    for (let i = 1; i < budget; i++)
      assert.ok(roc.fpr[i]! >= roc.fpr[i - 1]! && roc.tpr[i]! >= roc.tpr[i - 1]!);
  }
  const pr = prCurve(yTrue, yProb, 200);
  assert.equal(pr.recall.length, 200);
  assert.deepEqual([pr.recall[0], pr.precision[0], pr.recall.at(-1)], [0, 1, 1]);
});

test('downsampled ROC keeps its shape: trapezoid area within 0.01 of the full curve', () => {
  const rng = new Rng('shape');
  const n = 3000;
  const yTrue = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const yProb = yTrue.map((label) => Math.min(1, 0.3 * label + rng.next() * 0.7));
  const area = (c: { fpr: number[]; tpr: number[] }) =>
    c.fpr.slice(1).reduce((a, f, i) => a + (f - c.fpr[i]!) * (c.tpr[i + 1]! + c.tpr[i]!) * 0.5, 0);
  const full = area(rocCurve(yTrue, yProb, Number.POSITIVE_INFINITY));
  const small = area(rocCurve(yTrue, yProb, 100));
  assert.ok(Math.abs(full - small) < 0.01, `${full} vs ${small}`);
});
