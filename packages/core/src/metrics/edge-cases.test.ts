// Folds where a metric is undefined: each must come back finite, with the flag that explains it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  averagePrecision,
  computeMetrics,
  computeScalarMetrics,
  confusionMatrix,
  type FoldMetrics,
  findBestF1Threshold,
  precision,
  rocAuc,
  scoresFromConfusion,
} from './index.js';

function assertNoNaN(m: FoldMetrics): void {
  const scalars = [m.rocAuc, m.prAuc, m.f1, m.precision, m.recall, m.accuracy, m.balancedAccuracy, m.logLoss];
  const curves = [m.curves.roc.fpr, m.curves.roc.tpr, m.curves.pr.precision, m.curves.pr.recall].flat();
  for (const v of [...scalars, ...curves, m.bestF1Threshold, m.bestF1])
    assert.ok(Number.isFinite(v), String(v));
}

test('all-negative fold: AUC 0.5, AP 0, recall 0, diagonal ROC, flagged', () => {
  const m = computeMetrics([0, 0, 0, 0], [0.1, 0.6, 0.6, 0.9]);
  assertNoNaN(m);
  assert.equal(m.rocAuc, 0.5);
  assert.equal(m.prAuc, 0);
  assert.equal(m.recall, 0);
  assert.equal(m.f1, 0);
  assert.deepEqual(m.curves.roc, { fpr: [0, 1], tpr: [0, 1] });
  assert.deepEqual(m.flags, { singleClass: true, noPredictedPositives: false });
  // F1 is 0 everywhere, so the highest candidate threshold wins the tie.
  assert.deepEqual([m.bestF1Threshold, m.bestF1], [0.9, 0]);
});

test('all-positive fold: AUC 0.5, AP 1, flagged', () => {
  const m = computeMetrics([1, 1, 1], [0.2, 0.4, 0.8]);
  assertNoNaN(m);
  assert.equal(m.rocAuc, 0.5);
  assert.equal(m.prAuc, 1);
  assert.equal(m.flags.singleClass, true);
  // Predicting everything positive is perfect here.
  assert.deepEqual([m.bestF1Threshold, m.bestF1], [0.2, 1]);
  assert.equal(rocAuc([1, 1], [0.3, 0.3]), 0.5);
  assert.equal(averagePrecision([1, 1], [0.3, 0.3]), 1);
});

test('no predicted positives: precision 0 and F1 0, flagged', () => {
  const m = computeMetrics([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], { threshold: 0.9 });
  assertNoNaN(m);
  assert.deepEqual(m.confusion, { tp: 0, fp: 0, tn: 2, fn: 2 });
  assert.equal(m.precision, 0);
  assert.equal(m.f1, 0);
  assert.equal(m.accuracy, 0.5);
  assert.equal(m.balancedAccuracy, 0.5);
  assert.deepEqual(m.flags, { singleClass: false, noPredictedPositives: true });
  assert.equal(precision([0, 1], [0.1, 0.2], 1), 0);
});

test('a single sample is a valid (one-class) fold', () => {
  const m = computeMetrics([1], [0.7]);
  assertNoNaN(m);
  assert.equal(m.flags.singleClass, true);
  assert.deepEqual(m.confusion, { tp: 1, fp: 0, tn: 0, fn: 0 });
});

test('threshold rule is p >= threshold; 0 predicts everything positive', () => {
  assert.deepEqual(confusionMatrix([1, 0, 1], [0.5, 0.5, 0.49]), { tp: 1, fp: 1, tn: 0, fn: 1 });
  assert.deepEqual(confusionMatrix([1, 0], [0, 0], 0), { tp: 1, fp: 1, tn: 0, fn: 0 });
});

test('scoresFromConfusion never divides by zero', () => {
  const s = scoresFromConfusion({ tp: 0, fp: 0, tn: 0, fn: 0 });
  assert.deepEqual(s, { precision: 0, recall: 0, f1: 0, accuracy: 0, balancedAccuracy: 0 });
});

test('best-F1 ties go to the highest threshold', () => {
  const yTrue = [1, 0, 1, 0];
  const yProb = [0.9, 0.7, 0.5, 0.1];
  // t=0.9: tp1 fp0 fn1 → 2/3; t=0.7: tp1 fp1 fn1 → 1/2; t=0.5: tp2 fp1 fn0 → 4/5; t=0.1: 4/6.
  assert.deepEqual(findBestF1Threshold(yTrue, yProb), { threshold: 0.5, f1: 0.8 });
  // t=0.9 and t=0.3 both reach F1 2/3: tp1 fp0 fn1 vs tp2 fp2 fn0.
  assert.deepEqual(findBestF1Threshold([1, 0, 0, 1], [0.9, 0.6, 0.6, 0.3]), { threshold: 0.9, f1: 2 / 3 });
});

test('computeScalarMetrics is computeMetrics without the curves, errors included', () => {
  const cases: [number[], number[], number?][] = [
    [
      [0, 0, 1, 0, 1, 1],
      [0.1, 0.4, 0.35, 0.2, 0.8, 0.9],
    ],
    [
      [0, 0, 0, 0],
      [0.1, 0.6, 0.6, 0.9],
    ],
    [[1, 1, 1], [0.2, 0.4, 0.8], 0.3],
    [[1], [0.5]],
  ];
  for (const [y, p, threshold] of cases) {
    const { curves: _c, ...scalars } = computeMetrics(y, p, { threshold });
    assert.deepEqual(computeScalarMetrics(y, p, { threshold }), scalars);
  }
  for (const [y, p, threshold] of [
    [
      [0, 2],
      [0.1, 0.2],
    ],
    [
      [0, 1],
      [0.1, 1.5],
    ],
    [[0, 1], [0.1]],
    [[0, 1], [0.1, 0.2], 2],
  ] as [number[], number[], number?][]) {
    const error = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    const expected = error(() => computeMetrics(y, p, { threshold }));
    assert.notEqual(expected, 'no error');
    assert.equal(
      error(() => computeScalarMetrics(y, p, { threshold })),
      expected,
    );
  }
  // A bad maxCurvePoints is refused by both (checked, though the scalars do not use it).
  for (const f of [computeMetrics, computeScalarMetrics])
    assert.throws(() => f([0, 1], [0.1, 0.2], { maxCurvePoints: 1 }), /1 is not an integer >= 2/);
  // computeMetrics keeps FoldMetrics' order: curves before flags.
  assert.deepEqual(Object.keys(computeMetrics([0, 1], [0.1, 0.2])).slice(-2), ['curves', 'flags']);
});
