/**
 * What a restarted coordinator adopts from the task queue: only tasks a coordinator issued (their
 * nonce proves it). A made-up task on a study's subject would otherwise make the study wait on a
 * copy whose answer the router refuses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queuedTasks } from '@hpo/coordinator/dist/nats-executor.js';
import { TaskProofs } from '@hpo/coordinator/dist/task-proofs.js';
import type { FoldTask } from '@hpo/core';
import { DEFAULT_QUEUE, encodeJson, ensureInfrastructure, newSecret, SUBJECTS } from '@hpo/protocol';
import { NatsServer } from '@hpo/testing/processes';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

describe('adopting queued tasks after a restart', () => {
  it('adopts the tasks a coordinator issued and skips made-up or malformed ones', async () => {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      await ensureInfrastructure(nc, jsm, DEFAULT_QUEUE);
      const js = jetstream(nc);
      const secret = newSecret();
      const before = new TaskProofs(secret, 'a1');
      const task: FoldTask = {
        kind: 'fold',
        trial: 0,
        datasetHash: 'a'.repeat(64),
        cv: { k: 3, seed: 1, repeat: 0, fold: 0 },
        params: { epochs: 1 },
        seed: 1,
        threshold: 0.5,
      };
      const genuine = before.envelope('s', task);
      await js.publish(SUBJECTS.task('s'), encodeJson(genuine));
      const forged = { ...before.envelope('s', { ...task, trial: 1 }), nonce: 'A'.repeat(22), epoch: 'zz' };
      await js.publish(SUBJECTS.task('s'), encodeJson(forged));
      await js.publish(SUBJECTS.task('s'), new TextEncoder().encode('{"not":"a task"}'));
      // The next coordinator (same secret, a new epoch) reads the queue.
      const after = new TaskProofs(secret, 'b2');
      const adopted = await queuedTasks(jsm, 's', after);
      assert.deepEqual(
        adopted.map((q) => q.envelope.id),
        [genuine.id],
      );
    } finally {
      await nc.close();
      await server.dispose();
    }
  });
});
