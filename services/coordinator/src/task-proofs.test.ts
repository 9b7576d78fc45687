import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FoldTask } from '@hpo/core';
import { newSecret, type ResultEnvelope } from '@hpo/protocol';
import { TaskProofs } from './task-proofs.js';

const task: FoldTask = {
  kind: 'fold',
  trial: 4,
  datasetHash: 'a'.repeat(64),
  cv: { k: 3, seed: 1, repeat: 0, fold: 2 },
  params: {},
  seed: 1,
  threshold: 0.5,
};

describe('task proofs', () => {
  const secret = newSecret();
  const proofs = new TaskProofs(secret, 'ep1');
  const env = proofs.envelope('s1', task);
  const answer = (over: Partial<ResultEnvelope> = {}): ResultEnvelope =>
    ({
      id: env.id,
      study: 's1',
      epoch: env.epoch,
      nonce: env.nonce,
      ok: false,
      error: { kind: 'internal', message: 'x', retryable: false },
      worker: 'w',
      deliveries: 1,
      ...over,
    }) as ResultEnvelope;

  it('accepts the answer of a task it issued, in this epoch or an earlier one', () => {
    assert.equal(env.id, 's1.4.2');
    assert.equal(proofs.check(answer(), 's1'), undefined);
    // A restarted coordinator (another epoch, the same secret) recognises its predecessor's tasks.
    assert.equal(new TaskProofs(secret, 'ep2').check(answer(), 's1'), undefined);
  });

  it('refuses a result without the right nonce, for another task, or on another study', () => {
    assert.equal(proofs.check(answer({ nonce: 'A'.repeat(22) }), 's1'), 'bad_nonce');
    assert.equal(proofs.check(answer({ id: 's1.4.1' }), 's1'), 'bad_nonce', 'replayed for another fold');
    assert.equal(proofs.check(answer({ epoch: 'ep9' }), 's1'), 'bad_nonce');
    assert.equal(proofs.check(answer(), 's2'), 'wrong_study', 'on another study subject');
    assert.equal(proofs.check(answer({ id: 's2.4.2', study: 's2' }), 's2'), 'bad_nonce');
    assert.equal(new TaskProofs(newSecret(), 'ep1').check(answer(), 's1'), 'bad_nonce', 'another secret');
  });

  it('gives every publish its own nonce, and a study one nonce per epoch', () => {
    const other = proofs.envelope('s1', { ...task, trial: 5 });
    assert.notEqual(other.nonce, env.nonce);
    assert.equal(other.studyNonce, env.studyNonce);
    assert.notEqual(new TaskProofs(secret, 'ep2').studyNonce('s1'), env.studyNonce);
    assert.equal(proofs.nonceOf(env.id), env.nonce);
  });
});
