import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeJson, studyNonce, type TaskEnvelope, taskIdOf, taskNonce } from '@hpo/protocol';
import { ControlMemory, cancels, drops, MAX_REMEMBERED } from './control.js';
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

const secret = new Uint8Array(32).fill(7);
function envelope(study: string, trial: number, epoch = 'e1'): TaskEnvelope {
  const task = {
    kind: 'fold' as const,
    trial,
    datasetHash: 'a'.repeat(64),
    cv: { k: 3, seed: 1, repeat: 0, fold: 0 },
    params: {},
    seed: 1,
    threshold: 0.5,
  };
  const id = taskIdOf(study, task);
  return {
    id,
    study,
    task,
    epoch,
    nonce: taskNonce(secret, id, epoch),
    studyNonce: studyNonce(secret, study, epoch),
  };
}

describe('control memory', () => {
  it("refuses the cancelled study run's tasks and the dropped publish only", () => {
    const c = new ControlMemory();
    const t = envelope('s1', 0);
    const cancel = c.cancel('s1', encodeJson({ studyNonce: t.studyNonce, epoch: t.epoch }))!;
    assert.ok(cancels(cancel, 's1', t));
    assert.equal(c.refusal(t, 10), 'cancel');
    // A later run of the study (another coordinator epoch) has another study nonce: it runs.
    assert.equal(c.refusal(envelope('s1', 0, 'e2'), 11), undefined);

    const d = envelope('s2', 1);
    const drop = c.drop('s2', encodeJson({ id: d.id, seq: 7, nonce: d.nonce }))!;
    assert.ok(drops(drop, d, 7));
    assert.equal(c.refusal(d, 7), 'drop');
    assert.equal(c.refusal(d, 8), undefined, 'a later publish of the same task runs');
  });

  it('rejects an unsigned or forged cancel or drop: it stops nothing', () => {
    const c = new ControlMemory();
    const t = envelope('s1', 0);
    assert.throws(() => c.cancel('s1', new Uint8Array()), /cancel: not JSON/);
    assert.throws(() => c.cancel('s1', encodeJson({})), /studyNonce/);
    const forged = c.cancel('s1', encodeJson({ studyNonce: 'x'.repeat(22), epoch: 'e1' }))!;
    assert.ok(!cancels(forged, 's1', t));
    assert.equal(c.refusal(t, 1), undefined);
    const drop = c.drop('s1', encodeJson({ id: t.id, seq: 3, nonce: 'y'.repeat(22) }))!;
    assert.ok(!drops(drop, t, 3));
    assert.equal(c.refusal(t, 3), undefined);
    assert.throws(() => c.drop('s1', encodeJson({ id: t.id, seq: 3 })), /nonce/);
  });

  it('tells a forged cancel (a known coordinator epoch, another nonce) from one of an epoch not seen yet', () => {
    const c = new ControlMemory();
    const t = envelope('s1', 0, 'e1');
    c.saw(t);
    assert.equal(c.unmatched('s1', { studyNonce: 'x'.repeat(22), epoch: 'e1' }), true, 'forged');
    assert.equal(c.unmatched('s1', { studyNonce: t.studyNonce, epoch: 'e1' }), false, 'genuine');
    assert.equal(
      c.unmatched('s1', { studyNonce: 'y'.repeat(22), epoch: 'e2' }),
      false,
      'a restarted coordinator',
    );
  });

  it("ignores a drop naming another study's task", () => {
    const c = new ControlMemory();
    const t = envelope('other', 0);
    assert.equal(c.drop('s2', encodeJson({ id: t.id, seq: 3, nonce: t.nonce })), undefined);
    assert.equal(c.refusal(t, 3), undefined);
  });

  it('remembers a bounded number of cancels, forgetting the oldest', () => {
    const c = new ControlMemory();
    const all = Array.from({ length: MAX_REMEMBERED + 1 }, (_, i) => envelope(`s${i}`, 0));
    for (const t of all) c.cancel(t.study, encodeJson({ studyNonce: t.studyNonce, epoch: t.epoch }));
    assert.equal(c.refusal(all[0]!, 1), undefined);
    assert.equal(c.refusal(all[MAX_REMEMBERED]!, 1), 'cancel');
  });
});
