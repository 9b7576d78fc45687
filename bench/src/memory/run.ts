/**
 * Memory benchmark (JSON on stdout; not a test): peak RSS of each process on a generated table of
 * --rows × --cols numeric features plus a 0/1 label (default 2,000,000 × 30; the CSV is written
 * to a temporary folder and removed), against the float32 size of the features (rows × cols × 4):
 * - `hpo tune` (2 threads, 2 trials in parallel, 3 folds, 1 epoch);
 * - a distributed study of the same spec: the coordinator (which reads the uploaded CSV) and one
 *   worker with 2 threads.
 * Each is run again on a 2,000-row table: that run's peak is the process's fixed base, and
 * `perData` = (peak − base) / float32 bytes, the figure the target (≤ 4) is about.
 * - `viewCost`: what reading batches through a fold view (transformed from the shared table as
 *   training asks) costs against a prebuilt fold matrix, in samples/s of `fit` on one thread:
 *   the fast MLP step and the autodiff path (dropout), interleaved A B A B, medians of 5.
 * Flags: --rows=N, --cols=N, --quick (200,000 rows), --only=tune|distributed|viewCost, --trace
 * (each process's RSS every 2 s on stderr).
 */

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitPipeline } from '@hpo/core';
import type { StudyServiceClient } from '@hpo/protocol';
import { syntheticTabular } from '@hpo/testing';
import { Cluster, call, tempDir, watch } from '@hpo/testing/processes';
import {
  buildNetwork,
  DEFAULT_PARAMS,
  disposeNetwork,
  featureMatrix,
  fit,
  foldView,
  initBackend,
} from '@hpo/trainer';
import { median } from 'simple-statistics';

const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const quick = process.argv.includes('--quick');
const ROWS = Number(flag('rows') ?? (quick ? 200_000 : 2_000_000));
const COLS = Number(flag('cols') ?? 30);
const only = flag('only');
const CLI = fileURLToPath(new URL('../../../packages/cli/dist/main.js', import.meta.url));
const MiB = 1024 * 1024;

/** Writes a rows × cols table of 4-decimal features in [-1, 1] and a label that depends on 5. */
async function generate(file: string, rows: number, cols: number): Promise<void> {
  const out = createWriteStream(file);
  let seed = 1;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const names = Array.from({ length: cols }, (_, j) => `f${j}`);
  let buf = `${[...names, 'label'].join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const cells: string[] = [];
    for (let j = 0; j < cols; j++) {
      const v = rnd() * 2 - 1;
      if (j < 5) s += v;
      cells.push(v.toFixed(4));
    }
    cells.push(s + (rnd() - 0.5) > 0 ? '1' : '0');
    buf += `${cells.join(',')}\n`;
    if (buf.length > MiB) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  await new Promise<void>((resolve, reject) => out.end(buf, () => resolve()).on('error', reject));
}

function spec(csv: string) {
  return {
    name: 'memory',
    dataset: { path: csv, label: 'label' },
    model: 'mlp',
    cv: { k: 3, seed: 1 },
    search: {
      fixed: { layers: 1, units: 16, epochs: 1, patience: 1, batchSize: 1024, learningRate: 0.01 },
    },
    sampler: { type: 'random' },
    budget: { trials: 2, parallelism: 2 },
  };
}

const trace = process.argv.includes('--trace');
const t0 = Date.now();

/** Follows a process's peak RSS (VmHWM) until stopped; --trace prints its RSS every 2 s. */
function peakOf(pid: number, name = String(pid)): { stop(): number } {
  let peak = 0;
  let reads = 0;
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const m = status.match(/VmHWM:\s+(\d+)/);
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      if (trace && reads++ % 20 === 0) {
        const rss = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
        process.stderr.write(
          `${((Date.now() - t0) / 1000).toFixed(0)}s ${name} rss ${Math.round(rss / 1024)} MiB\n`,
        );
      }
    } catch {
      // gone
    }
  };
  const timer = setInterval(read, 100);
  return {
    stop() {
      read();
      clearInterval(timer);
      return peak;
    },
  };
}

async function tunePeak(csv: string, dir: string): Promise<{ peakMiB: number; seconds: number }> {
  const file = join(dir, `spec-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(spec(csv)));
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [CLI, 'tune', file, '--out', join(dir, `run-${Date.now()}`), '--threads', '2', '-q'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const peak = peakOf(child.pid!);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const bytes = peak.stop();
  if (code !== 0) throw new Error(`hpo tune exited ${code}`);
  return { peakMiB: Math.round(bytes / MiB), seconds: (Date.now() - started) / 1000 };
}

/** Streams a file to UploadDataset as any gRPC client would, with backpressure. */
async function uploadCsv(client: StudyServiceClient, file: string): Promise<string> {
  const sha = createHash('sha256');
  for await (const chunk of createReadStream(file)) sha.update(chunk as Buffer);
  const sha256 = sha.digest('hex');
  const size = statSync(file).size;
  await new Promise<void>((resolve, reject) => {
    const stream = client.UploadDataset((err) => (err ? reject(err) : resolve()));
    let first = true;
    const input = createReadStream(file, { highWaterMark: 256 * 1024 });
    input.on('data', (data) => {
      const ok = stream.write({
        ...(first ? { sha256, size, format: 'DATASET_FORMAT_CSV' } : {}),
        data,
      });
      first = false;
      if (!ok) {
        input.pause();
        stream.once('drain', () => input.resume());
      }
    });
    input.on('end', () => stream.end());
    input.on('error', reject);
  });
  return sha256;
}

