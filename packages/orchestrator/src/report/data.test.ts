import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateStudySpec } from '@hpo/core';
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
});
