import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, smallChurnSpec, writeStudy } from '@hpo/testing/processes';
import { ARTIFACTS, inspectReport } from './browser.js';

describe('hpo report in a real browser', () => {
  it('renders every chart of an embedded study without console errors or network access', async () => {
    const { dir, file } = writeStudy(
      smallChurnSpec({
        budget: { trials: 5, parallelism: 1 },
        pruner: { type: 'median', warmupTrials: 2 },
        cv: { k: 3, seed: 1, holdout: 0.2 },
      }),
    );
    const study = join(dir, 'study');
    const tune = await runCli(['tune', file, '--quiet', '--out', study]);
    assert.equal(tune.code, 0, tune.stderr);
    const html = join(dir, 'report.html');
    const r = await runCli(['report', study, '--out', html]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(statSync(html).size > 100_000, 'echarts is inlined');
    // The final estimate: CV next to the held-out test, and the pooled out-of-fold curves.
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<div class="card" id="estimate"><h2>Final estimate \(model of trial \d+\)/);
    assert.match(page, /held-out test \(480 rows, used once; threshold 0\.\d+, calibrated\)/);
    assert.match(page, /Decision threshold: 0\.\d+ \(best F1; out of fold precision/);
    assert.match(page, /"pooled":\{"fpr":\[/);
    // Each fold's own curves, drawn from its out-of-fold block (results carry no curve points).
    const folds = /"roc":\{"folds":(\[.*?\]),"mean"/.exec(page);
    assert.ok(folds, 'the best trial has fold ROC curves');
    const curves = JSON.parse(folds[1]!) as { fpr: number[]; tpr: number[] }[];
    assert.equal(curves.length, 3, 'one ROC curve per fold');
    for (const c of curves) assert.ok(c.fpr.length > 10 && c.fpr.length === c.tpr.length);
    assert.match(page, /"test":\{"fpr":\[/);
    const shot = join(ARTIFACTS, 'report-embedded.png');
    const { errors, charts } = await inspectReport(html, shot);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      charts.map(([id]) => id),
      [
        'chart-history',
        'chart-importance',
        'chart-parallel',
        'chart-roc',
        'chart-pr',
        'chart-confusion',
        'chart-spread',
      ],
    );
    for (const [id, drawn] of charts) assert.ok(drawn > 10, `${id} drew ${drawn} SVG elements`);
    assert.ok(statSync(shot).size > 10_000, 'screenshot written');
  });

  it('reports a directory that is not a study', async () => {
    const { dir } = writeStudy({});
    const r = await runCli(['report', join(dir, 'nothing/here'), '--out', join(dir, 'x.html')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not a study directory/);
  });
});
