/**
 * Distributed benchmark (JSON on stdout; not a test), on real processes:
 * - dispatch overhead per fold task: publish → result received, minus the worker's own
 *   training time (the task's timings.totalMs), p50/p99 over tiny folds through 1 worker, with
 *   NATS security off and on (interleaved); the event-log append latency (one JetStream
 *   publish) that recording a result costs; what a task's proofs cost; the JetStream floor of
 *   one such round trip with nothing of hpo in it;
 * - tiny-fold throughput on 2 workers x 1 thread (folds/s), with the workers' default prefetch
 *   (0) and with --prefetch 1, interleaved; and end to end, a study of tiny folds through the
 *   coordinator (folds/s from CreateStudy to the end of its watch, refit included);
 * - unary RPC latency in plaintext without tokens against TLS with a token (interleaved);
 * - study wall time with 1 vs 2 worker processes (1 thread each) on the same study;
 * - fair dispatch: the first-fold latency of a small study submitted behind a big one, with
 *   capacity-aware dispatch (--prefetch 2) and with everything queued (--prefetch 64);
 * - the soak (packages/testing/src/processes/soak.ts) at a larger size, with the coordinator's RSS;
 * - bounded start: a coordinator's time to ready with 1,000 ended studies in the store, with
 *   their summaries (this version's records) and without (an older version's: they are then
 *   summarised in the background, which is the replay an older start waited for);
 * - lease takeover: SIGKILL of the lease holder to the standby's 'coordinator ready';
 * - a worker's dataset download: peak RSS growth while a blob is fetched into the cache,
 *   streamed (DatasetCache) against read whole then written (what the cache did before).
 * - what a worker's pull of one task costs (`pullCost`): a request on its standing subscription
 *   against nats.js's fetch() of one message (CPU of both sides, wall);
 * - what a tiny fold's result costs to carry (bytes, µs of copies and checks), as sent against
 *   with the ROC and PR points results carried before (`resultCost`).
 * Flags: --quick, --only=<part,...>.
 */

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { TaskProofs } from '@hpo/coordinator/dist/task-proofs.js';
import {
  computeMetrics,
  computeScalarMetrics,
  encodeDataset,
  encodeOof,
  type FoldResult,
  type FoldTask,
  readCsvDataset,
  sha256Hex,
  stratifiedFold,
} from '@hpo/core';
import {
  BUCKETS,
  DEFAULT_QUEUE,
  decodeResult,
  encodeJson,
  ensureInfrastructure,
  foldResultOf,
  newSecret,
  type ResultEnvelope,
  SUBJECTS,
  type TaskEnvelope,
} from '@hpo/protocol';
import {
  CHURN,
  Cluster,
  call,
  createStudy,
  exportEvents,
  freePort,
  makeCerts,
  NatsServer,
  smallChurnSpec,
  soak,
  tempDir,
  uploadDataset,
  watch,
} from '@hpo/testing/processes';
import { initBackend, trainFold } from '@hpo/trainer';
import { type TaskMessage, TaskPull } from '@hpo/worker/dist/task-pull.js';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { median, quantile } from 'simple-statistics';

const quick = process.argv.includes('--quick');

/**
 * One cluster of the dispatch benchmark: NATS open, or with deploy/nats/auth.conf's users. This
 * process stands in for the coordinator (it publishes the tasks and checks each result's proof as
 * the results router does); the coordinator the cluster started is stopped once it has set up the
 * streams, or it would also consume every result (rejecting each with a warning: it did not issue
 * them), which no real run pays for.
 */
async function dispatchRig(secure: boolean, workers = 1, workerArgs: string[] = []) {
  const cluster = await Cluster.start({ workers: 0, threads: 1, ackWait: 30, permissions: secure });
  await cluster.coordinator!.kill('SIGTERM');
  for (let w = 0; w < workers; w++) await cluster.startWorker({ threads: 1, ackWait: 30, args: workerArgs });
  const creds = cluster.nats.credentials('coordinator');
  const nc = await connect({
    servers: cluster.nats.url,
    ...(creds ? { user: creds.user, pass: creds.password } : {}),
  });
  const jsm = await jetstreamManager(nc);
  await ensureInfrastructure(nc, jsm);
  const js = jetstream(nc);
  const ds = readCsvDataset(CHURN, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } });
  const bytes = encodeDataset(ds);
  const hash = sha256Hex(bytes);
  await (await new Objm(nc).open(BUCKETS.datasets)).putBlob({ name: hash }, bytes);
  const proofs = new TaskProofs(newSecret(), secure ? 'on1' : 'off1');
  const sub = nc.subscribe(SUBJECTS.result('bench'));
  const waiting = new Map<string, (r: ResultEnvelope) => void>();
  void (async () => {
    for await (const m of sub) {
      const r = decodeResult(m.data);
      // What the coordinator's router does with every result: check its proof.
      if (proofs.check(r, 'bench') === undefined) waiting.get(r.id)?.(r);
    }
  })();
  let i = 0;
  const tinyTask = (): FoldTask => {
    const task: FoldTask = {
      kind: 'fold',
      trial: i,
      datasetHash: hash,
      cv: { k: 5, seed: 1, repeat: 0, fold: i % 5 },
      params: { epochs: 1, layers: 1, units: 4, batchSize: 512, validationFraction: 0 },
      seed: i,
      threshold: 0.5,
    };
    i++;
    return task;
  };
  return {
    cluster,
    /** `n` tiny fold tasks published at once: folds per second from the first publish to the last result. */
    async burst(n: number): Promise<{ foldsPerSecond: number; seconds: number }> {
      const envelopes = Array.from({ length: n }, () => proofs.envelope('bench', tinyTask()));
      const results = envelopes.map(
        (e) => new Promise<ResultEnvelope>((resolve) => waiting.set(e.id, resolve)),
      );
      const started = performance.now();
      await Promise.all(
        envelopes.map((e) => js.publish(SUBJECTS.task('bench'), encodeJson(e), { msgID: e.id })),
      );
      const answers = await Promise.all(results);
      const seconds = (performance.now() - started) / 1000;
      for (const e of envelopes) waiting.delete(e.id);
      // A failed fold is no fold: it would make the figure look better than training is.
      for (const r of answers) assertTrained(r);
      return {
        foldsPerSecond: Math.round((n / seconds) * 10) / 10,
        seconds: Math.round(seconds * 100) / 100,
      };
    },
    /** One fold task's round trip (ms) and the worker's own time for it (ms). */
    async roundTrip(): Promise<{ rt: number; overhead: number; append: number }> {
      const task = tinyTask();
      const started = performance.now();
      const envelope: TaskEnvelope = proofs.envelope('bench', task);
      const result = new Promise<ResultEnvelope>((resolve) => waiting.set(envelope.id, resolve));
      await js.publish(SUBJECTS.task('bench'), encodeJson(envelope), { msgID: envelope.id });
      const r = await result;
      const rt = performance.now() - started;
      waiting.delete(envelope.id);
      assertTrained(r);
      const trainMs = (r.result as { timings: { totalMs: number } }).timings.totalMs;
      const t = performance.now();
      await js.publish(SUBJECTS.events('bench'), encodeJson({ type: 'fold_done', trial: i }));
      return { rt, overhead: rt - trainMs, append: performance.now() - t };
    },
    async stop() {
      await nc.drain();
      await cluster.stop();
    },
  };
}

