/**
 * NATS lock-down against a real nats-server running deploy/nats/auth.conf as shipped, with a
 * real coordinator and worker: who may connect, what a worker's credentials may not do, and
 * results that do not answer a task the coordinator issued (forged, early, replayed for another
 * trial or study) are dropped and counted while the genuine ones are recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BUCKETS,
  decodeHandbackReply,
  decodeTask,
  encodeJson,
  STREAMS,
  SUBJECTS,
  type TaskEnvelope,
  WORKER_INBOX_PREFIX,
} from '@hpo/protocol';
import {
  Cluster,
  call,
  freePort,
  NatsServer,
  PERMISSION_USERS,
  scalingOf,
  smallChurnSpec,
  until,
  uploadDataset,
  watch,
} from '@hpo/testing/processes';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';

/** Connects as one of the users of auth.conf (or as nobody), with that user's inbox prefix. */
function as(cluster: Cluster, user: keyof typeof PERMISSION_USERS | undefined): Promise<NatsConnection> {
  const creds = user ? { user: PERMISSION_USERS[user].user, pass: PERMISSION_USERS[user].password } : {};
  return connect({
    servers: cluster.nats.url,
    ...creds,
    ...(user === 'worker' ? { inboxPrefix: WORKER_INBOX_PREFIX } : {}),
    ...(user === 'backup' ? { inboxPrefix: '_INBOX_hpo_backup' } : {}),
  });
}

/** Subscribes and waits (up to 20 s) for the server to refuse it; the refusal, or undefined. */
async function subscriptionRefusal(nc: NatsConnection, subject: string): Promise<string | undefined> {
  const statuses = nc.status();
  const refused = (async () => {
    for await (const s of statuses)
      if (s.type === 'error' && String(s.error).includes(`"${subject}"`)) return String(s.error);
    return undefined;
  })();
  nc.subscribe(subject, { callback: () => undefined });
  await nc.flush();
  const timeout = new Promise<undefined>((r) => setTimeout(r, 20_000, undefined).unref());
  return Promise.race([refused, timeout]);
}

/** Publishes and waits (up to 20 s) for the server to refuse it; the refusal, or undefined. */
async function refusal(nc: NatsConnection, subject: string): Promise<string | undefined> {
  const statuses = nc.status();
  const refused = (async () => {
    for await (const s of statuses)
      if (s.type === 'error' && String(s.error).includes(`"${subject}"`)) return String(s.error);
    return undefined; // the connection closed
  })();
  nc.publish(subject, new Uint8Array());
  await nc.flush();
  const timeout = new Promise<undefined>((r) => setTimeout(r, 20_000, undefined).unref());
  return Promise.race([refused, timeout]);
}

/**
 * A stream snapshot as `nats stream backup` takes it (the JetStream API's snapshot protocol):
 * the server sends chunks to an inbox, each acknowledged on its reply subject (flow control),
 * and an empty message ends it. Returns the stream's config and state, and the chunks.
 */
async function snapshot(
  nc: NatsConnection,
  stream: string,
): Promise<{ config: unknown; state: { messages: number; last_seq: number }; chunks: Uint8Array[] }> {
  const chunks: Uint8Array[] = [];
  const deliver = createInbox('_INBOX_hpo_backup');
  let done!: () => void;
  const ended = new Promise<void>((resolve) => {
    done = resolve;
  });
  const sub = nc.subscribe(deliver, {
    callback: (_err, m) => {
      if (m.data.length === 0) return done();
      chunks.push(m.data);
      if (m.reply) nc.publish(m.reply);
    },
  });
  try {
    const reply = await nc.request(
      `$JS.API.STREAM.SNAPSHOT.${stream}`,
      new TextEncoder().encode(JSON.stringify({ deliver_subject: deliver, chunk_size: 64 * 1024 })),
      { timeout: 20_000 },
    );
    const answer = JSON.parse(new TextDecoder().decode(reply.data));
    if (answer.error) throw new Error(`snapshot of ${stream}: ${JSON.stringify(answer.error)}`);
    // Bounded: a refused acknowledgement would stall the snapshot, not end it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      ended,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`snapshot of ${stream} stalled after ${chunks.length} chunks`)),
          60_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return { config: answer.config, state: answer.state, chunks };
  } finally {
    sub.unsubscribe();
  }
}

