import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeOof, encodeOof, oofSchema, poolOof } from '../contracts/oof.js';
import {
  applyCalibration,
  brierScore,
  calibrationReport,
  expectedCalibrationError,
  fitIsotonic,
  fitPlatt,
} from './calibration.js';
import { chooseThreshold } from './decision.js';
import { CALIBRATION_CASES } from './fixtures/calibration-reference.js';

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

describe('calibration against scikit-learn', () => {
  for (const c of CALIBRATION_CASES) {
    it(`${c.name}: isotonic regression predicts as IsotonicRegression(out_of_bounds='clip')`, () => {
      const iso = fitIsotonic(c.y, c.p);
      const got = applyCalibration(iso, c.query);
      for (const [i, want] of c.isotonic.entries()) close(got[i]!, want, 1e-9, `isotonic at ${c.query[i]}`);
    });

    it(`${c.name}: Platt scaling on the logit matches sklearn's fit`, () => {
      const platt = fitPlatt(c.y, c.p);
      assert.equal(platt.method, 'platt');
      if (platt.method !== 'platt') return;
      // Two optimisers of the same convex objective: equal to several digits.
      close(-platt.a, c.platt.A, 1e-4, 'A');
      close(-platt.b, c.platt.B, 1e-4, 'B');
      const got = applyCalibration(platt, c.query);
      for (const [i, want] of c.platt.predictions.entries())
        close(got[i]!, want, 1e-5, `platt at ${c.query[i]}`);
    });

    it(`${c.name}: Brier score and ECE`, () => {
      close(brierScore(c.y, c.p), c.brier, 1e-12, 'brier');
      close(expectedCalibrationError(c.y, c.p), c.ece, 1e-12, 'ece');
    });
  }

  it('lowers the ECE of probabilities inflated by balanced class weights on 5% positives', () => {
    const c = CALIBRATION_CASES.find((x) => x.name === 'rare-positives-weighted')!;
    for (const fit of [fitPlatt, fitIsotonic]) {
      const report = calibrationReport(fit(c.y, c.p), c.y, c.p);
      assert.ok(report.ece.before > 0.2, `miscalibrated to start with: ${report.ece.before}`);
      assert.ok(report.ece.after < report.ece.before / 4, `${report.method}: ${JSON.stringify(report.ece)}`);
      assert.ok(
        report.brier.after < report.brier.before,
        `${report.method}: ${JSON.stringify(report.brier)}`,
      );
    }
  });
});

describe('decision threshold rules', () => {
  // Ten rows, probabilities descending; labels chosen so each rule lands on a known row.
  const p = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];
  const y = [1, 1, 0, 1, 0, 1, 0, 0, 1, 0];

  it('best F1', () => {
    // At 0.5: tp 4, fp 2, fn 1 → F1 8/11, the maximum.
    const d = chooseThreshold({ rule: 'bestF1' }, y, p);
    assert.equal(d.threshold, 0.5);
    close(d.f1, 8 / 11, 1e-12, 'f1');
    assert.equal(d.rule, 'best F1');
  });

  it('a target recall: the highest threshold reaching it', () => {
    assert.equal(chooseThreshold({ rule: 'recall', target: 0.6 }, y, p).threshold, 0.7);
    const all = chooseThreshold({ rule: 'recall', target: 1 }, y, p);
    assert.equal(all.threshold, 0.2);
    assert.equal(all.recall, 1);
    assert.equal(all.rule, 'recall ≥ 1');
  });

  it('a target precision: the lowest threshold reaching it, or the most precise one, flagged', () => {
    const d = chooseThreshold({ rule: 'precision', target: 0.75 }, y, p);
    assert.equal(d.threshold, 0.7); // tp 3, fp 1 → 0.75; at 0.5 it is 4/6
    assert.ok(d.reached);
    const unreachable = chooseThreshold({ rule: 'precision', target: 1 }, [0, 1, 0, 1], [0.9, 0.8, 0.7, 0.6]);
    assert.equal(unreachable.reached, false);
    assert.equal(unreachable.threshold, 0.6); // precision 0.5 everywhere but at 0.9 (0)
  });

  it('a cost ratio: the least expected cost, including predicting no positive', () => {
    // Missing a positive costs 10 false alarms: predict positive down to the last positive.
    assert.equal(
      chooseThreshold({ rule: 'cost', falsePositiveCost: 1, falseNegativeCost: 10 }, y, p).threshold,
      0.2,
    );
    // False alarms are dear: only the two surest.
    assert.equal(
      chooseThreshold({ rule: 'cost', falsePositiveCost: 5, falseNegativeCost: 1 }, y, p).threshold,
      0.9,
    );
    const none = chooseThreshold(
      { rule: 'cost', falsePositiveCost: 100, falseNegativeCost: 1 },
      [0, 1],
      [0.9, 0.1],
    );
    assert.ok(none.threshold > 0.9 && none.recall === 0);
  });
});

describe('out-of-fold blocks', () => {
  it('round-trip labels and probabilities to 16 bits, and pool folds', () => {
    const y = [1, 0, 0, 1, 1, 0, 1, 0, 0];
    const p = [0.99, 0.01, 0.5, 0.123456, 1, 0, 0.75, 0.25, 0.333];
    const o = encodeOof(y, p, 1);
    const back = decodeOof(o);
    assert.deepEqual([...back.y], y);
    for (const [i, v] of back.p.entries()) close(v, p[i]!, 1 / 65535, `p[${i}]`);
    const pooled = poolOof([o, encodeOof([1], [0.5], 2)]);
    assert.equal(pooled.y.length, 10);
    assert.equal(pooled.y[9], 1);
  });

  it('keep at most the cap, stratified', () => {
    const n = 1000;
    const y = Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const p = Array.from({ length: n }, (_, i) => i / n);
    const o = encodeOof(y, p, 7, 200);
    assert.equal(o.n, 200);
    const { y: kept } = decodeOof(o);
    assert.equal(
      kept.reduce((s, v) => s + v, 0),
      20,
      'the positive share is kept',
    );
    assert.throws(() => decodeOof({ ...o, n: 199 }), /199 rows/);
    // A block that does not hold n rows fails schema validation, where its fold is checked.
    assert.equal(oofSchema.safeParse({ ...o, n: 199 }).success, false);
    assert.equal(oofSchema.safeParse(o).success, true);
  });
});
