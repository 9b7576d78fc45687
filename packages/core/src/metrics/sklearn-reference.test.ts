// Compares every metric with values recorded from scikit-learn (see fixtures/sklearn-reference.ts
// for how they were computed); no Python is needed to run this.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REFERENCE_CASES } from './fixtures/sklearn-reference.js';
import {
  accuracy,
  averagePrecision,
  balancedAccuracy,
  computeMetrics,
  confusionMatrix,
  f1Score,
  findBestF1Threshold,
  logLoss,
  prCurve,
  precision,
  recall,
  rocAuc,
  rocCurve,
} from './index.js';

const TOLERANCE = 1e-9;

function assertClose(actual: number, expected: number, what: string): void {
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= TOLERANCE * scale, `${what}: got ${actual}, sklearn ${expected}`);
}

function assertAllClose(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (const [i, a] of actual.entries()) assertClose(a, expected[i]!, `${what}[${i}]`);
}

for (const c of REFERENCE_CASES) {
  describe(`sklearn reference: ${c.name}`, () => {
    test('ROC AUC and average precision', () => {
      if (c.rocAuc !== null) assertClose(rocAuc(c.yTrue, c.yProb), c.rocAuc, 'rocAuc');
      assertClose(averagePrecision(c.yTrue, c.yProb), c.averagePrecision, 'averagePrecision');
    });

    test('log loss', () => {
      assertClose(logLoss(c.yTrue, c.yProb), c.logLoss, 'logLoss');
    });

    test('confusion and threshold metrics', () => {
      for (const r of c.atThreshold) {
        const at = `t=${r.threshold}`;
        assert.deepEqual(confusionMatrix(c.yTrue, c.yProb, r.threshold), r.confusion, at);
        assertClose(precision(c.yTrue, c.yProb, r.threshold), r.precision, `${at} precision`);
        assertClose(recall(c.yTrue, c.yProb, r.threshold), r.recall, `${at} recall`);
        assertClose(f1Score(c.yTrue, c.yProb, r.threshold), r.f1, `${at} f1`);
        assertClose(accuracy(c.yTrue, c.yProb, r.threshold), r.accuracy, `${at} accuracy`);
        assertClose(balancedAccuracy(c.yTrue, c.yProb, r.threshold), r.balancedAccuracy, `${at} balanced`);
      }
    });

    test('best-F1 threshold', () => {
      const best = findBestF1Threshold(c.yTrue, c.yProb);
      assert.equal(best.threshold, c.bestF1.threshold);
      assertClose(best.f1, c.bestF1.f1, 'bestF1');
    });

    test('full curves equal sklearn point by point', () => {
      const pr = prCurve(c.yTrue, c.yProb, Number.POSITIVE_INFINITY);
      assertAllClose(pr.precision, c.pr.precision, 'pr.precision');
      assertAllClose(pr.recall, c.pr.recall, 'pr.recall');
      if (c.roc !== null) {
        const roc = rocCurve(c.yTrue, c.yProb, Number.POSITIVE_INFINITY);
        assertAllClose(roc.fpr, c.roc.fpr, 'roc.fpr');
        assertAllClose(roc.tpr, c.roc.tpr, 'roc.tpr');
      }
    });

    test('computeMetrics agrees with the single metrics at each threshold', () => {
      for (const r of c.atThreshold) {
        const m = computeMetrics(c.yTrue, c.yProb, { threshold: r.threshold });
        assert.deepEqual(m.confusion, r.confusion);
        assertClose(m.f1, r.f1, 'f1');
        assertClose(m.precision, r.precision, 'precision');
        assertClose(m.recall, r.recall, 'recall');
        assertClose(m.accuracy, r.accuracy, 'accuracy');
        assertClose(m.balancedAccuracy, r.balancedAccuracy, 'balancedAccuracy');
        assertClose(m.logLoss, c.logLoss, 'logLoss');
        assertClose(m.prAuc, c.averagePrecision, 'prAuc');
        assertClose(m.rocAuc, c.rocAuc ?? 0.5, 'rocAuc');
        assert.equal(m.bestF1Threshold, c.bestF1.threshold);
        assert.equal(m.threshold, r.threshold);
        assert.equal(m.flags.singleClass, c.rocAuc === null);
        assert.equal(m.flags.noPredictedPositives, r.confusion.tp + r.confusion.fp === 0);
      }
    });
  });
}

test('the reference covers downsampling: one case has more ROC points than the default budget', () => {
  const large = REFERENCE_CASES.find((c) => (c.roc?.fpr.length ?? 0) > 200);
  assert.ok(large, 'expected a case with more than 200 ROC points');
  const m = computeMetrics(large.yTrue, large.yProb);
  const { fpr, tpr } = m.curves.roc;
  assert.ok(fpr.length <= 200 && fpr.length >= 2);
  assert.deepEqual([fpr[0], tpr[0], fpr.at(-1), tpr.at(-1)], [0, 0, 1, 1]);
  // Every kept point is one of sklearn's operating points.
  const points = new Set(large.roc!.fpr.map((f, i) => `${f.toFixed(12)},${large.roc!.tpr[i]!.toFixed(12)}`));
  for (const [i, f] of fpr.entries())
    assert.ok(points.has(`${f.toFixed(12)},${tpr[i]!.toFixed(12)}`), `point ${i}`);
  const pr = m.curves.pr;
  assert.ok(pr.recall.length <= 200);
  assert.deepEqual([pr.recall[0], pr.precision[0]], [0, 1]);
  assert.equal(pr.recall.at(-1), 1);
  assertClose(pr.precision.at(-1)!, large.pr.precision.at(-1)!, 'last precision (prevalence)');
});