async function distributedPeaks(
  csv: string,
): Promise<{ coordinatorMiB: number; workerMiB: number; seconds: number }> {
  const mb = Math.ceil(statSync(csv).size / MiB) + 16;
  const cluster = await Cluster.start({
    workers: 1,
    threads: 2,
    maxUploadMb: mb,
    coordinatorArgs: ['--store-max-mb', String(Math.max(4096, mb * 8))],
  });
  try {
    const coordinator = peakOf(cluster.coordinator!.proc.pid!, 'coordinator');
    const worker = peakOf(cluster.workers[0]!.proc.pid!, 'worker');
    const started = Date.now();
    const sha = await uploadCsv(cluster.api(), csv);
    await call(cluster.api(), 'CreateStudy', {
      spec: JSON.stringify({ ...spec('data.csv'), dataset: { path: 'data.csv', label: 'label' } }),
      datasetSha256: sha,
      studyId: 'memory',
    });
    await watch(cluster.api(), 'memory');
    const s = await call<object, { state: string }>(cluster.api(), 'GetStudy', { studyId: 'memory' });
    if (s.state !== 'STUDY_STATE_FINISHED' && s.state !== 'finished')
      throw new Error(`the study ended ${s.state}`);
    return {
      coordinatorMiB: Math.round(coordinator.stop() / MiB),
      workerMiB: Math.round(worker.stop() / MiB),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await cluster.stop();
  }
}

/** fit() samples/s through a fold view vs the same rows as a matrix, interleaved, medians. */
async function viewCost(): Promise<Record<string, unknown>> {
  await initBackend();
  const ds = syntheticTabular(30_000, COLS);
  const rows = Int32Array.from({ length: 20_000 }, (_, i) => i);
  const pipeline = fitPipeline(ds, rows, {
    numericImputer: DEFAULT_PARAMS.imputer,
    knnK: DEFAULT_PARAMS.knnK,
    categoricalImputer: DEFAULT_PARAMS.categoricalImputer,
    scaler: DEFAULT_PARAMS.scaler,
  });
  const view = foldView(ds, pipeline, rows);
  const matrix = { x: featureMatrix(ds, pipeline, rows).x, y: view.y, rows: view.rows };
  const out: Record<string, unknown> = {};
  for (const [name, overrides] of [
    ['fastMlp', { dropout: 0 }],
    ['autodiffMlp', { dropout: 0.2 }],
  ] as const) {
    const params = {
      ...DEFAULT_PARAMS,
      layers: 2,
      units: 64,
      batchSize: 32,
      epochs: 1,
      validationFraction: 0,
      ...overrides,
    };
    const rate = (train: typeof matrix | typeof view) => {
      const net = buildNetwork(params, [pipeline.featureNames.length], 1);
      const r = fit({ net, params, train, seed: 1 }).samplesPerSecond;
      disposeNetwork(net);
      return r;
    };
    rate(matrix); // warm-up
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < 5; i++) {
      a.push(rate(matrix));
      b.push(rate(view));
    }
    out[name] = {
      matrixSamplesPerSecond: Math.round(median(a)),
      viewSamplesPerSecond: Math.round(median(b)),
      viewOverMatrix: Math.round((median(b) / median(a)) * 1000) / 1000,
    };
  }
  return out;
}

if (only === 'viewCost') {
  console.log(JSON.stringify({ viewCost: await viewCost() }, null, 2));
  process.exit(0);
}

const dir = tempDir('hpo-bench-memory-');
try {
  const big = join(dir, 'big.csv');
  const small = join(dir, 'small.csv');
  await generate(big, ROWS, COLS);
  await generate(small, 2_000, COLS);
  const dataMiB = (ROWS * COLS * 4) / MiB;
  const ratio = (peak: number, base: number) => Math.round(((peak - base) / dataMiB) * 100) / 100;
  const out: Record<string, unknown> = {
    rows: ROWS,
    cols: COLS,
    csvMiB: Math.round(statSync(big).size / MiB),
    float32MiB: Math.round(dataMiB),
    target: 'peak RSS - base <= 4 x float32MiB in each process',
  };
  if (!only || only === 'tune') {
    const base = await tunePeak(small, dir);
    const run = await tunePeak(big, dir);
    out.tune = { ...run, baseMiB: base.peakMiB, perData: ratio(run.peakMiB, base.peakMiB) };
  }
  if (!only || only === 'distributed') {
    const base = await distributedPeaks(small);
    const run = await distributedPeaks(big);
    out.coordinator = {
      peakMiB: run.coordinatorMiB,
      baseMiB: base.coordinatorMiB,
      perData: ratio(run.coordinatorMiB, base.coordinatorMiB),
    };
    out.worker = {
      peakMiB: run.workerMiB,
      baseMiB: base.workerMiB,
      perData: ratio(run.workerMiB, base.workerMiB),
      studySeconds: run.seconds,
    };
  }
  if (!only) out.viewCost = await viewCost();
  console.log(JSON.stringify(out, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
