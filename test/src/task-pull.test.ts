/**
 * The worker's pull (services/worker/src/task-pull.ts) against a real nats-server: requests on one
 * subscription bring what they ask for, end when they expire or the consumer is gone, and the
 * acknowledgements of a pulled task reach the server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteConsumer, NatsServer, until } from '@hpo/testing/processes';
import { type PullEnd, type TaskMessage, TaskPull } from '@hpo/worker/dist/task-pull.js';
import {
  AckPolicy,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** A pull on consumer `durable`, recording what it gets; `until(n)` waits for n tasks in all. */
function puller(nc: NatsConnection, durable: string, expiresMs: number, graceMs?: number) {
  const tasks: TaskMessage[] = [];
  const ends: PullEnd[] = [];
  let waiting: { n: number; resolve: () => void } | undefined;
  let ended: (() => void) | undefined;
  const pull = new TaskPull(
    nc,
    { stream: 'PULL', consumer: durable, expiresMs, inboxPrefix: '_INBOX_pulltest', graceMs },
    (m) => {
      tasks.push(m);
      if (waiting && tasks.length >= waiting.n) waiting.resolve();
    },
    (e) => {
      ends.push(e);
      ended?.();
    },
  );
  return {
    pull,
    tasks,
    ends,
    /** Resolves once `n` tasks in all have arrived. */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        if (tasks.length >= n) resolve();
        else waiting = { n, resolve };
      }),
    /** Resolves at the next end the pull reports. */
    nextEnd: () =>
      new Promise<void>((resolve) => {
        ended = resolve;
      }),
  };
}

describe('the worker pull on a real nats-server', () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  let consumers = 0;

  /** A fresh durable consumer on the stream (each test its own, on an empty queue). */
  async function consumer(ackWaitSeconds = 30): Promise<string> {
    const name = `c${++consumers}`;
    await jsm.streams.purge('PULL');
    await jsm.consumers.add('PULL', {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWaitSeconds * 1e9,
      filter_subject: `pull.${name}`,
    });
    return name;
  }

  async function publish(durable: string, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await js.publish(`pull.${durable}`, new TextEncoder().encode(`task ${i}`));
  }

  /**
   * Waits until the consumer holds nothing unacknowledged and nothing queued: acks are handled
   * on the server after they arrive, so it is polled (well within the 30 s ack-wait: a term or
   * ack that never came would show as ack-pending until then).
   */
  async function settles(durable: string): Promise<void> {
    await until(
      `consumer ${durable} to settle`,
      async () => {
        const info = await jsm.consumers.info('PULL', durable);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      20_000,
    );
  }

  before(async () => {
    nats = await NatsServer.start();
    nc = await connect({ servers: nats.url });
    jsm = await jetstreamManager(nc);
    js = jetstream(nc);
    await jsm.streams.add({
      name: 'PULL',
      subjects: ['pull.>'],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
    });
  });
  after(async () => {
    await nc?.close();
    await nats?.dispose();
  });

  it('brings what a request asks for, no more, and acks reach the server', async () => {
    const durable = await consumer();
    await publish(durable, 5);
    const p = puller(nc, durable, 5_000);
    p.pull.request(2);
    assert.equal(p.pull.outstanding, 2);
    assert.throws(() => p.pull.request(1), /already open/, 'one request at a time');
    await p.until(2);
    assert.equal(p.pull.pending, false, 'a request filled is over');
    assert.equal(p.pull.outstanding, 0);
    // The request is over, so nothing else comes: the rest stays queued.
    const info = await jsm.consumers.info('PULL', durable);
    assert.deepEqual([info.num_pending, info.num_ack_pending], [3, 2]);
    assert.deepEqual(
      p.tasks.map((t) => [new TextDecoder().decode(t.data), t.subject, t.seq, t.info.deliveryCount]),
      [
        ['task 0', `pull.${durable}`, p.tasks[0]!.seq, 1],
        ['task 1', `pull.${durable}`, p.tasks[0]!.seq + 1, 1],
      ],
    );
    for (const t of p.tasks) t.ack();
    p.pull.request(3);
    await p.until(5);
    for (const t of p.tasks.slice(2)) {
      t.working();
      t.ack();
    }
    await settles(durable);
    assert.deepEqual(p.ends, [], 'requests filled end without a word');
    await p.pull.settled();
    p.pull.close();
  });

  it('a request partly filled stays open, and a task published later completes it', async () => {
    const durable = await consumer();
    await publish(durable, 1);
    const p = puller(nc, durable, 10_000);
    p.pull.request(3);
    await p.until(1);
    assert.deepEqual([p.pull.pending, p.pull.outstanding], [true, 2]);
    await publish(durable, 2);
    await p.until(3);
    assert.deepEqual([p.pull.pending, p.pull.outstanding], [false, 0]);
    for (const t of p.tasks) t.ack();
    await settles(durable);
    p.pull.close();
  });

  it('a request that finds nothing expires: its end is reported and settled() resolves', async () => {
    const durable = await consumer();
    // A grace far beyond the expiry: the end reported is the server's 408, not the client's timer.
    const p = puller(nc, durable, 300, 60_000);
    const end = p.nextEnd();
    p.pull.request(1);
    await end;
    assert.deepEqual(p.ends, [{ kind: 'expired' }]);
    assert.deepEqual([p.pull.pending, p.pull.outstanding], [false, 0]);
    await p.pull.settled();
    // A request after the expiry still works.
    p.pull.request(1);
    await publish(durable, 1);
    await p.until(1);
    p.tasks[0]!.ack();
    await settles(durable);
    p.pull.close();
  });

  it('nak with a delay redelivers after it, with the delivery counted; a termed task leaves the queue', async () => {
    const durable = await consumer();
    await publish(durable, 2);
    const p = puller(nc, durable, 5_000);
    p.pull.request(2);
    await p.until(2);
    p.tasks[0]!.nak(200);
    p.tasks[1]!.term();
    const sent = Date.now();
    p.pull.request(1);
    await p.until(3);
    assert.ok(Date.now() - sent >= 150, 'redelivered only after the delay');
    const again = p.tasks[2]!;
    assert.equal(again.seq, p.tasks[0]!.seq);
    assert.equal(again.info.deliveryCount, 2);
    again.ack();
    // Nothing left pending: the term was taken (an unanswered task stays ack-pending for 30 s).
    await settles(durable);
    p.pull.close();
  });

  it('a request the server never answers (no such consumer) ends as lost a second after its expiry', async () => {
    const p = puller(nc, 'late-consumer', 300);
    const inboxOf = () => (p.pull as unknown as { inbox: string }).inbox;
    const first = inboxOf();
    const end = p.nextEnd();
    const sent = Date.now();
    p.pull.request(1);
    await end;
    assert.deepEqual(p.ends, [{ kind: 'lost' }]);
    assert.ok(Date.now() - sent >= 1_200, 'not before the expiry and the grace');
    assert.equal(p.pull.pending, false);
    // A request that reached the server late would find no one listening on its inbox.
    assert.notEqual(inboxOf(), first, 'the pull moved to a fresh inbox');
    // The pull goes on (on the fresh inbox) once the consumer exists.
    await jsm.consumers.add('PULL', {
      durable_name: 'late-consumer',
      ack_policy: AckPolicy.Explicit,
      filter_subject: 'pull.late-consumer',
    });
    await publish('late-consumer', 1);
    p.pull.request(1);
    await p.until(1);
    p.tasks[0]!.ack();
    await settles('late-consumer');
    p.pull.close();
  });

  it('an open request on a consumer that is deleted ends as an error naming it missing', async () => {
    const durable = await consumer();
    const p = puller(nc, durable, 30_000, 60_000);
    const end = p.nextEnd();
    p.pull.request(1);
    // Deleted once the server holds the request (it answers the requests it holds).
    await until('the request to wait on the server', async () => {
      return (await jsm.consumers.info('PULL', durable)).num_waiting === 1;
    });
    await deleteConsumer(jsm, 'PULL', durable);
    await end;
    const e = p.ends[0]!;
    assert.ok(e.kind === 'error' && e.missing, `reported as missing: ${JSON.stringify(e)}`);
    assert.equal(p.pull.pending, false);
    p.pull.close();
  });

  it("a task that onTask throws on is nak'ed, and the pull goes on", async () => {
    const durable = await consumer();
    await publish(durable, 1);
    let calls = 0;
    const got: TaskMessage[] = [];
    const pull = new TaskPull(
      nc,
      { stream: 'PULL', consumer: durable, expiresMs: 5_000, inboxPrefix: '_INBOX_pulltest' },
      (m) => {
        if (++calls === 1) throw new Error('boom');
        got.push(m);
      },
      () => {},
    );
    pull.request(1);
    await until('the first delivery', () => calls === 1, 20_000);
    pull.request(1);
    await until('the redelivery', () => got.length === 1, 20_000);
    assert.equal(got[0]!.info.deliveryCount, 2, "nak'ed, so delivered again at once");
    got[0]!.ack();
    await settles(durable);
    pull.close();
  });
});

