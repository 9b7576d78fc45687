import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StudyEvent } from './events.js';
import { StudyState } from './study-state.js';
import { fakeResult } from './testing.js';

const at = '2026-01-01T00:00:00.000Z';
const started = (trial: number): StudyEvent => ({ type: 'trial_started', at, trial, params: { lr: trial } });
const finished = (trial: number, state: 'complete' | 'pruned' | 'failed', value?: number): StudyEvent => ({
  type: 'trial_finished',
  at,
  trial,
  state,
  ...(value !== undefined ? { value } : {}),
  ...(state === 'failed' ? { error: `boom ${trial}` } : {}),
});

describe('StudyState', () => {
  it('folds events into trials, ignoring a duplicate fold result and a second finish', () => {
    const s = new StudyState('maximize');
    s.apply(started(0));
    s.apply({ type: 'fold_done', at, trial: 0, fold: 1, result: fakeResult(0.7) });
    s.apply({ type: 'fold_done', at, trial: 0, fold: 1, result: fakeResult(0.1) });
    assert.equal(s.get(0)!.folds[1]!.metrics.rocAuc, 0.7, 'the first result of a fold wins');
    assert.equal(s.apply(finished(0, 'complete', 0.7))?.number, 0);
    assert.equal(s.apply(finished(0, 'failed')), undefined, 'a finished trial stays finished');
    assert.equal(s.get(0)!.state, 'complete');
  });

  it('ranks complete, pruned, running, failed; by value in the objective direction', () => {
    for (const [direction, bestValue] of [
      ['maximize', 0.9],
      ['minimize', 0.2],
    ] as const) {
      const s = new StudyState(direction);
      for (let t = 0; t < 6; t++) s.apply(started(t));
      s.apply(finished(0, 'complete', 0.5));
      s.apply(finished(1, 'complete', 0.9));
      s.apply(finished(2, 'complete', 0.2));
      s.apply(finished(3, 'pruned', 0.95));
      s.apply(finished(4, 'failed'));
      const order = s.leaderboard().map((t) => t.state);
      assert.deepEqual(order, ['complete', 'complete', 'complete', 'pruned', 'running', 'failed']);
      assert.equal(s.best()!.value, bestValue, direction);
      assert.equal(s.failures, 1);
      assert.equal(s.lastError(), 'boom 4');
      assert.deepEqual(
        s.samplerRecords().map((r) => r.outcome?.state ?? 'pending'),
        ['complete', 'complete', 'complete', 'pruned', 'failed', 'pending'],
      );
    }
  });
});
