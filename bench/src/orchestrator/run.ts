/**
 * Orchestrator benchmark (JSON on stdout; not a test):
 * - wall time of a 20-trial × 5-fold MLP study on the churn example with 1 and 2 threads
 *   (the same trials both times: random sampler, same seed), and their ratio;
 * - the runner's own overhead per fold task, excluding training: a study over an executor that
 *   returns instantly, with the in-memory store and with the fsynced file store.
 * - the reproducible parallel mode's cost: wall time and idle slot-time, on against off.
 * Flags: --quick (5 trials instead of 20), --skip-threads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsvDataset, validateStudySpec } from '@hpo/core';
import { FileStudyStore, LocalExecutor, MemoryStudyStore, StudyRunner } from '@hpo/orchestrator';
import { FakeExecutor, testSpec } from '@hpo/testing';

const quick = process.argv.includes('--quick');
const trials = quick ? 5 : 20;
const churn = fileURLToPath(new URL('../../../examples/churn/churn.csv', import.meta.url));

async function studyWallTime(
  threads: number,
): Promise<{ threads: number; seconds: number; folds: number; foldsPerSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-bench-'));
  const ds = readCsvDataset(churn, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } });
  const store = new FileStudyStore(dir);
  const datasetHash = store.saveDataset(ds);
  const spec = validateStudySpec({
    name: 'bench',
    dataset: { path: churn, label: 'churn' },
    model: 'mlp',
    cv: { k: 5, seed: 1 },
    search: {
      space: {
        units: { type: 'int', low: 8, high: 64 },
        learningRate: { type: 'float', low: 1e-3, high: 1e-2, log: true },
      },
      fixed: { epochs: 10, patience: 100, layers: 2, batchSize: 32 },
    },
    sampler: { type: 'random', seed: 1 },
    budget: { trials, parallelism: 2 },
  });
  const executor = new LocalExecutor({
    threads,
    datasetFile: (hash) => store.datasetFile(hash),
    modelDir: store.modelDir,
  });
  // Warm every thread (backend start-up, JIT of the training path) so both runs measure
  // steady-state training: a few full folds per thread, more tasks than threads.
  await Promise.all(
    Array.from({ length: threads * 3 }, (_, i) =>
      executor.runFold({
        kind: 'fold',
        trial: 0,
        datasetHash,
        cv: { k: 5, seed: 1, repeat: 0, fold: i % 5 },
        params: { epochs: 10, patience: 100, layers: 2, units: 32, batchSize: 32 },
        seed: 1,
        threshold: 0.5,
      }),
    ),
  );
  const started = performance.now();
  const runner = await StudyRunner.open({ spec, datasetHash, executor, store: new MemoryStudyStore() });
  await runner.run();
  const seconds = (performance.now() - started) / 1000;
  await executor.close();
  rmSync(dir, { recursive: true, force: true });
  const folds = trials * 5;
  return { threads, seconds: round(seconds), folds, foldsPerSecond: round(folds / seconds) };
}

async function overheadPerFold(
  store: 'memory' | 'file',
): Promise<{ store: string; folds: number; msPerFold: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-bench-'));
  const spec = testSpec({
    budget: { trials: 200, parallelism: 4 },
    cv: { k: 5, repeats: 1, seed: 1 },
    sampler: { type: 'random', seed: 1 },
  });
  const runner = await StudyRunner.open({
    spec,
    datasetHash: 'f'.repeat(64),
    executor: new FakeExecutor(4),
    store: store === 'memory' ? new MemoryStudyStore() : new FileStudyStore(dir),
  });
  const started = performance.now();
  await runner.run();
  const ms = performance.now() - started;
  rmSync(dir, { recursive: true, force: true });
  return { store, folds: 1000, msPerFold: round(ms / 1000, 3) };
}

function round(v: number, digits = 2): number {
  return Math.round(v * 10 ** digits) / 10 ** digits;
}

/**
 * What the reproducible parallel mode costs: a study over an executor whose folds sleep for a
 * duration drawn per trial (its size, 0.5–2.5 units: trials differ like models of different
 * widths do) and per fold (±20%), with `capacity` fold slots and `parallelism` trials. The same
 * study runs with budget.reproducible on and off, interleaved, and the wall time and the share
 * of slot-time left idle are compared (medians over the rounds).
 */
async function reproducibleCost(parallelism: number, capacity: number, rounds: number) {
  const unitMs = 30;
  const trialsN = 40;
  const duration = (t: { trial: number; cv: { fold: number } }) => {
    const size = 0.5 + 2 * (((t.trial * 2654435761) >>> 0) / 2 ** 32);
    const noise = 0.8 + 0.4 * ((((t.trial * 31 + t.cv.fold) * 2246822519) >>> 0) / 2 ** 32);
    return unitMs * size * noise;
  };
  const once = async (reproducible: boolean) => {
    const executor = new FakeExecutor(capacity, () => false, duration);
    const runner = await StudyRunner.open({
      spec: testSpec({
        cv: { k: 3, seed: 1 },
        budget: { trials: trialsN, parallelism, reproducible },
        sampler: { type: 'tpe', seed: 1, startupTrials: 5 },
      }),
      datasetHash: 'a'.repeat(64),
      executor,
      store: new MemoryStudyStore(),
    });
    const started = performance.now();
    await runner.run();
    const wall = performance.now() - started;
    const busy = executor.calls.reduce((sum, t) => sum + duration(t), 0);
    return { wall, idle: 1 - busy / (wall * capacity) };
  };
  const on: { wall: number; idle: number }[] = [];
  const off: { wall: number; idle: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    on.push(await once(true));
    off.push(await once(false));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const wallOn = median(on.map((r) => r.wall));
  const wallOff = median(off.map((r) => r.wall));
  return {
    parallelism,
    capacity,
    trials: trialsN,
    reproducible: {
      wallSeconds: round(wallOn / 1000),
      idleSlotShare: round(median(on.map((r) => r.idle)), 3),
    },
    free: { wallSeconds: round(wallOff / 1000), idleSlotShare: round(median(off.map((r) => r.idle)), 3) },
    wallRatio: round(wallOn / wallOff, 3),
  };
}

const overhead = [await overheadPerFold('memory'), await overheadPerFold('file')];
const reproducibleMode = {
  setup:
    'fake folds sleeping 12-90 ms (30 ms x trial size 0.5-2.5 x fold noise 0.8-1.2), k=3, 40 trials, TPE; reproducible on vs off, interleaved, medians',
  results: [
    await reproducibleCost(2, 2, quick ? 1 : 3),
    await reproducibleCost(4, 4, quick ? 1 : 3),
    await reproducibleCost(4, 8, quick ? 1 : 3),
    await reproducibleCost(8, 8, quick ? 1 : 3),
  ],
};
const result: Record<string, unknown> = {
  machine: { cpus: (await import('node:os')).availableParallelism(), node: process.version },
  runnerOverhead: { target: 'ms per fold task excluding training <= 5', results: overhead },
  reproducibleMode,
};
if (!process.argv.includes('--skip-threads')) {
  const one = await studyWallTime(1);
  const two = await studyWallTime(2);
  result.studyWallTime = {
    study: `${trials} trials × 5 folds, MLP, churn example, 10 epochs`,
    one,
    two,
    speedup: round(one.seconds / two.seconds),
    target: '>= 1.8 on 2 cores',
  };
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