describe("deleteConsumer (the tests' delete, which tolerates nats-server 2.9.10's unlink race)", () => {
  const race = new JetStreamApiError({
    code: 500,
    err_code: 10051,
    description: 'unlinkat /tmp/x/obs/c: directory not empty',
  });
  const notFound = new JetStreamApiError({ code: 404, err_code: 10014, description: 'consumer not found' });
  /** A consumer created at 'first', whose delete fails with `deleted`, then reads as `after`. */
  const admin = (deleted: Error | undefined, after: string | Error) => {
    let infos = 0;
    return {
      consumers: {
        delete: () => (deleted ? Promise.reject(deleted) : Promise.resolve(true)),
        info: (): Promise<{ created: string }> =>
          ++infos === 1
            ? Promise.resolve({ created: 'first' })
            : typeof after === 'string'
              ? Promise.resolve({ created: after })
              : Promise.reject(after),
      },
    };
  };

  it('counts the race as a delete only when the consumer is gone or is another one', async () => {
    await deleteConsumer(admin(race, notFound), 'S', 'c');
    await deleteConsumer(admin(race, 'created again'), 'S', 'c');
    await assert.rejects(
      deleteConsumer(admin(race, 'first'), 'S', 'c'),
      /directory not empty/,
      'the same one',
    );
    await assert.rejects(
      deleteConsumer(admin(race, new Error('timeout')), 'S', 'c'),
      /directory not empty/,
      'gone not confirmed',
    );
  });

  it('throws any other error', async () => {
    await assert.rejects(deleteConsumer(admin(notFound, notFound), 'S', 'c'), /consumer not found/);
    const otherUnlink = new JetStreamApiError({
      code: 500,
      err_code: 10052,
      description: 'directory not empty',
    });
    await assert.rejects(deleteConsumer(admin(otherUnlink, notFound), 'S', 'c'), /directory not empty/);
  });
});