/** Stops the benchmark at a fold that failed: its figures would count work that was not done. */
function assertTrained(r: ResultEnvelope): asserts r is Extract<ResultEnvelope, { ok: true }> {
  if (!r.ok) throw new Error(`bench task ${r.id} failed on ${r.worker}: ${r.error.message}`);
}

const q = (xs: number[], p: number) => Math.round(quantile(xs, p) * 100) / 100;

/**
 * Tiny folds (1 epoch, 4 units) on 2 workers x 1 thread, `n` published at once: folds per second
 * (issue 15's throughput target: >= 300). Five bursts after a warm-up one; the median. Beside it,
 * the same with the workers' `--prefetch 1`, bursts interleaved with the default's. This is the
 * workers' and NATS's ceiling: this process publishes the tasks and checks each result's proof
 * as the coordinator's router does, but records nothing and runs no optimizer (`endToEnd` below
 * measures a real study through the coordinator). Every task uses the same preprocessing, so
 * the threads' fitted-fold cache always hits after the first burst.
 */
async function tinyFoldThroughput(n: number) {
  const rig = await dispatchRig(false, 2);
  const prefetching = await dispatchRig(false, 2, ['--prefetch', '1']);
  try {
    // Warm-up: backends, the dataset cache of both workers, and JIT (a first burst of this size
    // runs about 25% slower than the next ones): the steady state a long study sees is measured.
    const warmUp = await rig.burst(n);
    await prefetching.burst(n);
    const runs = [];
    const runsPrefetching = [];
    for (let r = 0; r < 5; r++) {
      runs.push(await rig.burst(n));
      runsPrefetching.push(await prefetching.burst(n));
    }
    const rates = runs.map((x) => x.foldsPerSecond);
    const ratesPrefetching = runsPrefetching.map((x) => x.foldsPerSecond);
    return {
      folds: n,
      workers: 2,
      threadsPerWorker: 1,
      what: 'workers + NATS, tasks published by this process (no coordinator bookkeeping)',
      foldsPerSecond: q(rates, 0.5),
      runs,
      warmUp,
      target: '>= 300 folds/s',
      targetMet: quantile(rates, 0.5) >= 300,
      workerPrefetch1: {
        foldsPerSecond: q(ratesPrefetching, 0.5),
        runs: runsPrefetching,
        overDefault: Math.round((quantile(ratesPrefetching, 0.5) / quantile(rates, 0.5)) * 100) / 100,
        targetMet: quantile(ratesPrefetching, 0.5) >= 300,
      },
    };
  } finally {
    await rig.stop();
    await prefetching.stop();
  }
}

/**
 * The JetStream floor of one dispatch round trip, with nothing of hpo in it: a task published to
 * a file-backed work-queue stream, pulled by a durable consumer (a pull always open, as a
 * worker's is), answered by a publish with a msgID to a file-backed stream (as a result is), and
 * received by a subscriber; then acked. What is left of `dispatchOverheadMs` above this is hpo's.
 */
async function jetstreamFloor(rounds: number): Promise<{ p50: number; p99: number }> {
  const nats = await NatsServer.start();
  const [client, echo] = [await connect({ servers: nats.url }), await connect({ servers: nats.url })];
  try {
    const jsm = await jetstreamManager(client);
    for (const [name, subject, retention] of [
      ['FLOOR_TASKS', 'floor.task', RetentionPolicy.Workqueue],
      ['FLOOR_RESULTS', 'floor.result', RetentionPolicy.Limits],
    ] as const)
      await jsm.streams.add({ name, subjects: [subject], retention, storage: StorageType.File });
    await jsm.consumers.add('FLOOR_TASKS', { durable_name: 'floor', ack_policy: AckPolicy.Explicit });
    const js = jetstream(client);
    const ejs = jetstream(echo);
    const consumer = await ejs.consumers.get('FLOOR_TASKS', 'floor');
    const answering = (async () => {
      const messages = await consumer.consume({ max_messages: 1 });
      for await (const m of messages) {
        await ejs.publish('floor.result', m.data, { msgID: `r${m.seq}` });
        m.ack();
      }
    })();
    const sub = client.subscribe('floor.result');
    const replies = sub[Symbol.asyncIterator]();
    const payload = new Uint8Array(1500); // about a task envelope's size
    const rts: number[] = [];
    for (let i = 0; i < rounds + 20; i++) {
      const t = performance.now();
      await js.publish('floor.task', payload, { msgID: `t${i}` });
      await replies.next();
      if (i >= 20) rts.push(performance.now() - t);
    }
    sub.unsubscribe();
    void answering.catch(() => {});
    return { p50: q(rts, 0.5), p99: q(rts, 0.99) };
  } finally {
    await echo.close();
    await client.close();
    await nats.dispose();
  }
}

/**
 * Dispatch overhead per fold (publish → result received, minus the worker's training time),
 * with NATS security off (open server) and on (deploy/nats/auth.conf: the worker connects as
 * the restricted worker user), interleaved task by task, one at a time. Results carry their
 * proof in both modes (it is not optional) and are checked as the coordinator does.
 */
