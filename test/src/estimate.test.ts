/**
 * hpo tune's final estimate, end to end: a held-out test set evaluated once and matching an
 * independent computation from `hpo predict` on those rows, the out-of-fold decision threshold
 * that `--threshold auto` uses, and calibration that repairs class-weighted probabilities.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { computeMetrics, loadDataset, loadStudySpec, Rng, studyDatasets } from '@hpo/core';
import { CHURN, runCli, smallChurnSpec, writeStudy } from '@hpo/testing/processes';

interface Best {
  trial: number;
  metrics: Record<string, { mean: number; std: number }>;
  decision: { threshold: number; rule: string; recall: number; reached: boolean };
  outOfFold: {
    rows: number;
    calibration: {
      method: string;
      brier: { before: number; after: number };
      ece: { before: number; after: number };
    };
  };
  test: {
    rows: number;
    threshold: number;
    metrics: Record<string, number>;
    calibration: { brier: { before: number; after: number }; ece: { before: number; after: number } };
  };
}

describe('the final estimate: held-out test set, out-of-fold threshold, calibration', () => {
  it('evaluates the refit model once on held-out rows; predict --threshold auto on them agrees', async () => {
    const spec = smallChurnSpec({
      name: 'estimate',
      cv: { k: 3, seed: 5, holdout: 0.2 },
      decision: { rule: 'recall', target: 0.8 },
      // Isotonic: piecewise constant, a step sits exactly at the chosen threshold; predict must
      // decide as the test evaluation did.
      calibration: 'isotonic',
      budget: { trials: 3, parallelism: 1 },
    });
    const { dir, file } = writeStudy(spec);
    const r = await runCli(['tune', file, '--json', '--threads', '2', '--out', join(dir, 'out')]);
    assert.equal(r.code, 0, r.stderr);
    const best = (JSON.parse(r.stdout) as { best: Best }).best;
    assert.equal(best.test.rows, 480, '20% of 2,400 rows');
    assert.equal(best.outOfFold.rows, 1920, 'the out-of-fold pool is the other 80%');
    assert.equal(best.decision.rule, 'recall ≥ 0.8');
    assert.ok(best.decision.recall >= 0.8 && best.decision.reached);
    assert.equal(best.test.threshold, best.decision.threshold);

    // The held-out rows, recomputed here from the spec, as a CSV for hpo predict.
    const loaded = loadStudySpec(file);
    const { testRows } = studyDatasets(loaded.spec, loadDataset(loaded.spec.dataset, CHURN));
    const lines = readFileSync(CHURN, 'utf8').trim().split('\n');
    const input = join(dir, 'held-out.csv');
    writeFileSync(input, `${[lines[0], ...Array.from(testRows!, (i) => lines[i + 1])].join('\n')}\n`);
    const p = await runCli([
      'predict',
      '--model',
      join(dir, 'out', 'model'),
      '--input',
      input,
      '--threshold',
      'auto',
      '--keep',
      'churn',
      '--output',
      join(dir, 'pred.csv'),
    ]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stderr, /threshold [0-9.]+, recall ≥ 0\.8; probabilities isotonic-calibrated/);
    const rows = readFileSync(join(dir, 'pred.csv'), 'utf8').trim().split('\n').slice(1);
    const y = rows.map((l) => (l.split(',')[0] === 'yes' ? 1 : 0));
    const prob = rows.map((l) => Number(l.split(',')[1]));
    const predicted = rows.map((l) => l.split(',')[2]);
    // predict's own labels give the test evaluation's confusion matrix (decided on the same
    // calibrated values at the same threshold) …
    const count = (label: string, truth: number) =>
      predicted.filter((v, i) => v === label && y[i] === truth).length;
    assert.deepEqual(
      [count('yes', 1), count('yes', 0), count('no', 0), count('no', 1)],
      [best.test.metrics.tp, best.test.metrics.fp, best.test.metrics.tn, best.test.metrics.fn],
    );
    // … and its printed probabilities (6 decimals) the same ranking metrics.
    const m = computeMetrics(Uint8Array.from(y), Float64Array.from(prob), {
      threshold: best.decision.threshold,
    });
    for (const name of ['rocAuc', 'prAuc'] as const)
      assert.ok(
        Math.abs(m[name] - best.test.metrics[name]!) < 1e-4,
        `${name}: ${m[name]} vs ${best.test.metrics[name]}`,
      );
  });

  it('calibration repairs the probabilities of balanced class weights on 5% positives', async () => {
    // Two informative features, 5% positives; balanced class weights inflate every probability.
    const rng = new Rng(11);
    const csv = ['a,b,c,y'];
    for (let i = 0; i < 1500; i++) {
      const a = rng.normal();
      const b = rng.normal();
      const c = rng.normal();
      const y = 1.6 * a - 1.1 * b + 0.7 * rng.normal() > 2.6 ? 1 : 0;
      csv.push(`${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${y}`);
    }
    const { dir } = writeStudy({});
    writeFileSync(join(dir, 'rare.csv'), `${csv.join('\n')}\n`);
    const spec = {
      name: 'rare',
      dataset: { path: 'rare.csv', label: 'y' },
      model: 'mlp',
      cv: { k: 3, seed: 1, holdout: 0.3 },
      search: {
        space: {},
        fixed: { epochs: 25, layers: 1, units: 8, classWeight: 'balanced', learningRate: 0.01 },
      },
      calibration: 'isotonic',
      budget: { trials: 1 },
    };
    writeFileSync(join(dir, 'rare.json'), JSON.stringify(spec));
    const r = await runCli(['tune', join(dir, 'rare.json'), '--json', '--out', join(dir, 'out')]);
    assert.equal(r.code, 0, r.stderr);
    const best = (JSON.parse(r.stdout) as { best: Best }).best;
    const oof = best.outOfFold.calibration;
    assert.equal(oof.method, 'isotonic');
    assert.ok(oof.ece.before > 0.05, `class weights miscalibrate: ECE ${oof.ece.before}`);
    assert.ok(oof.ece.after < oof.ece.before / 3, `out of fold ECE ${oof.ece.before} → ${oof.ece.after}`);
    const test = best.test.calibration;
    assert.ok(test.ece.after < test.ece.before, `test ECE ${test.ece.before} → ${test.ece.after}`);
    assert.ok(test.brier.after < test.brier.before, `test Brier ${test.brier.before} → ${test.brier.after}`);
  });

  it('reads dataset.test from its own file, typed like the training data, and names a mismatch', async () => {
    const lines = readFileSync(CHURN, 'utf8').trim().split('\n');
    const { dir } = writeStudy({});
    writeFileSync(join(dir, 'train.csv'), `${lines.slice(0, 1901).join('\n')}\n`);
    writeFileSync(join(dir, 'test.csv'), `${[lines[0], ...lines.slice(1901)].join('\n')}\n`);
    const spec = smallChurnSpec({ name: 'own-test', budget: { trials: 1 } }) as Record<string, any>;
    spec.dataset = { ...spec.dataset, path: 'train.csv', test: 'test.csv' };
    spec.search.fixed.epochs = 2;
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const r = await runCli(['tune', join(dir, 'spec.json'), '--json', '--out', join(dir, 'out')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { best: Best }).best.test.rows, lines.length - 1901);
    // A test file whose labels are other values is refused before anything is written.
    writeFileSync(
      join(dir, 'test.csv'),
      readFileSync(join(dir, 'test.csv'), 'utf8').replace(/,yes$/gm, ',churned'),
    );
    const bad = await runCli(['tune', join(dir, 'spec.json'), '--out', join(dir, 'out2')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /test\.csv.*label/);
  });
});
