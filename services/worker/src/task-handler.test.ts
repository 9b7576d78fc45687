import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskEnvelope } from '@hpo/protocol';
import type { JetStreamClient } from '@nats-io/jetstream';
import { pino } from 'pino';
import type { DatasetCache, DatasetLease } from './dataset-cache.js';
import { WorkerMetrics } from './metrics.js';
import { type HandlerDeps, TaskHandler } from './task-handler.js';
import type { TaskMessage } from './task-pull.js';
import type { TaskRunner } from './task-runner.js';
import { ThreadSlots } from './thread-slots.js';

const envelope = {
  id: 's1.0.0',
  study: 's1',
  epoch: 'e',
  nonce: 'n',
  studyNonce: 'sn',
  task: { kind: 'fold', datasetHash: 'a'.repeat(64) },
} as unknown as TaskEnvelope;

/** A task message that records what the handler did with it. */
function fakeMsg() {
  const did: string[] = [];
  const msg = {
    info: { deliveryCount: 1 },
    working: () => {},
    ack: () => did.push('ack'),
    nak: () => did.push('nak'),
    term: () => did.push('term'),
  } as unknown as TaskMessage;
  return { msg, did };
}

/** A dataset whose download finishes only when the test says so. */
function slowDataset() {
  let finish!: () => void;
  let released = 0;
  const lease: DatasetLease = {
    hash: 'a'.repeat(64),
    path: '/nonexistent',
    release: () => {
      released++;
    },
  };
  const done = new Promise<void>((r) => {
    finish = r;
  });
  const datasets = {
    acquire: async () => {
      await done;
      return lease;
    },
  } as unknown as DatasetCache;
  return { datasets, finish: () => finish(), released: () => released };
}

function deps(datasets: DatasetCache, handedBack: string[]): HandlerDeps {
  const slots = new ThreadSlots(1);
  return {
    js: () =>
      ({ publish: async () => assert.fail('nothing may be published') }) as unknown as JetStreamClient,
    runner: { run: async () => assert.fail('nothing may train') } as unknown as TaskRunner,
    datasets,
    log: pino({ level: 'silent' }),
    metrics: new WorkerMetrics(),
    name: 'w',
    ackWaitMs: () => 30_000,
    maxDeliver: () => 5,
    handBack: async (e) => {
      handedBack.push(e.id);
      return true;
    },
    thread: (signal) => slots.take(signal),
  };
}

describe('task handler', () => {
  for (const [reason, expected] of [
    ['shutdown', { handedBack: ['s1.0.0'], did: [] }],
    ['cancel', { handedBack: [], did: ['term'] }],
  ] as const) {
    it(`a task stopped (${reason}) while its dataset downloads goes at once, and its late lease is released`, {
      timeout: 20_000,
    }, async (t) => {
      const slow = slowDataset();
      // Should the task wait for its download (the defect this tests), the test's timeout fails
      // it and this lets the handler finish, so the process can end.
      t.after(() => slow.finish());
      const handedBack: string[] = [];
      const { msg, did } = fakeMsg();
      const handler = new TaskHandler(envelope, msg, deps(slow.datasets, handedBack));
      const running = handler.run();
      await new Promise((r) => setImmediate(r));
      assert.equal(handler.state, 'waiting');
      handler.abort(reason);
      // Before the download ends: the handler is done with the task (handed back, or terminated
      // as stopped, not published as a failure).
      await running;
      assert.equal(handler.state, 'done');
      assert.deepEqual(handedBack, expected.handedBack);
      assert.deepEqual(did, expected.did);
      assert.equal(slow.released(), 0);
      slow.finish();
      for (let i = 0; i < 5 && slow.released() === 0; i++) await new Promise((r) => setImmediate(r));
      assert.equal(slow.released(), 1, 'the lease that came after the abort was released');
    });
  }
  it('a refit stopped while its test set downloads releases the training set at once and the test set when it comes', {
    timeout: 20_000,
  }, async (t) => {
    const slow = slowDataset();
    let trainReleased = 0;
    let asked = 0;
    const datasets = {
      acquire: async (hash: string) => {
        asked++;
        if (hash === 'b'.repeat(64))
          return { hash, path: '/train', release: () => void trainReleased++ } satisfies DatasetLease;
        return slow.datasets.acquire(hash);
      },
    } as unknown as DatasetCache;
    t.after(() => slow.finish());
    const refit = {
      ...envelope,
      id: 's1.0.refit',
      task: { kind: 'refit', datasetHash: 'b'.repeat(64), testDatasetHash: 'a'.repeat(64) },
    } as unknown as TaskEnvelope;
    const handedBack: string[] = [];
    const { msg } = fakeMsg();
    const handler = new TaskHandler(refit, msg, deps(datasets, handedBack));
    const running = handler.run();
    while (asked < 2) await new Promise((r) => setImmediate(r));
    handler.abort('shutdown');
    await running;
    assert.deepEqual(handedBack, ['s1.0.refit']);
    assert.equal(trainReleased, 1);
    assert.equal(slow.released(), 0);
    slow.finish();
    for (let i = 0; i < 5 && slow.released() === 0; i++) await new Promise((r) => setImmediate(r));
    assert.equal(slow.released(), 1);
    assert.equal(asked, 2, 'nothing more was fetched after the stop');
  });
});