async function dispatchOverhead(tasks: number) {
  const [off, on] = [await dispatchRig(false), await dispatchRig(true)];
  try {
    // One task at a time on each rig, interleaved: `tasks` after 5 warm-up ones (fresh services).
    const sample = async () => {
      const stats = {
        off: [] as number[],
        on: [] as number[],
        rtOff: [] as number[],
        rtOn: [] as number[],
        append: [] as number[],
      };
      for (let i = 0; i < tasks + 5; i++) {
        const a = await off.roundTrip();
        const b = await on.roundTrip();
        if (i < 5) continue; // warm-up: the workers' backends
        stats.off.push(a.overhead);
        stats.on.push(b.overhead);
        stats.rtOff.push(a.rt);
        stats.rtOn.push(b.rt);
        stats.append.push(a.append);
      }
      return stats;
    };
    const fresh = await sample();
    // Then again on services that have run a while: bursts of tasks first, so that the handling
    // of a task (a few calls per task) is compiled by V8's optimizing tier, as in a worker that
    // has been up for some time.
    for (let b = 0; b < (quick ? 1 : 4); b++) {
      await off.burst(250);
      await on.burst(250);
    }
    const steady = await sample();
    const p50p99 = (xs: number[]) => ({ p50: q(xs, 0.5), p99: q(xs, 0.99) });
    const overhead = (stats: typeof fresh) => ({
      securityOff: p50p99(stats.off),
      securityOn: p50p99(stats.on),
      onOverOffP50: Math.round((quantile(stats.on, 0.5) / quantile(stats.off, 0.5)) * 1000) / 1000,
    });
    return {
      tasks,
      dispatchOverheadMs: {
        ...overhead(fresh),
        target: 'security on costs <= 10% of dispatch overhead (ratio <= 1.10)',
        issue15Target: 'p50 <= 1 ms (security off)',
        issue15TargetMet: quantile(fresh.off, 0.5) <= 1,
        afterWarmUp: { ...overhead(steady), issue15TargetMet: quantile(steady.off, 0.5) <= 1 },
      },
      roundTripMs: {
        securityOff: p50p99(fresh.rtOff),
        securityOn: p50p99(fresh.rtOn),
        afterWarmUp: { securityOff: p50p99(steady.rtOff), securityOn: p50p99(steady.rtOn) },
      },
      recordEventMs: p50p99(fresh.append),
      proofMicroseconds: proofCost(),
      jetstreamFloorMs: {
        ...(await jetstreamFloor(tasks)),
        what: 'publish → pull → publish with msgID → received, nothing of hpo: the part of the overhead that is NATS on this machine',
      },
    };
  } finally {
    await off.stop();
    await on.stop();
  }
}

/** A fold task whose envelope and result the in-process parts below issue and check. */
const PROOF_TASK: FoldTask = {
  kind: 'fold',
  trial: 1,
  datasetHash: 'a'.repeat(64),
  cv: { k: 5, seed: 1, repeat: 0, fold: 1 },
  params: {},
  seed: 1,
  threshold: 0.5,
};

/**
 * What a tiny fold's result costs to carry: as results are sent now (no ROC or PR points; the
 * report draws them from the out-of-fold block) against the same result with the points results
 * carried before (to 4 decimals, from the fold's probabilities). Bytes of JSON, and µs per result of the
 * copies every result goes through: the trainer thread's reply (a structured clone), the worker's
 * JSON encoding, the coordinator's decode and contract check, and its fold_done event's encoding.
 * Beside it, computing a fold's metrics without and with the curves, on the same fold and on 20,000
 * rows. The two interleaved, `rounds` of `perRound` each; medians. Not the whole saving: NATS's and the
 * event store's handling of the bytes is not in it (`endToEnd` has NATS's CPU a fold).
 */
async function resultCost(rounds: number, perRound: number) {
  await initBackend();
  const ds = readCsvDataset(CHURN, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } });
  const split = stratifiedFold(ds.labels, 5, 1, 0, 1);
  const { validProba, ...trained } = await trainFold({
    dataset: ds,
    train: split.train,
    valid: split.valid,
    params: { epochs: 1, layers: 1, units: 4, batchSize: 512, validationFraction: 0 },
    seed: 1,
  });
  const yValid = Uint8Array.from(split.valid, (r) => ds.labels[r]!);
  const sent: FoldResult = { ...trained, oof: encodeOof(yValid, validProba, 1) };
  // The points as the trainer made them before: from the fold's own probabilities, to 4 decimals.
  const { roc, pr } = computeMetrics(yValid, validProba).curves;
  const r4 = (xs: number[]) => xs.map((x) => Math.round(x * 1e4) / 1e4);
  const withCurves: FoldResult = {
    ...sent,
    metrics: {
      ...sent.metrics,
      curves: {
        roc: { fpr: r4(roc.fpr), tpr: r4(roc.tpr) },
        pr: { precision: r4(pr.precision), recall: r4(pr.recall) },
      },
    },
  };
  const env = new TaskProofs(newSecret(), 'x').envelope('bench', PROOF_TASK);
  const envelope = (result: FoldResult) =>
    ({
      id: env.id,
      study: 'bench',
      epoch: env.epoch,
      nonce: env.nonce,
      worker: 'w',
      deliveries: 1,
      ok: true,
      result,
    }) as const;
  const carry = (result: FoldResult) => {
    const reply = structuredClone(result);
    const decoded = foldResultOf(
      decodeResult(encodeJson(envelope(reply))) as Extract<ResultEnvelope, { ok: true }>,
    );
    encodeJson({ type: 'fold_done', at: new Date().toISOString(), trial: 1, fold: 1, result: decoded });
  };
  // `rounds` of `n` calls of each, interleaved, either first in turn (the garbage one leaves is
  // collected during the other's timing); a warm-up round first. Medians of µs a call.
  const interleaved = (fa: () => void, fb: () => void, n: number) => {
    const time = (f: () => void) => {
      const t = performance.now();
      for (let i = 0; i < n; i++) f();
      return ((performance.now() - t) * 1000) / n;
    };
    const [as, bs] = [[] as number[], [] as number[]];
    for (let r = 0; r < rounds + 1; r++) {
      let a: number;
      let b: number;
      if (r % 2 === 0) {
        a = time(fa);
        b = time(fb);
      } else {
        b = time(fb);
        a = time(fa);
      }
      if (r === 0) continue;
      as.push(a);
      bs.push(b);
    }
    return [q(as, 0.5), q(bs, 0.5), Math.round((median(bs) / median(as)) * 100) / 100] as const;
  };
  const bytes = (result: FoldResult) => encodeJson(envelope(result)).length;
  const [sentUs, withCurvesUs, ratio] = interleaved(
    () => carry(sent),
    () => carry(withCurves),
    perRound,
  );
  // The metrics a fold computes: without the curves (what results carry) and with them.
  const big = Array.from({ length: 20_000 }, (_, i) => ((i * 7919) % 10_007) / 10_007);
  const bigLabels = big.map((_, i) => (i % 4 === 0 ? 1 : 0));
  const metrics = (ys: ArrayLike<number>, ps: ArrayLike<number>, n: number) => {
    const [scalars, all, over] = interleaved(
      () => computeScalarMetrics(ys, ps),
      () => computeMetrics(ys, ps),
      n,
    );
    return { scalars, withCurves: all, withCurvesOverScalars: over };
  };
  return {
    what: 'a tiny churn fold (480 validation rows): thread reply clone + JSON encode + decode and contract check + fold_done event encode',
    bytes: { sent: bytes(sent), withCurves: bytes(withCurves) },
    microsecondsPerResult: { sent: sentUs, withCurves: withCurvesUs },
    withCurvesOverSent: ratio,
    metricsMicroseconds: {
      tinyFold: metrics(yValid, validProba, perRound),
      rows20000: metrics(bigLabels, big, Math.max(1, Math.round(perRound / 100))),
    },
  };
}