/** Restores a snapshot as `nats stream restore` does: the chunks as requests, then an empty one. */
async function restore(nc: NatsConnection, stream: string, snap: Awaited<ReturnType<typeof snapshot>>) {
  const ask = async (subject: string, data: Uint8Array) =>
    JSON.parse(new TextDecoder().decode((await nc.request(subject, data, { timeout: 20_000 })).data) || '{}');
  const start = await ask(
    `$JS.API.STREAM.RESTORE.${stream}`,
    new TextEncoder().encode(JSON.stringify({ config: snap.config, state: snap.state })),
  );
  if (start.error) throw new Error(`restore of ${stream}: ${JSON.stringify(start.error)}`);
  for (const chunk of snap.chunks) await nc.request(start.deliver_subject, chunk, { timeout: 20_000 });
  const end = await ask(start.deliver_subject, new Uint8Array());
  if (end.error) throw new Error(`restore of ${stream}: ${JSON.stringify(end.error)}`);
}

describe('NATS permissions and result authenticity (deploy/nats/auth.conf)', () => {
  let cluster: Cluster;
  let metricsPort: number;

  before(async () => {
    metricsPort = await freePort();
    cluster = await Cluster.start({ workers: 1, permissions: true, metricsPort });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('lets workers announce their slots under auth.conf: the coordinator hears the heartbeat', async () => {
    // A heartbeat the server refused would only show as slow dispatch (the prefetch still runs).
    await until('the worker heard', async () => (await scalingOf(metricsPort)).workerSlots === 1, 60_000);
  });

  it('refuses hand-backs that name no task the coordinator waits for: made up, wrong nonce, malformed', async () => {
    const nc = await as(cluster, 'worker');
    try {
      const ask = async (study: string, body: Uint8Array) =>
        decodeHandbackReply((await nc.request(SUBJECTS.handback(study), body, { timeout: 10_000 })).data);
      const forged = { id: 'nobody.0.0', seq: 1, nonce: 'A'.repeat(22), worker: 'mallory' };
      assert.deepEqual(await ask('nobody', encodeJson(forged)), {
        ok: false,
        error: 'no study here waits for that copy of the task',
      });
      const malformed = await ask('nobody', new TextEncoder().encode('{"id": 1}'));
      assert.equal(malformed.ok, false);
      assert.match(malformed.error ?? '', /handback/);
      // The backup user may read streams but change nothing.
      const backup = await as(cluster, 'backup');
      try {
        for (const subject of [SUBJECTS.task('any'), '$JS.API.STREAM.PURGE.HPO_EVENTS', SUBJECTS.drop('any')])
          assert.match(
            (await refusal(backup, subject)) ?? 'allowed',
            /Permissions Violation for Publish/,
            subject,
          );
      } finally {
        await backup.close();
      }
    } finally {
      await nc.close();
    }
  });

  it("takes back a task only from a worker that names its nonce: a waiting task's id and sequence with a wrong nonce are refused", async () => {
    const spec = smallChurnSpec(
      { name: 'handback', budget: { trials: 1, parallelism: 1 } },
      { epochs: 60, patience: 1000, layers: 2, batchSize: 32 },
    );
    const hash = await uploadDataset(cluster.api(), spec);
    await call(cluster.api(), 'CreateStudy', {
      spec: JSON.stringify(spec),
      datasetSha256: hash,
      studyId: 'handback',
    });
    // A task the coordinator waits for, read from the queue as the coordinator's user may.
    const reader = await as(cluster, 'coordinator');
    const nc = await as(cluster, 'worker');
    try {
      const jsm = await jetstreamManager(reader);
      let seq = 0;
      await until('a task queued', async () => {
        const info = await jsm.streams.info(STREAMS.tasks, { subjects_filter: SUBJECTS.task('handback') });
        seq = info.state.messages > 0 ? info.state.first_seq : 0;
        return seq > 0;
      });
      const stored = await jsm.streams.getMessage(STREAMS.tasks, { seq });
      const task = decodeTask(stored!.data);
      const ask = async (nonce: string) =>
        decodeHandbackReply(
          (
            await nc.request(
              SUBJECTS.handback('handback'),
              encodeJson({ id: task.id, seq, nonce, worker: 'mallory' }),
              { timeout: 10_000 },
            )
          ).data,
        );
      const wrong = task.nonce.startsWith('A') ? `B${task.nonce.slice(1)}` : `A${task.nonce.slice(1)}`;
      assert.deepEqual(await ask(wrong), {
        ok: false,
        error: 'no study here waits for that copy of the task',
      });
      // The holder's request (the right nonce) is taken: a fresh copy is queued.
      const right = await ask(task.nonce);
      assert.equal(right.ok, true, JSON.stringify(right));
      assert.ok((right.seq ?? 0) > seq);
      const copy = await jsm.streams.getMessage(STREAMS.tasks, { seq: right.seq! });
      assert.equal(decodeTask(copy!.data).id, task.id);
      await watch(cluster.api(), 'handback');
    } finally {
      await nc.close();
      await reader.close();
    }
  });

  it('the backup user takes a complete snapshot of the event log, which restores on a fresh server to the same events', async () => {
    // Events to back up: a study run to its end.
    const spec = smallChurnSpec({ name: 'backed-up', budget: { trials: 2, parallelism: 2 } });
    const hash = await uploadDataset(cluster.api(), spec);
    await call(cluster.api(), 'CreateStudy', {
      spec: JSON.stringify(spec),
      datasetSha256: hash,
      studyId: 'backed-up',
    });
    await watch(cluster.api(), 'backed-up');
    const backup = await as(cluster, 'backup');
    let snap: Awaited<ReturnType<typeof snapshot>>;
    try {
      snap = await snapshot(backup, STREAMS.events);
    } finally {
      await backup.close();
    }
    assert.ok(snap.state.messages > 0 && snap.chunks.length > 0, 'a snapshot with events');
    // Disaster recovery: the snapshot restored on a new, empty server.
    const fresh = await NatsServer.start();
    const nc = await connect({ servers: fresh.url });
    try {
      await restore(nc, STREAMS.events, snap);
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(STREAMS.events);
      assert.equal(info.state.messages, snap.state.messages);
      assert.equal(info.state.last_seq, snap.state.last_seq);
      // The study's log reads back the same: its last event, byte for byte.
      const last = { last_by_subj: SUBJECTS.events('backed-up') };
      const restored = await jsm.streams.getMessage(STREAMS.events, last);
      const reader = await as(cluster, 'coordinator');
      try {
        const original = await (await jetstreamManager(reader)).streams.getMessage(STREAMS.events, last);
        assert.ok(restored && original);
        assert.deepEqual(restored.data, original.data);
        assert.equal(restored.seq, original.seq);
      } finally {
        await reader.close();
      }
    } finally {
      await nc.close();
      await fresh.dispose();
    }
  });

  it('refuses a client without credentials, or with a wrong password', async () => {
    await assert.rejects(as(cluster, undefined), /Authorization Violation|AUTHORIZATION/i);
    await assert.rejects(
      connect({ servers: cluster.nats.url, user: 'hpo-worker', pass: 'wrong' }),
      /Authorization Violation|AUTHORIZATION/i,
    );
  });

  it("denies a worker's credentials control messages, tasks, the study KV, secrets and event log", async () => {
    const nc = await as(cluster, 'worker');
    try {
      for (const subject of [
        SUBJECTS.cancel('any'),
        SUBJECTS.drop('any'),
        SUBJECTS.task('any'),
        SUBJECTS.events('any'),
        `$KV.${BUCKETS.studies}.any`,
        `$KV.${BUCKETS.lease}.holder`,
        `$JS.API.STREAM.DELETE.HPO_TASKS`,
      ]) {
        assert.match((await refusal(nc, subject)) ?? 'allowed', /Permissions Violation for Publish/, subject);
      }
      // Nor may it listen where the coordinator's replies go (its secret, study records, tasks),
      // nor to another study's results.
      for (const subject of ['_INBOX.>', '_INBOX.*', '>', SUBJECTS.resultsAll, SUBJECTS.tasksAll])
        assert.match(
          (await subscriptionRefusal(nc, subject)) ?? 'allowed',
          /Permissions Violation for Subscription/,
          subject,
        );
      // Reading the study records or the coordinator's secret is denied too.
      for (const bucket of [BUCKETS.studies, BUCKETS.keys]) {
        await assert.rejects(
          (async () => {
            const kv = await new Kvm(nc).open(bucket);
            await kv.get('task-secret');
          })(),
          /Permissions Violation|permission/i,
          bucket,
        );
      }
    } finally {
      await nc.close().catch(() => undefined);
    }
  });

  it('records only genuine results: forged, early and replayed ones are dropped and counted', async () => {
    const spec = smallChurnSpec({ name: 'forged', budget: { trials: 2, parallelism: 1 } });
    const hash = await uploadDataset(cluster.api(), spec);
    // Watch the genuine results go by (as the coordinator's user may) to replay one later.
    const spy = await as(cluster, 'coordinator');
    const genuine: Record<string, unknown>[] = [];
    spy.subscribe(SUBJECTS.result('forged'), {
      callback: (_e, m) => {
        genuine.push(m.json());
      },
    });
    const worker = await as(cluster, 'worker');
    await call(cluster.api(), 'CreateStudy', {
      spec: JSON.stringify(spec),
      datasetSha256: hash,
      studyId: 'forged',
    });
    // Before trial 0 has run: a result with the best possible metrics, under every message id a
    // forger might guess, including the one results used before they carried a nonce.
    const id = 'forged.0.0';
    const forged = {
      id,
      study: 'forged',
      epoch: 'zzz',
      nonce: 'A'.repeat(22),
      ok: true,
      worker: 'evil',
      deliveries: 1,
      result: { metrics: { rocAuc: 0.999 } },
    };
    for (const msgID of [`${id}:result`, `${id}:result:AAAAAAAAAAAAAAAA`]) {
      await jetstream(worker).publish(SUBJECTS.result('forged'), encodeJson(forged), { msgID });
    }
    await watch(cluster.api(), 'forged');
    const study = await call<object, { state: string; best?: { value: number } }>(cluster.api(), 'GetStudy', {
      studyId: 'forged',
    });
    assert.equal(study.state, 'finished');
    assert.ok(
      study.best && study.best.value < 0.95,
      `the forged 0.999 is not the best (${study.best?.value})`,
    );
    const { trials } = await call<object, { trials: { number: number; foldsDone: number }[] }>(
      cluster.api(),
      'ListTrials',
      { studyId: 'forged' },
    );
    assert.ok(
      trials.every((t) => t.foldsDone === 3),
      'every genuine fold result was recorded',
    );

    // A genuine result replayed for another trial, and for another study: rejected too.
    const real = genuine.find((r) => r.id === 'forged.1.0')!;
    assert.ok(real, 'saw a genuine result');
    await jetstream(worker).publish(SUBJECTS.result('forged'), encodeJson({ ...real, id: 'forged.0.1' }));
    await jetstream(worker).publish(
      SUBJECTS.result('other'),
      encodeJson({ ...real, id: 'other.1.0', study: 'other' }),
    );
    const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (let i = 0; ; i++) {
      const m = /hpo_results_rejected_total\{reason="bad_nonce"\} (\d+)/.exec(await metrics());
      if (m && Number(m[1]) >= 3) break;
      assert.ok(i < 600, `rejections counted: ${await metrics()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(
      cluster.coordinator!.log,
      /dropping a result that does not answer a task this coordinator issued/,
    );
    assert.doesNotMatch(cluster.coordinator!.log, /AAAAAAAAAAAAAAAAAAAAAA/, 'nonces are not logged');
    await spy.close();
    await worker.close();
  });

  it('gives every task publish its own nonce, and a study run one study nonce', async () => {
    const nc = await as(cluster, 'coordinator');
    const seen: TaskEnvelope[] = [];
    const sub = nc.subscribe(SUBJECTS.tasksAll, {
      callback: (_e, m) => {
        seen.push(m.json());
      },
    });
    const spec = smallChurnSpec({ name: 'proofs', budget: { trials: 1, parallelism: 1 } });
    const hash = await uploadDataset(cluster.api(), spec);
    await call(cluster.api(), 'CreateStudy', {
      spec: JSON.stringify(spec),
      datasetSha256: hash,
      studyId: 'proofs',
    });
    await watch(cluster.api(), 'proofs');
    sub.unsubscribe();
    await nc.close();
    assert.ok(seen.length >= 3);
    assert.equal(new Set(seen.map((t) => t.nonce)).size, seen.length, 'one nonce per task publish');
    assert.equal(new Set(seen.filter((t) => t.task.kind === 'fold').map((t) => t.studyNonce)).size, 1);
  });
});

describe('control messages on an open NATS server', () => {
  it('an unsigned or forged cancel is ignored and counted; the study completes', async () => {
    const cluster = await Cluster.start({ workers: 0 });
    try {
      const workerMetrics = await freePort();
      const worker = await cluster.startWorker({ metricsPort: workerMetrics });
      await worker.waitFor('worker ready');
      const spec = smallChurnSpec({ name: 'spoofed', budget: { trials: 3, parallelism: 1 } });
      const hash = await uploadDataset(cluster.api(), spec);
      const nc = await connect({ servers: cluster.nats.url });
      // On an open server anyone can read the tasks, and so learn the coordinator's epoch.
      const firstTask = new Promise<TaskEnvelope>((resolve) => {
        const sub = nc.subscribe(SUBJECTS.task('spoofed'), {
          callback: (_e, m) => {
            sub.unsubscribe();
            resolve(m.json());
          },
        });
      });
      await nc.flush();
      await call(cluster.api(), 'CreateStudy', {
        spec: JSON.stringify(spec),
        datasetSha256: hash,
        studyId: 'spoofed',
      });
      const { epoch } = await firstTask;
      // The worker has had a task of the study (its folds may be too quick to log `task started`).
      await worker.waitFor('"task finished"');
      nc.publish(SUBJECTS.cancel('spoofed'));
      nc.publish(SUBJECTS.cancel('spoofed'), encodeJson({ studyNonce: 'C'.repeat(22), epoch }));
      nc.publish(SUBJECTS.drop('spoofed'), encodeJson({ id: 'spoofed.0.0', seq: 1 }));
      await nc.flush();
      await watch(cluster.api(), 'spoofed');
      const s = await call<object, { state: string; trialsDone: number }>(cluster.api(), 'GetStudy', {
        studyId: 'spoofed',
      });
      assert.equal(s.state, 'finished');
      assert.equal(s.trialsDone, 3);
      const text = await (await fetch(`http://127.0.0.1:${workerMetrics}/metrics`)).text();
      assert.match(
        text,
        /hpo_worker_control_rejected_total\{kind="cancel",reason="malformed",worker="[^"]+"\} 1/,
      );
      assert.match(
        text,
        /hpo_worker_control_rejected_total\{kind="cancel",reason="unmatched",worker="[^"]+"\} 1/,
      );
      assert.match(
        text,
        /hpo_worker_control_rejected_total\{kind="drop",reason="malformed",worker="[^"]+"\} 1/,
      );
      await worker.waitFor('unauthenticated cancel message ignored');
      await nc.close();
    } finally {
      await cluster.stop();
    }
  });
});
