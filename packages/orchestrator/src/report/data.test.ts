import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeOof, type FoldResult, type Oof, prCurve, rocCurve, validateStudySpec } from '@hpo/core';
import { fakeResult } from '@hpo/testing';
import type { StudyEvent } from '../index.js';
import { reportData } from './data.js';

const at = '2026-01-01T00:00:00.000Z';
const spec = validateStudySpec(
  {
    name: 'r',
    dataset: { path: 'x.csv', label: 'y' },
    model: 'mlp',
    search: { space: { units: { type: 'int', low: 4, high: 8 } } },
    budget: { trials: 3 },
  },
  'test',
);

function log(stopped: boolean): StudyEvent[] {
  return [
    { type: 'study_created', at, study: 'r', spec, datasetHash: 'a'.repeat(64), folds: 3 },
    { type: 'trial_started', at, trial: 0, params: { units: 4 } },
    { type: 'trial_started', at, trial: 1, params: { units: 8 } },
    { type: 'trial_finished', at, trial: 0, state: 'failed', error: 'boom' },
    ...(stopped ? [{ type: 'study_finished', at, reason: 'time_limit' } as const] : []),
  ];
}

describe('report data', () => {
  it('shows a trial open when the study stopped as unfinished, and as running while it runs', () => {
    const states = (events: StudyEvent[]) => reportData(events).trials.map((t) => t.state);
    assert.deepEqual(states(log(true)), ['failed', 'unfinished']);
    assert.deepEqual(states(log(false)), ['failed', 'running']);
    // Resumed after the stop: work after the last study_finished means it runs again.
    const resumed = [...log(true), { type: 'trial_started', at, trial: 2, params: { units: 5 } } as const];
    assert.deepEqual(states(resumed), ['failed', 'running', 'running']);
  });

  it("draws a fold's curves from its out-of-fold block, and a log's recorded points as they are", () => {
    // Results carry no curve points; a fold of a log written before that carries its own.
    const y = [0, 0, 1, 0, 1, 1];
    const p = [0.1, 0.4, 0.35, 0.2, 0.8, 0.9];
    const separated = encodeOof([0, 1, 0, 1], [0.2, 0.7, 0.3, 0.9], 2);
    // Recorded points win over the block (a log of that time has both).
    const curves = { roc: { fpr: [0, 1], tpr: [0, 1] }, pr: { precision: [1, 0.5], recall: [0, 1] } };
    const recorded = { ...fakeResult(0.7), metrics: { ...fakeResult(0.7).metrics, curves }, oof: separated };
    const result = (oof?: Oof) => ({ ...fakeResult(0.7), ...(oof ? { oof } : {}) });
    const events = (...results: FoldResult[]): StudyEvent[] => [
      { type: 'study_created', at, study: 'r', spec, datasetHash: 'a'.repeat(64), folds: results.length },
      { type: 'trial_started', at, trial: 0, params: { units: 4 } },
      ...results.map((result, fold) => ({ type: 'fold_done', at, trial: 0, fold, result }) as const),
      { type: 'trial_finished', at, trial: 0, state: 'complete', value: 0.7 },
    ];
    // Fold 2 has neither points nor a block (an executor that sends none): no curve of its own.
    const log = events(result(encodeOof(y, p, 1)), result(), result(separated), recorded);
    const best = reportData(log).best!;
    assert.equal(best.trial, 0);
    // Drawn once per block: the next build (the dashboard's next update) reuses the points.
    assert.equal(reportData(log).best!.roc.folds[0]!.fpr, best.roc.folds[0]!.fpr);
    // Probabilities travel to 1/65535, which keeps these six in the same order; points to 4 decimals.
    const coarse = (xs: number[]) => xs.map((x) => Math.round(x * 1e4) / 1e4);
    const roc = rocCurve(y, p);
    const pr = prCurve(y, p);
    assert.deepEqual(best.roc.folds[0], { fold: 1, fpr: coarse(roc.fpr), tpr: coarse(roc.tpr) });
    assert.deepEqual(best.pr.folds[0], {
      fold: 1,
      precision: coarse(pr.precision),
      recall: coarse(pr.recall),
    });
    assert.deepEqual(best.roc.folds[1], { fold: 3, fpr: [0, 0, 0, 0.5, 1], tpr: [0, 0.5, 1, 1, 1] });
    assert.deepEqual(best.roc.folds[2], { fold: 4, ...curves.roc });
    assert.deepEqual(best.pr.folds[2], { fold: 4, ...curves.pr });
    assert.equal(best.roc.folds.length, 3);
    // The mean at FPR 0.01 over the three: 0.6667 (fold 1), 1 (fold 3), 0.01 (fold 4's diagonal).
    assert.ok(Math.abs(best.roc.mean!.tpr[1]! - (0.6667 + 1 + 0.01) / 3) < 1e-9, `${best.roc.mean!.tpr[1]}`);
    // No fold with a curve: no mean either (not a flat line at 0).
    const none = reportData(events(result(), result())).best!;
    assert.deepEqual([none.roc.folds, none.pr.folds], [[], []]);
    assert.equal(none.roc.mean, undefined);
    assert.equal(none.pr.mean, undefined);
  });
});
