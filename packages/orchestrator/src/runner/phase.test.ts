import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextPhase, type Phase, type PhaseEvent, submitsFolds } from './phase.js';

const run = (events: PhaseEvent[], from: Phase = { name: 'running' }) => events.reduce(nextPhase, from);

describe('runner phases', () => {
  it('drains after the last trial started, then ends with that reason', () => {
    const draining = run([{ type: 'no_more_trials', reason: 'exhausted' }]);
    assert.deepEqual(draining, { name: 'draining', reason: 'exhausted' });
    assert.ok(submitsFolds(draining));
    assert.deepEqual(nextPhase(draining, { type: 'settled' }), { name: 'ended', reason: 'exhausted' });
  });

  it('gives up at the deadline or after too many failures, and stops submitting folds', () => {
    for (const [event, reason] of [
      [{ type: 'deadline' }, 'time_limit'],
      [{ type: 'too_many_failures' }, 'too_many_failures'],
    ] as const) {
      const p = run([event]);
      assert.deepEqual(p, { name: 'giving_up', reason });
      assert.ok(!submitsFolds(p));
      // Nothing else moves a study that is giving up except its folds settling.
      assert.deepEqual(run([{ type: 'cancel' }, { type: 'deadline' }], p), p);
      assert.deepEqual(nextPhase(p, { type: 'settled' }), { name: 'ended', reason });
    }
    // Draining studies still keep the time limit, but no longer count failures.
    const draining: Phase = { name: 'draining', reason: 'budget' };
    assert.deepEqual(nextPhase(draining, { type: 'deadline' }), { name: 'giving_up', reason: 'time_limit' });
    assert.deepEqual(nextPhase(draining, { type: 'too_many_failures' }), draining);
  });

  it('cancels from running or draining, and ends cancelled once folds settle', () => {
    for (const from of [{ name: 'running' }, { name: 'draining', reason: 'budget' }] as Phase[]) {
      const p = nextPhase(from, { type: 'cancel' });
      assert.deepEqual(p, { name: 'cancelling' });
      assert.ok(!submitsFolds(p));
      assert.deepEqual(nextPhase(p, { type: 'deadline' }), p);
      assert.deepEqual(nextPhase(p, { type: 'settled' }), { name: 'ended', reason: 'cancelled' });
    }
  });

  it('stays ended', () => {
    const ended: Phase = { name: 'ended', reason: 'budget' };
    for (const type of ['cancel', 'deadline', 'too_many_failures', 'settled'] as const)
      assert.deepEqual(nextPhase(ended, { type }), ended);
  });
});