/**
 * What a worker's pull of one task costs, as the worker pulls now (a request on its standing
 * subscription, services/worker/src/task-pull.ts) against nats.js's `fetch()` of one message, as
 * the worker pulled before (which subscribes and unsubscribes an inbox per pull, and watches it
 * with a heartbeat monitor, a status iterator and timers: the bench compares the two ways as
 * wholes, not those parts): µs of this process's CPU,
 * of nats-server's CPU and of wall time per task, pull and ack, one task at a time as a worker
 * with one thread pulls. The two are interleaved, `rounds` rounds of `tasks` tasks each, the
 * order alternating; medians over the rounds.
 */
async function pullCost(rounds: number, tasks: number) {
  const nats = await NatsServer.start();
  const nc = await connect({ servers: nats.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: 'PULLBENCH',
      subjects: ['pullbench'],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
    await jsm.consumers.add('PULLBENCH', { durable_name: 'w', ack_policy: AckPolicy.Explicit });
    const js = jetstream(nc);
    const consumer = await js.consumers.get('PULLBENCH', 'w');
    let arrived: ((m: TaskMessage) => void) | undefined;
    const pull = new TaskPull(
      nc,
      { stream: 'PULLBENCH', consumer: 'w', expiresMs: 5_000 },
      (m) => arrived?.(m),
      () => {},
    );
    const payload = new Uint8Array(1500); // about a task envelope's size
    const ways = {
      standing: async () => {
        const m = await new Promise<TaskMessage>((resolve) => {
          arrived = resolve;
          pull.request(1);
        });
        m.ack();
      },
      fetch: async () => {
        for await (const m of await consumer.fetch({ max_messages: 1, expires: 5_000 })) m.ack();
      },
    };
    // nats-server's time on CPU in ns by thread (/proc/<pid>/task/*/schedstat): /proc/<pid>/stat
    // counts 10 ms ticks, too coarse for rounds of a few hundred ms.
    const serverNs = () => {
      const by = new Map<string, number>();
      for (const t of readdirSync(`/proc/${nats.pid}/task`)) {
        try {
          by.set(t, Number(readFileSync(`/proc/${nats.pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]));
        } catch {} // a thread that ended meanwhile
      }
      return by;
    };
    /** Milliseconds of CPU since `before`, over the threads in both readings. */
    const serverMsSince = (before: Map<string, number>) => {
      let ns = 0;
      for (const [t, now] of serverNs()) if (before.has(t)) ns += now - before.get(t)!;
      return ns / 1e6;
    };
    const per: Record<keyof typeof ways, { clientUs: number[]; serverUs: number[]; wallUs: number[] }> = {
      standing: { clientUs: [], serverUs: [], wallUs: [] },
      fetch: { clientUs: [], serverUs: [], wallUs: [] },
    };
    for (let r = 0; r < rounds + 1; r++) {
      const order = (r % 2 ? ['fetch', 'standing'] : ['standing', 'fetch']) as (keyof typeof ways)[];
      for (const way of order) {
        for (let i = 0; i < tasks; i++) await js.publish('pullbench', payload);
        const cpu = process.cpuUsage();
        const server = serverNs();
        const t = performance.now();
        for (let i = 0; i < tasks; i++) await ways[way]();
        const wall = performance.now() - t;
        const used = process.cpuUsage(cpu);
        if (r === 0) continue; // warm-up round
        per[way].clientUs.push((used.user + used.system) / tasks);
        per[way].serverUs.push((serverMsSince(server) * 1000) / tasks);
        per[way].wallUs.push((wall * 1000) / tasks);
      }
    }
    await pull.settled();
    pull.close();
    const summary = (x: (typeof per)['fetch']) => ({
      clientCpuUs: Math.round(median(x.clientUs)),
      serverCpuUs: Math.round(median(x.serverUs)),
      wallUs: Math.round(median(x.wallUs)),
    });
    const [standing, fetch] = [summary(per.standing), summary(per.fetch)];
    return {
      rounds,
      tasksPerRound: tasks,
      what: 'one task pulled and acked at a time: µs per task (CPU of this process, of nats-server from /proc schedstat, wall)',
      standingSubscription: standing,
      fetchPerPull: fetch,
      fetchOverStanding: {
        clientCpu: Math.round((fetch.clientCpuUs / standing.clientCpuUs) * 100) / 100,
        serverCpu: Math.round((fetch.serverCpuUs / standing.serverCpuUs) * 100) / 100,
        wall: Math.round((fetch.wallUs / standing.wallUs) * 100) / 100,
      },
    };
  } finally {
    await nc.close();
    await nats.dispose();
  }
}

/** What a task's proofs cost the coordinator: issuing an envelope and checking its result (µs). */
function proofCost() {
  const proofs = new TaskProofs(newSecret(), 'x');
  const task = PROOF_TASK;
  const n = 20_000;
  let t = performance.now();
  let env: TaskEnvelope | undefined;
  for (let i = 0; i < n; i++) env = proofs.envelope('bench', task);
  const issue = ((performance.now() - t) * 1000) / n;
  const result = {
    id: env!.id,
    study: 'bench',
    epoch: env!.epoch,
    nonce: env!.nonce,
    ok: false,
    error: { kind: 'internal', message: '', retryable: false },
    worker: 'w',
    deliveries: 1,
  } as const;
  t = performance.now();
  for (let i = 0; i < n; i++) proofs.check(result, 'bench');
  const check = ((performance.now() - t) * 1000) / n;
  return { issue: Math.round(issue * 10) / 10, check: Math.round(check * 10) / 10 };
}

/**
 * Unary RPC latency (ListStudies, warm channels) against a coordinator in plaintext without
 * tokens and one with TLS and an auth file (plus NATS users), calls interleaved A B A B.
 */
async function rpcLatency(calls: number) {
  const certs = makeCerts();
  const dir = tempDir('hpo-bench-auth-');
  const token = 'bench-token-0123456789';
  const authFile = join(dir, 'auth.yaml');
  writeFileSync(
    authFile,
    `tokens:\n  - { name: bench, sha256: ${createHash('sha256').update(token).digest('hex')}, tenant: bench, role: admin }\n`,
  );
  const plain = await Cluster.start({ workers: 0 });
  const secure = await Cluster.start({
    workers: 0,
    permissions: true,
    tls: { cert: certs.serverCert, key: certs.serverKey },
    authFile,
  });
  const a = plain.api();
  const b = secure.connect({
    credentials: grpc.credentials.createSsl(readFileSync(certs.ca)),
    token,
    host: 'localhost',
  });
  try {
    const ta: number[] = [];
    const tb: number[] = [];
    const once = async (client: typeof a, into: number[]) => {
      const t = performance.now();
      await call(client, 'ListStudies', {});
      into.push(performance.now() - t);
    };
    for (let i = 0; i < calls + 20; i++) {
      await once(a, i < 20 ? [] : ta);
      await once(b, i < 20 ? [] : tb);
    }
    return {
      calls,
      plaintextNoAuthMs: { p50: q(ta, 0.5), p99: q(ta, 0.99) },
      tlsAndTokenMs: { p50: q(tb, 0.5), p99: q(tb, 0.99) },
      onOverOffP50: Math.round((quantile(tb, 0.5) / quantile(ta, 0.5)) * 1000) / 1000,
    };
  } finally {
    b.close();
    await plain.stop();
    await secure.stop();
  }
}

async function studyWallTime(workers: number) {
  const cluster = await Cluster.start({ workers, threads: 1, ackWait: 30 });
  try {
    const spec = smallChurnSpec({
      name: `wall-${workers}`,
      budget: { trials: quick ? 4 : 10, parallelism: 2 },
      sampler: { type: 'random', seed: 1 },
    });
    (spec.search as { fixed: Record<string, unknown> }).fixed = {
      epochs: 60,
      patience: 1000,
      layers: 2,
      batchSize: 32,
    };
    const client = cluster.api();
    const hash = await uploadDataset(client, spec);
    // Warm each worker's thread (backend start-up) before timing.
    await call(client, 'CreateStudy', {
      spec: JSON.stringify({ ...spec, name: 'warm', budget: { trials: 1, parallelism: 1 } }),
      datasetSha256: hash,
      studyId: 'warm',
    });
    await watch(client, 'warm');
    const started = performance.now();
    await call(client, 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: hash, studyId: 'timed' });
    await watch(client, 'timed');
    const seconds = (performance.now() - started) / 1000;
    return {
      workers,
      trials: (spec.budget as { trials: number }).trials,
      folds: 3 * (spec.budget as { trials: number }).trials,
      seconds: Math.round(seconds * 100) / 100,
    };
  } finally {
    await cluster.stop();
  }
}

/**
 * Tiny folds end to end: studies through the coordinator and 2 workers x 1 thread (random
 * sampler, preprocessing sampled too, 1 epoch of 4-8 units, 5 folds, parallelism 8), with each
 * worker's default prefetch and with --prefetch 1: trials x folds over the wall time from
 * CreateStudy to the study's end (its refit included), and the CPU time each process spent per
 * fold meanwhile, with the machine's idle share.
 *
 * Each cluster runs two measured studies, one after the other on the same processes:
 * - `fresh`: the first, after only a 2-trial warm-up study on other folds (backends loaded,
 *   dataset fetched): what a study gets from services just started;
 * - `steady`: the next one, on other folds again, so that for both the threads' fold deals and
 *   fitted preprocessing start empty (cv seeds 3, 1, 2): services that have run a while, their
 *   hot code compiled by V8's optimizing tier. Most of the handling of a task runs a few times
 *   per fold, so it takes a study of this size for it to be optimized.
 */
async function endToEnd(trials: number) {
  type Measured = { foldsPerSecond: number; cpu?: CpuPerFold };
  const run = async (workerArgs: string[]): Promise<{ fresh: Measured; steady: Measured }> => {
    const cluster = await Cluster.start({ workers: 0, threads: 1, ackWait: 30, capacity: 64 });
    try {
      for (let w = 0; w < 2; w++) await cluster.startWorker({ threads: 1, ackWait: 30, args: workerArgs });
      const study = (name: string, cvSeed: number, n: number, parallelism: number) => {
        const spec = smallChurnSpec(
          {
            name,
            cv: { k: 5, seed: cvSeed },
            budget: { trials: n, parallelism },
            sampler: { type: 'random', seed: 1 },
          },
          { epochs: 1, layers: 1, batchSize: 512, validationFraction: 0 },
        );
        (spec.search as { space: Record<string, unknown> }).space = {
          units: { type: 'int', low: 4, high: 8 },
          learningRate: { type: 'float', low: 0.001, high: 0.03, log: true },
          imputer: { type: 'categorical', choices: ['median', 'mean'] },
          scaler: { type: 'categorical', choices: ['standard', 'minmax'] },
        };
        return spec;
      };
      const client = cluster.api();
      const hash = await uploadDataset(client, study('tiny', 1, trials, 8));
      await call(client, 'CreateStudy', {
        spec: JSON.stringify(study('warm', 3, 2, 2)),
        datasetSha256: hash,
        studyId: 'warm',
      });
      await watch(client, 'warm');
      const pids = {
        coordinator: [cluster.coordinator!.proc.pid!],
        workers: cluster.workers.map((w) => w.proc.pid!),
        nats: [cluster.nats.pid!],
        client: [process.pid],
      };
      const measure = async (id: string, cvSeed: number): Promise<Measured> => {
        const cpuBefore = cpuSnapshot(pids);
        const started = performance.now();
        await call(client, 'CreateStudy', {
          spec: JSON.stringify(study(id, cvSeed, trials, 8)),
          datasetSha256: hash,
          studyId: id,
        });
        await watch(client, id);
        const seconds = (performance.now() - started) / 1000;
        const cpu = cpuPerFold(cpuBefore, cpuSnapshot(pids), trials * 5);
        // Every fold trained: a failing fold would be cheaper than a trained one and flatter the figure.
        const log = await exportEvents<{ type: string; error?: string }>(client, id);
        const done = log.filter((e) => e.type === 'fold_done').length;
        const failed = log.find((e) => e.type === 'fold_failed');
        if (done !== trials * 5 || failed)
          throw new Error(
            `endToEnd: ${done} of ${trials * 5} folds of ${id} trained${failed ? `; one failed: ${failed.error}` : ''}`,
          );
        return { foldsPerSecond: Math.round(((trials * 5) / seconds) * 10) / 10, ...(cpu ? { cpu } : {}) };
      };
      const fresh = await measure('tiny', 1);
      const steady = await measure('tiny-steady', 2);
      return { fresh, steady };
    } finally {
      await cluster.stop();
    }
  };
  const byDefault: { fresh: Measured; steady: Measured }[] = [];
  const prefetching: { fresh: Measured; steady: Measured }[] = [];
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    byDefault.push(await run([]));
    prefetching.push(await run(['--prefetch', '1']));
  }
  const summary = (ms: Measured[]) => {
    const cpus = ms.flatMap((r) => (r.cpu ? [r.cpu] : []));
    return {
      foldsPerSecond: median(ms.map((r) => r.foldsPerSecond)),
      runs: ms.map((r) => r.foldsPerSecond),
      // Where the CPU goes (medians over the runs, each key on its own; Linux /proc): the
      // machine's 2 cores are the bound when idlePercent is near 0, and `total` (the processes'
      // sum; the main threads are parts of theirs) is what one fold costs end to end.
      ...(cpus.length
        ? {
            cpuMsPerFold: Object.fromEntries(
              (
                [
                  'coordinator',
                  'coordinatorMainThread',
                  'workers',
                  'workersMainThreads',
                  'nats',
                  'client',
                  'total',
                ] as const
              ).map((k) => [k, Math.round(median(cpus.map((c) => c[k])) * 100) / 100]),
            ),
            idlePercent: Math.round(median(cpus.map((c) => c.idlePercent))),
          }
        : { cpuMsPerFold: 'not measured (no /proc)' }),
    };
  };
  return {
    trials,
    folds: trials * 5,
    fresh: summary(byDefault.map((r) => r.fresh)),
    steady: summary(byDefault.map((r) => r.steady)),
    workerPrefetch1: {
      fresh: summary(prefetching.map((r) => r.fresh)),
      steady: summary(prefetching.map((r) => r.steady)),
    },
    issue15Target: '>= 300 folds/s',
  };
}

type CpuKind = 'coordinator' | 'workers' | 'nats' | 'client';
/**
 * Per fold: each kind's CPU, the coordinator's and the workers' main threads alone (their other
 * threads are the workers' training threads, and V8's and libuv's helpers), the total, and the
 * machine's idle share.
 */
type CpuPerFold = Record<
  CpuKind | 'coordinatorMainThread' | 'workersMainThreads' | 'total' | 'idlePercent',
  number
>;
interface CpuSnapshot {
  ms: Record<CpuKind, number>;
  /**
   * The main thread's CPU (ms) of the coordinator, and of the workers together (per fold, that is
   * a worker's main thread per task, whichever worker ran it).
   */
  mainMs: { coordinator: number; workers: number };
  /** /proc/stat's first line: the machine's jiffies by state (idle and iowait at 3 and 4). */
  machine: number[];
}

/** Clock ticks per second of /proc's CPU times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (ms, user + system, all threads) of each kind of process, the coordinator's and the
 * workers' main threads alone, and the machine's; undefined without /proc.
 */
function cpuSnapshot(pids: Record<CpuKind, number[]>): CpuSnapshot | undefined {
  try {
    const ms = {} as Record<CpuKind, number>;
    // utime + stime of a process (all its threads) or, under task/, of one thread.
    const cpuMs = (stat: string) => {
      const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
    };
    for (const [kind, list] of Object.entries(pids) as [CpuKind, number[]][]) {
      ms[kind] = 0;
      for (const pid of list) ms[kind] += cpuMs(`/proc/${pid}/stat`);
    }
    const main = (list: number[]) =>
      list.reduce((sum, pid) => sum + cpuMs(`/proc/${pid}/task/${pid}/stat`), 0);
    const mainMs = { coordinator: main(pids.coordinator), workers: main(pids.workers) };
    const machine = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return { ms, mainMs, machine };
  } catch {
    return undefined;
  }
}

function cpuPerFold(
  a: CpuSnapshot | undefined,
  b: CpuSnapshot | undefined,
  folds: number,
): CpuPerFold | undefined {
  if (!a || !b) return undefined;
  const out = {} as CpuPerFold;
  let total = 0;
  for (const k of Object.keys(a.ms) as CpuKind[]) {
    out[k] = (b.ms[k] - a.ms[k]) / folds;
    total += out[k];
  }
  out.total = total;
  out.coordinatorMainThread = (b.mainMs.coordinator - a.mainMs.coordinator) / folds;
  out.workersMainThreads = (b.mainMs.workers - a.mainMs.workers) / folds;
  const d = b.machine.map((v, i) => v - (a.machine[i] ?? 0));
  const all = d.reduce((x, y) => x + y, 0);
  out.idlePercent = all > 0 ? (100 * ((d[3] ?? 0) + (d[4] ?? 0))) / all : 0;
  return out;
}

/**
 * A small study submitted while a big one fills both workers (2 × 1 thread, --capacity 64): how
 * long until its first fold is done, in seconds and in median fold times of the big study, and
 * how many of the big study's folds finished first. With the default --prefetch 2 the coordinator
 * queues only the workers' slots plus 2; --prefetch 64 queues everything up to --capacity, as
 * before capacity-aware dispatch.
 */
async function smallBehindBig(prefetch: number) {
  const cluster = await Cluster.start({
    workers: 2,
    threads: 1,
    ackWait: 30,
    capacity: 64,
    coordinatorArgs: ['--prefetch', String(prefetch)],
  });
  try {
    const spec = (name: string, trials: number, parallelism: number) =>
      smallChurnSpec(
        { name, budget: { trials, parallelism }, sampler: { type: 'random', seed: 1 } },
        { epochs: 15, patience: 100, layers: 1, batchSize: 32 },
      );
    const client = cluster.api();
    const big = spec('big', 16, 16);
    const hash = await uploadDataset(client, big);
    await call(client, 'CreateStudy', {
      spec: JSON.stringify({ ...big, name: 'warm', budget: { trials: 2, parallelism: 2 } }),
      datasetSha256: hash,
      studyId: 'warm',
    });
    await watch(client, 'warm');
    await call(client, 'CreateStudy', { spec: JSON.stringify(big), datasetSha256: hash, studyId: 'big' });
    let bigFolds = 0;
    let ready: () => void;
    const threeDone = new Promise<void>((r) => {
      ready = r;
    });
    const bigDone = watch(client, 'big', (e) => {
      if (e.type === 'fold_done' && ++bigFolds === 3) ready();
    });
    await threeDone;
    const started = performance.now();
    await call(client, 'CreateStudy', {
      spec: JSON.stringify(spec('small', 1, 1)),
      datasetSha256: hash,
      studyId: 'small',
    });
    const mark = bigFolds;
    let latency = Number.NaN;
    let between = 0;
    await watch(
      client,
      'small',
      (e) => {
        if (e.type === 'fold_done' && Number.isNaN(latency)) {
          latency = (performance.now() - started) / 1000;
          between = bigFolds - mark;
        }
      },
      1,
    );
    await bigDone;
    const events = await exportEvents<{ type: string; result?: { timings: { totalMs: number } } }>(
      client,
      'big',
    );
    const smallEvents = await exportEvents<{ type: string; result?: { timings: { totalMs: number } } }>(
      client,
      'small',
    );
    // Its own training time: what is left of the latency is the wait for a slot and the queue.
    const ownSeconds = smallEvents.find((e) => e.type === 'fold_done')!.result!.timings.totalMs / 1000;
    const foldSeconds = events
      .filter((e) => e.type === 'fold_done')
      .map((e) => e.result!.timings.totalMs / 1000);
    const median = quantile(foldSeconds, 0.5);
    return {
      prefetch,
      firstFoldSeconds: Math.round(latency * 100) / 100,
      medianFoldSeconds: Math.round(median * 100) / 100,
      inMedianFolds: Math.round((latency / median) * 100) / 100,
      startedAfterSeconds: Math.round((latency - ownSeconds) * 100) / 100,
      startInMedianFolds: Math.round(((latency - ownSeconds) / median) * 100) / 100,
      bigFoldsFinishedFirst: between,
    };
  } finally {
    await cluster.stop();
  }
}

/** Interleaved runs of the default prefetch and the queue-everything one; medians. */
async function fairness(rounds: number) {
  const runs: Record<string, Awaited<ReturnType<typeof smallBehindBig>>[]> = {
    capacityAware: [],
    queueAll: [],
  };
  for (let i = 0; i < rounds; i++) {
    runs.capacityAware!.push(await smallBehindBig(2));
    runs.queueAll!.push(await smallBehindBig(64));
  }
  const med = (xs: number[]) => Math.round(quantile(xs, 0.5) * 100) / 100;
  const summary = (rs: Awaited<ReturnType<typeof smallBehindBig>>[]) => ({
    firstFoldSeconds: med(rs.map((r) => r.firstFoldSeconds)),
    inMedianFolds: med(rs.map((r) => r.inMedianFolds)),
    startInMedianFolds: med(rs.map((r) => r.startInMedianFolds)),
    bigFoldsFinishedFirst: med(rs.map((r) => r.bigFoldsFinishedFirst)),
  });
  return {
    rounds,
    setup:
      'big study 16 trials x 3 folds (parallelism 16) on 2 workers x 1 thread, --capacity 64; small study (1 trial) submitted after 3 of its folds',
    capacityAware: { prefetch: 2, ...summary(runs.capacityAware!) },
    queueAll: { prefetch: 64, ...summary(runs.queueAll!) },
    target: "small study's first fold within about one median fold time",
    runs,
  };
}

/** Raw messages of one subject of a stream, in order. */
async function rawMessages(nc: Awaited<ReturnType<typeof connect>>, stream: string, subject: string) {
  const jsm = await jetstreamManager(nc);
  const out: Uint8Array[] = [];
  for (let seq = 1; ; ) {
    const m = await jsm.streams
      .getMessage(stream, { seq, next_by_subj: subject } as { seq: number })
      .catch(() => null);
    if (!m) return out;
    out.push(m.data);
    seq = m.seq + 1;
  }
}

/**
 * Time to ready with `studies` ended studies in the store. One real study is run, then its record
 * and event log are copied under `studies` ids; the coordinator is restarted on them, alternately
 * with this version's records (a summary each) and an older version's (none), `rounds` times each.
 */
async function boundedStart(studies: number, rounds: number) {
  const cluster = await Cluster.start({ workers: 1 });
  const nc = await connect({ servers: cluster.nats.url });
  try {
    const spec = smallChurnSpec({ name: 'seed', budget: { trials: 3, parallelism: 1 } });
    await createStudy(cluster.api(), spec, 'seed');
    await watch(cluster.api(), 'seed');
    await cluster.coordinator!.kill('SIGTERM');
    const kv = await new Kvm(nc).open(BUCKETS.studies);
    const record = (await kv.get('seed'))!.json<Record<string, unknown>>();
    const events = await rawMessages(nc, 'HPO_EVENTS', SUBJECTS.events('seed'));
    const js = jetstream(nc);
    for (let i = 0; i < studies; i += 50) {
      const batch = Array.from({ length: Math.min(50, studies - i) }, (_, j) => `ended-${i + j}`);
      await Promise.all(
        batch.flatMap((id) => [
          ...events.map((e) => js.publish(SUBJECTS.events(id), e)),
          kv.put(id, JSON.stringify({ ...record, id })),
        ]),
      );
    }
    const { summary, ...older } = record;
    const setRecords = async (text: (id: string) => string) => {
      for (let i = 0; i < studies; i += 100)
        await Promise.all(
          Array.from({ length: Math.min(100, studies - i) }, (_, j) =>
            kv.put(`ended-${i + j}`, text(`ended-${i + j}`)),
          ),
        );
    };
    const runs: Record<
      'summaries' | 'older',
      { readyMs: number[]; listMs: number[]; summariseMs: number[] }
    > = {
      summaries: { readyMs: [], listMs: [], summariseMs: [] },
      older: { readyMs: [], listMs: [], summariseMs: [] },
    };
    for (let r = 0; r < rounds; r++)
      for (const variant of ['summaries', 'older'] as const) {
        await setRecords((id) =>
          JSON.stringify(
            variant === 'summaries'
              ? { ...record, id, summary: { ...(summary as object), studyId: id } }
              : { ...older, id },
          ),
        );
        const t0 = performance.now();
        const svc = cluster.spawnCoordinator({}, cluster.grpcPort);
        await svc.waitFor('coordinator ready', 300_000);
        runs[variant].readyMs.push(Math.round(performance.now() - t0));
        const client = cluster.connect({});
        const t1 = performance.now();
        const list = await call<object, { studies: unknown[] }>(client, 'ListStudies', {});
        runs[variant].listMs.push(Math.round(performance.now() - t1));
        client.close();
        if (list.studies.length !== studies + 1) throw new Error(`listed ${list.studies.length} studies`);
        if (variant === 'older') {
          await svc.waitFor('summarised ended studies', 600_000);
          const m = /"studies":(\d+),"ms":(\d+),"msg":"summarised/.exec(svc.log);
          runs[variant].summariseMs.push(Number(m?.[2]));
        }
        await svc.kill('SIGTERM');
      }
    const med = (xs: number[]) => (xs.length ? median(xs) : null);
    const ready = med(runs.summaries.readyMs);
    return {
      endedStudies: studies,
      eventsPerStudy: events.length,
      rounds,
      target: 'ready in <= 5000 ms',
      targetMet: ready !== null && ready <= 5000,
      readyMsMedian: { summaries: med(runs.summaries.readyMs), older: med(runs.older.readyMs) },
      listStudiesMsMedian: { summaries: med(runs.summaries.listMs), older: med(runs.older.listMs) },
      backgroundSummariseMsMedian: med(runs.older.summariseMs),
      note: 'older: records without a summary; the background summarising replays every ended log once, which is what a start before this version waited for before serving',
      runs,
    };
  } finally {
    await nc.close();
    await cluster.stop();
  }
}

/**
 * A worker fetching a `mb` MiB dataset blob into its cache: streamed to disk while hashed (the
 * DatasetCache), against the blob read whole then written (the cache before), interleaved, each
 * in its own process (download-probe.ts), its peak RSS growth.
 */
async function cacheDownload(mb: number, rounds: number) {
  const server = await NatsServer.start();
  const nc = await connect({ servers: server.url });
  try {
    await ensureInfrastructure(nc, await jetstreamManager(nc), { ...DEFAULT_QUEUE, storeMaxMb: 8 * mb });
    const store = await new Objm(nc).open(BUCKETS.datasets);
    const blob = new Uint8Array(mb * 1024 * 1024);
    for (let i = 0; i < blob.length; i += 65536) blob.set(randomBytes(Math.min(65536, blob.length - i)), i);
    const hash = sha256Hex(blob);
    await store.putBlob({ name: hash }, blob);
    const growth = { streamed: [] as number[], whole: [] as number[] };
    const probe = join(dirname(fileURLToPath(import.meta.url)), 'download-probe.js');
    for (let r = 0; r < rounds; r++)
      for (const variant of ['streamed', 'whole'] as const) {
        const out = execFileSync(process.execPath, [probe, server.url, hash, variant]).toString();
        growth[variant].push((JSON.parse(out) as { peakGrowthMiB: number }).peakGrowthMiB);
      }
    return {
      blobMiB: mb,
      rounds,
      peakRssGrowthMiB: growth,
      medianMiB: { streamed: median(growth.streamed), whole: median(growth.whole) },
    };
  } finally {
    await nc.close();
    await server.dispose();
  }
}

/** SIGKILL of the lease holder to the standby's 'coordinator ready', `rounds` times. */
async function leaseTakeover(leaseSeconds: number, rounds: number) {
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const cluster = await Cluster.start({ workers: 0 });
    try {
      await cluster.coordinator!.kill('SIGKILL');
      const leader = cluster.spawnCoordinator({ leaseSeconds }, cluster.grpcPort);
      await leader.waitFor('coordinator ready');
      const standby = cluster.spawnCoordinator({ leaseSeconds }, await freePort());
      await standby.waitFor('standing by');
      const t0 = performance.now();
      await leader.kill('SIGKILL');
      await standby.waitFor('coordinator ready', 120_000);
      ms.push(Math.round(performance.now() - t0));
    } finally {
      await cluster.stop();
    }
  }
  return {
    leaseSeconds,
    rounds,
    takeoverMs: ms,
    takeoverMsMedian: median(ms),
    bound: `<= lease (${leaseSeconds * 1000} ms) + a poll (${leaseSeconds * 200} ms)`,
  };
}

// --only=a,b runs some parts (names as in the JSON), e.g. --only=boundedStart,leaseTakeover.
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const want = (part: string) => !only || only.includes(part);
const started = want('boundedStart') ? await boundedStart(quick ? 200 : 1000, quick ? 1 : 3) : undefined;
const takeover = want('leaseTakeover') ? await leaseTakeover(3, quick ? 2 : 5) : undefined;
const download = want('cacheDownload') ? await cacheDownload(quick ? 64 : 256, quick ? 1 : 3) : undefined;
const fair = want('fairDispatch') ? await fairness(quick ? 1 : 3) : undefined;
// The soak at benchmark size: studies, folds, duration, and coordinator RSS through the run.
const soaked = want('soak')
  ? await soak({ studies: quick ? 8 : 20, trials: quick ? 4 : 6, killEveryMs: 3000 })
  : undefined;
const soakReport = soaked && {
  ...soaked,
  rssMiB: {
    first: soaked.rssMiB[0],
    last: soaked.rssMiB.at(-1),
    max: Math.max(...soaked.rssMiB),
    samples: soaked.rssMiB.length,
  },
};
const overhead = want('dispatch') ? await dispatchOverhead(quick ? 30 : 200) : undefined;
const pulls = want('pullCost') ? await pullCost(quick ? 2 : 9, quick ? 200 : 1000) : undefined;
const throughput = want('throughput') ? await tinyFoldThroughput(quick ? 100 : 600) : undefined;
const endToEndTiny = want('endToEnd') ? await endToEnd(quick ? 20 : 480) : undefined;
const rpc = want('rpc') ? await rpcLatency(quick ? 100 : 400) : undefined;
const one = want('studyWallTime') ? await studyWallTime(1) : undefined;
const two = want('studyWallTime') ? await studyWallTime(2) : undefined;
// Last: it loads TensorFlow.js into this process, which stands in as coordinator above.
const results = want('resultCost') ? await resultCost(quick ? 5 : 21, quick ? 50 : 200) : undefined;
process.stdout.write(
  `${JSON.stringify({ boundedStart: started, leaseTakeover: takeover, cacheDownload: download, fairDispatch: fair, soak: soakReport, dispatch: overhead, pullCost: pulls, resultCost: results, throughput, endToEnd: endToEndTiny, rpc, studyWallTime: one && two ? { one, two, speedup: Math.round((one.seconds / two.seconds) * 100) / 100 } : undefined }, null, 2)}\n`,
);
