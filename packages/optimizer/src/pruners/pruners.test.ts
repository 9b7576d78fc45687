import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { studentTCdf } from '../stats/student-t.js';
import { AshaPruner, ashaRungs } from './asha.js';
import { MedianPruner } from './median.js';
import { PairedPruner } from './paired.js';

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

describe('Student t CDF', () => {
  it('matches tabulated quantiles', () => {
    close(1 - studentTCdf(2.132, 4), 0.05, 2e-4);
    close(1 - studentTCdf(12.706, 1), 0.025, 1e-4);
    close(1 - studentTCdf(1.812, 10), 0.05, 2e-4);
    close(1 - studentTCdf(2.576, 1e6), 0.005, 1e-4);
    close(studentTCdf(0, 3), 0.5, 1e-15);
    close(studentTCdf(-2.132, 4), 0.05, 2e-4);
  });
  it('matches the closed form for df = 1 (Cauchy)', () => {
    for (const t of [-3, -0.5, 0.7, 5]) close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12);
  });
});

describe('median pruner', () => {
  const completed = [
    [0.1, 0.2, 0.3],
    [0.2, 0.2, 0.2],
    [0.3, 0.4, 0.3],
    [0.5, 0.5, 0.5],
    [0.6, 0.7, 0.8],
  ];
  it('prunes a trial whose running mean is worse than the median', () => {
    const p = new MedianPruner({ nWarmupTrials: 5 });
    // Running means at fold 2: 0.15, 0.2, 0.35, 0.5, 0.65 → median 0.35.
    assert.equal(p.shouldPrune([0.4, 0.4], completed), true);
    assert.equal(p.shouldPrune([0.3, 0.35], completed), false);
  });
  it('waits for warm-up trials and folds', () => {
    assert.equal(new MedianPruner({ nWarmupTrials: 6 }).shouldPrune([0.9], completed), false);
    assert.equal(new MedianPruner({ nWarmupFolds: 2 }).shouldPrune([0.9], completed), false);
    assert.equal(new MedianPruner({ nWarmupFolds: 2 }).shouldPrune([0.9, 0.9], completed), true);
  });
  it('respects maximisation', () => {
    const p = new MedianPruner({ direction: 'maximize' });
    assert.equal(p.shouldPrune([0.2, 0.2], completed), true);
    assert.equal(p.shouldPrune([0.6, 0.6], completed), false);
  });
});

describe('paired pruner', () => {
  const best = [0.9, 0.8, 0.85, 0.88, 0.82];
  const other = [0.7, 0.72, 0.7, 0.71, 0.69];
  it('prunes a trial consistently worse than the best on the same folds', () => {
    const p = new PairedPruner({ direction: 'maximize', alpha: 0.05 });
    assert.equal(p.shouldPrune([0.85, 0.75, 0.8], [best, other]), true);
    assert.ok(p.pValue([0.85, 0.75, 0.8], [best, other]) < 0.01);
  });
  it('keeps a trial that is not significantly worse', () => {
    const p = new PairedPruner({ direction: 'maximize', alpha: 0.05 });
    assert.equal(p.shouldPrune([0.91, 0.78, 0.86], [best, other]), false);
    assert.equal(p.shouldPrune([0.5], [best]), false, 'one fold is not testable');
    assert.equal(p.shouldPrune([0.5, 0.5], []), false, 'nothing to compare with');
  });
  it('computes the textbook paired p-value', () => {
    // Differences 0.1, 0.2, 0.15, 0.05, 0.1 (worse when minimising): t = 4.706, df = 4, p ≈ 0.0046
    // (the one-sided 0.005 critical value for df = 4 is 4.604).
    const p = new PairedPruner({ direction: 'minimize' });
    const base = [1, 1, 1, 1, 1];
    close(p.pValue([1.1, 1.2, 1.15, 1.05, 1.1], [base]), 0.00463, 1e-4);
  });
});

describe('ASHA pruner', () => {
  it('places rungs at minEpochs·η^i below the epoch budget', () => {
    assert.deepEqual(ashaRungs(1, 3, 100), [1, 3, 9, 27, 81]);
    assert.deepEqual(ashaRungs(2, 2, 16), [2, 4, 8]);
    assert.deepEqual(ashaRungs(5, 3, 5), []);
    const p = new AshaPruner({ minEpochs: 2, reductionFactor: 3 });
    assert.deepEqual(
      [1, 2, 3, 6, 12, 18, 54].map((e) => p.isRung(e)),
      [false, true, false, true, false, true, true],
    );
  });

  it('keeps the top 1/η of the trials at a rung once η have been seen', () => {
    const p = new AshaPruner({ reductionFactor: 3, direction: 'maximize' });
    // Fewer than η trials at the rung (itself included): nothing is pruned, however bad.
    assert.equal(p.shouldPrune(0.1, [0.9]), false);
    // 3 trials: only the best goes on.
    assert.equal(p.shouldPrune(0.95, [0.9, 0.8]), false);
    assert.equal(p.shouldPrune(0.85, [0.9, 0.8]), true);
    // 6 trials: the best two go on.
    const five = [0.9, 0.8, 0.7, 0.6, 0.5];
    assert.equal(p.shouldPrune(0.85, five), false);
    assert.equal(p.shouldPrune(0.75, five), true);
    // A tie with the best is not strictly worse.
    assert.equal(p.shouldPrune(0.9, [0.9, 0.8]), false);
    // A non-finite value (a diverged fold) stops once the rung is full enough.
    assert.equal(p.shouldPrune(Number.NaN, [0.9, 0.8]), true);
  });

  it('follows the direction: lower is better when minimising', () => {
    const p = new AshaPruner({ reductionFactor: 2 });
    assert.equal(p.shouldPrune(0.2, [0.3]), false);
    assert.equal(p.shouldPrune(0.4, [0.3]), true);
  });

  it('rejects a bad reduction factor or first rung', () => {
    assert.throws(() => new AshaPruner({ reductionFactor: 1 }), /reductionFactor/);
    assert.throws(() => new AshaPruner({ minEpochs: 0 }), /minEpochs/);
  });
});
