/**
 * The coordinator's NatsExecutor against a real nats-server, with no worker: a fold whose trial
 * is pruned after it was sent is deleted from the work queue, announced on the drop subject for
 * a worker that may have taken it, and its slot is freed at once. (The worker side of a drop is
 * tested in worker.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FairSlots } from '@hpo/coordinator/dist/fair-slots.js';
import { Metrics } from '@hpo/coordinator/dist/metrics.js';
import { NatsExecutor } from '@hpo/coordinator/dist/nats-executor.js';
import { ResultsRouter } from '@hpo/coordinator/dist/results-router.js';
import { TaskProofs } from '@hpo/coordinator/dist/task-proofs.js';
import { type FoldTask, HpoError } from '@hpo/core';
import { type DropMessage, decodeDrop, ensureInfrastructure, STREAMS, SUBJECTS, taskId } from '@hpo/protocol';
import { NatsServer, until } from '@hpo/testing/processes';
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';

const STUDY = 'drops';
const proofs = new TaskProofs(new Uint8Array(32).fill(1), 'e1');

function fold(trial: number, f: number): FoldTask {
  return {
    kind: 'fold',
    trial,
    datasetHash: 'a'.repeat(64),
    cv: { k: 3, seed: 1, repeat: 0, fold: f },
    params: { epochs: 1 },
    seed: 1,
    threshold: 0.5,
  };
}

const stopped = (err: unknown) => err instanceof HpoError && err.kind === 'stopped';

async function queued(jsm: JetStreamManager): Promise<number> {
  return (await jsm.streams.info(STREAMS.tasks)).state.messages;
}

describe('NatsExecutor drops the folds of a pruned trial', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let router: ResultsRouter;

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    jsm = await jetstreamManager(nc);
    await ensureInfrastructure(nc, jsm, { ackWaitSeconds: 30, maxDeliver: 3, duplicateWindowSeconds: 600 });
    router = new ResultsRouter(jetstream(nc), pino({ level: 'silent' }), proofs, new Metrics());
    await router.start();
  });

  after(async () => {
    await router?.stop();
    await nc?.close();
    await server?.dispose();
  });

  it('deletes the queued task, tells the workers and frees the slot; other folds stay', async () => {
    const slots = new FairSlots(2);
    const metrics = new Metrics();
    const executor = new NatsExecutor(
      STUDY,
      { nc, js: jetstream(nc), jsm, router, slots, metrics, proofs, foldTimeoutSeconds: 60 },
      2,
    );
    const announced: DropMessage[] = [];
    const sub = nc.subscribe(SUBJECTS.drop(STUDY), {
      callback: (_e, m) => {
        announced.push(decodeDrop(m.data));
      },
    });
    const pruned = new AbortController();
    const kept = new AbortController();
    const doomed = executor.runFold(fold(0, 1), { drop: pruned.signal });
    const other = executor.runFold(fold(1, 0), { drop: kept.signal });
    other.catch(() => undefined);
    await until('both tasks queued', async () => (await queued(jsm)) === 2);
    assert.equal(slots.used, 2);

    pruned.abort();
    await assert.rejects(doomed, stopped);
    await until('the dropped task deleted', async () => (await queued(jsm)) === 1);
    await nc.flush();
    await until('the drop announced', async () => announced.length === 1);
    assert.equal(announced[0]!.id, taskId(STUDY, 0, 1));
    assert.equal(announced[0]!.nonce, proofs.nonceOf(taskId(STUDY, 0, 1)), "names the task's nonce");
    assert.ok(announced[0]!.seq >= 1, 'names the publish by its stream sequence');
    assert.equal(slots.used, 1, 'the dropped fold gave its slot back');
    assert.match(await metrics.registry.metrics(), /hpo_folds_dropped_total 1/);

    // A fold still waiting for a slot when its trial is dropped is never published.
    const waiting = new AbortController();
    const third = executor.runFold(fold(2, 0), { drop: kept.signal });
    third.catch(() => undefined);
    const fourth = executor.runFold(fold(3, 0), { drop: waiting.signal });
    waiting.abort();
    await assert.rejects(fourth, stopped);
    await until('the third task queued', async () => (await queued(jsm)) === 2);
    assert.equal(announced.length, 1, 'nothing to announce for a fold never sent');
    kept.abort();
    await Promise.allSettled([other, third]);
    await until('the queue emptied', async () => (await queued(jsm)) === 0);
    assert.equal(slots.used, 0);
    assert.equal(announced.length, 3);

    // Cancelling the study (its signal) is not a drop: the coordinator's cancel path tells the
    // workers about the whole study instead.
    const study = new AbortController();
    const cancelled = executor.runFold(fold(4, 0), {
      signal: study.signal,
      drop: new AbortController().signal,
    });
    await until('the fifth task queued', async () => (await queued(jsm)) === 1);
    study.abort();
    await assert.rejects(cancelled, stopped);
    await nc.flush();
    assert.equal(announced.length, 3, 'no drop announced for a cancelled study');
    sub.unsubscribe();
  });

  it('retries a task publish that fails in transit (a restarting nats-server), and sends it once', async () => {
    await jsm.streams.purge(STREAMS.tasks); // the cancelled study's task above stays queued
    const js = jetstream(nc);
    let calls = 0;
    let retried: Awaited<ReturnType<typeof js.publish>> | undefined;
    // As while nats-server restarts: the first publish lands but its ack is lost, the second
    // gets no answer at all, the third goes through (and is deduplicated by its message id).
    const flaky = new Proxy(js, {
      get(target, key, receiver) {
        if (key === 'publish') {
          return async (...args: Parameters<typeof js.publish>) => {
            calls++;
            if (calls === 1) {
              await target.publish(...args);
              throw new Error('TimeoutError: timeout');
            }
            if (calls === 2) throw new Error('TimeoutError: timeout');
            const ack = await target.publish(...args);
            retried = ack;
            return ack;
          };
        }
        return Reflect.get(target, key, receiver);
      },
    });
    const warnings: string[] = [];
    const executor = new NatsExecutor(
      'retrying',
      {
        nc,
        js: flaky,
        jsm,
        router,
        slots: new FairSlots(1),
        metrics: new Metrics(),
        proofs,
        foldTimeoutSeconds: 60,
        log: { warn: (_fields, msg) => warnings.push(msg) },
      },
      1,
    );
    const stop = new AbortController();
    const run = executor.runFold(fold(0, 0), { signal: stop.signal });
    run.catch(() => undefined);
    await until('the third publish acked', async () => retried !== undefined);
    assert.equal(retried!.duplicate, true, 'the retry of the publish that landed is a duplicate');
    assert.equal(await queued(jsm), 1, 'one copy queued');
    assert.deepEqual(warnings, ['task publish failed; retrying'], 'one warning per task, not per try');
    stop.abort();
    await assert.rejects(run, stopped);
    await jsm.streams.purge(STREAMS.tasks);
  });
});
