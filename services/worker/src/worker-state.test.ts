import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeJson } from '@hpo/protocol';
import { ControlMemory, MAX_REMEMBERED } from './control.js';
import { nextWorkerState, type WorkerEvent, type WorkerState } from './worker.js';

const walk = (events: WorkerEvent[], from: WorkerState = 'created') => events.reduce(nextWorkerState, from);

describe('worker states', () => {
  it('connects, pulls, waits while every thread trains, and pulls again', () => {
    assert.equal(walk(['start', 'ready']), 'pulling');
    assert.equal(walk(['start', 'ready', 'threads_full']), 'full');
    assert.equal(walk(['start', 'ready', 'threads_full', 'thread_free']), 'pulling');
  });

  it('stops gracefully: drain, requeue what is left after the grace, close', () => {
    assert.equal(walk(['start', 'ready', 'stop', 'tasks_settled', 'closed']), 'stopped');
    assert.equal(walk(['start', 'ready', 'threads_full', 'stop']), 'draining');
    assert.equal(walk(['start', 'ready', 'stop', 'grace_over']), 'requeueing');
    assert.equal(walk(['start', 'ready', 'stop', 'grace_over', 'tasks_settled', 'closed']), 'stopped');
  });

  it('ignores events a state does not expect: no pulling again once stopping', () => {
    assert.equal(
      walk(['start', 'stop', 'ready']),
      'draining',
      'a connection made after the stop starts nothing',
    );
    assert.equal(walk(['start', 'ready', 'stop', 'thread_free']), 'draining');
    assert.equal(walk(['closed'], 'stopped'), 'stopped');
  });
});

describe('control memory', () => {
  it('refuses tasks of a cancelled study and the dropped publish only', () => {
    const c = new ControlMemory();
    assert.equal(c.cancel('not a study!'), false);
    assert.ok(c.cancel('s1'));
    assert.equal(c.refusal('s1', 10), 'cancel');
    assert.deepEqual(c.drop('s2', encodeJson({ id: 's2.0.1', seq: 7 })), { id: 's2.0.1', seq: 7 });
    assert.equal(c.refusal('s2', 7), 'drop');
    assert.equal(c.refusal('s2', 8), undefined, 'a later publish of the same task runs');
  });

  it("ignores a drop naming another study's task, and rejects a malformed one", () => {
    const c = new ControlMemory();
    assert.equal(c.drop('s2', encodeJson({ id: 'other.0.1', seq: 3 })), undefined);
    assert.equal(c.refusal('other', 3), undefined);
    assert.throws(() => c.drop('s2', encodeJson({ id: 's2.0.1', seq: -1 })), /drop/);
  });

  it('remembers a bounded number of cancels, forgetting the oldest', () => {
    const c = new ControlMemory();
    for (let i = 0; i <= MAX_REMEMBERED; i++) c.cancel(`s${i}`);
    assert.equal(c.refusal('s0', 1), undefined);
    assert.equal(c.refusal(`s${MAX_REMEMBERED}`, 1), 'cancel');
  });
});
