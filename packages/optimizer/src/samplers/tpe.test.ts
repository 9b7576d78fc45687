import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '@hpo/core';
import { branin, hartmann6 } from '@hpo/testing';
import { neighbourSigmas, ParzenEstimator } from './parzen.js';
import { runSequential } from './test-helpers.js';
import { TpeSampler } from './tpe.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

describe('Parzen estimator', () => {
  it('takes bandwidths from neighbour gaps as Optuna 5 does', () => {
    const s = neighbourSigmas(Float64Array.from([0.6, 0.1, 0.9, 0.5]));
    // Sorted 0.1 0.5 0.6 0.9: the outer centres use their inner gap, the rest the larger gap.
    assert.deepEqual(
      [...s].map((v) => Number(v.toFixed(12))),
      [0.3, 0.4, 0.3, 0.4],
    );
    assert.deepEqual([...neighbourSigmas(Float64Array.from([0.2]))], [0.8]);
  });
  it('is a density on the unit interval and samples inside it', () => {
    const pts = [0.05, 0.3, 0.31, 0.9].map((v) => Float64Array.of(v));
    const pe = new ParzenEstimator([{ choices: 0 }], pts, [1, 1, 1, 1], {
      priorWeight: 1,
      minBandwidth: 0.5,
    });
    let mass = 0;
    const steps = 20000;
    for (let i = 0; i < steps; i++) mass += Math.exp(pe.logPdf(Float64Array.of((i + 0.5) / steps))) / steps;
    assert.ok(Math.abs(mass - 1) < 1e-3, `mass ${mass}`);
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const x = pe.sample(rng)[0]!;
      assert.ok(x >= 0 && x <= 1, `sample ${x}`);
    }
  });
});

describe('TPE quality (50 evaluations, median of 5 seeds)', () => {
  // Optuna 5's TPESampler reaches a median regret of about 0.17 on Branin and 0.40 on Hartmann6
  // over 100 seeds; these bounds fail if ours falls clearly behind it.
  for (const [f, bound] of [
    [branin, 0.15],
    [hartmann6, 0.6],
  ] as const) {
    it(`${f.name}: regret below ${bound}`, () => {
      const regrets = [0, 1, 2, 3, 4].map((seed) => {
        const asked = runSequential(new TpeSampler(f.space, { seed }), 50, (p) => f.evaluate(p));
        return Math.min(...asked.map((p) => f.evaluate(p))) - f.optimum;
      });
      assert.ok(median(regrets) < bound, `regrets ${regrets.map((r) => r.toPrecision(3))}`);
    });
  }
});
