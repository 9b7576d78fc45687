/**
 * Distributed benchmark (JSON on stdout; not a test), on real processes:
 * - dispatch overhead per fold task: publish → result received, minus the worker's own
 *   training time (the task's timings.totalMs), p50/p99 over tiny folds through 1 worker;
 *   and the event-log append latency (one JetStream publish) that recording a result costs;
 * - study wall time with 1 vs 2 worker processes (1 thread each) on the same study.
 * Flags: --quick.
 */

import { TaskProofs } from '@hpo/coordinator/dist/task-proofs.js';
import { encodeDataset, type FoldTask, readCsvDataset, sha256Hex } from '@hpo/core';
import {
  BUCKETS,
  decodeResult,
  encodeJson,
  ensureInfrastructure,
  newSecret,
  SUBJECTS,
  type TaskEnvelope,
} from '@hpo/protocol';
import { CHURN, Cluster, call, smallChurnSpec, uploadDataset, watch } from '@hpo/testing/processes';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { quantile } from 'simple-statistics';

const quick = process.argv.includes('--quick');

async function dispatchOverhead(tasks: number) {
  const cluster = await Cluster.start({ workers: 1, ackWait: 30 });
  try {
    const nc = await connect({ servers: cluster.nats.url });
    const jsm = await jetstreamManager(nc);
    await ensureInfrastructure(nc, jsm);
    const js = jetstream(nc);
    const ds = readCsvDataset(CHURN, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } });
    const bytes = encodeDataset(ds);
    const hash = sha256Hex(bytes);
    const store = await new Objm(nc).open(BUCKETS.datasets);
    await store.putBlob({ name: hash }, bytes);
    const sub = nc.subscribe(SUBJECTS.result('bench'));
    const overheads: number[] = [];
    const roundTrips: number[] = [];
    const appends: number[] = [];
    const pending = new Map<string, number>();
    const done = new Promise<void>((resolve) => {
      void (async () => {
        for await (const m of sub) {
          const r = decodeResult(m.data);
          const started = pending.get(r.id);
          if (started === undefined || !r.ok) continue;
          const rt = performance.now() - started;
          const trainMs = (r.result as { timings: { totalMs: number } }).timings.totalMs;
          roundTrips.push(rt);
          overheads.push(rt - trainMs);
          pending.delete(r.id);
          if (roundTrips.length === tasks) resolve();
        }
      })();
    });
    const proofs = new TaskProofs(newSecret(), 'bench1');
    // Sequential tasks, so the overhead is not queueing behind other tasks.
    for (let i = 0; i < tasks; i++) {
      const task: FoldTask = {
        kind: 'fold',
        trial: i,
        datasetHash: hash,
        cv: { k: 5, seed: 1, repeat: 0, fold: i % 5 },
        params: { epochs: 1, layers: 1, units: 4, batchSize: 512, validationFraction: 0 },
        seed: i,
        threshold: 0.5,
      };
      const envelope: TaskEnvelope = proofs.envelope('bench', task);
      const id = envelope.id;
      const before = roundTrips.length;
      pending.set(id, performance.now());
      await js.publish(SUBJECTS.task('bench'), encodeJson(envelope), { msgID: id });
      while (roundTrips.length === before) await new Promise((r) => setTimeout(r, 1));
      const t = performance.now();
      await js.publish(SUBJECTS.events('bench'), encodeJson({ type: 'fold_done', trial: i }));
      appends.push(performance.now() - t);
    }
    await done;
    await nc.drain();
    const q = (xs: number[], p: number) => Math.round(quantile(xs.slice(5), p) * 100) / 100; // first 5 warm up the worker
    return {
      tasks,
      dispatchOverheadMs: { p50: q(overheads, 0.5), p99: q(overheads, 0.99) },
      roundTripMs: { p50: q(roundTrips, 0.5), p99: q(roundTrips, 0.99) },
      recordEventMs: { p50: q(appends, 0.5), p99: q(appends, 0.99) },
    };
  } finally {
    await cluster.stop();
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

const overhead = await dispatchOverhead(quick ? 30 : 200);
const one = await studyWallTime(1);
const two = await studyWallTime(2);
process.stdout.write(
  `${JSON.stringify({ dispatch: overhead, studyWallTime: { one, two, speedup: Math.round((one.seconds / two.seconds) * 100) / 100 } }, null, 2)}\n`,
);
