// Training-throughput benchmark of the reference MLP and CNN on the wasm and cpu backends.
// Prints one JSON object on stdout.
// Usage: node bench/dist/trainer/run.js [--quick] [--only=name,name…] [--rounds=N]
//   --only    runs only the results whose names contain one of these strings (wasm only, plus
//             cpu when 'cpu' is one of them), e.g. --only=engineVsAutodiff
//   --rounds  interleaved rounds of the engine-vs-autodiff and peer comparisons (default 3)
// --only=metrics times what a fold computes after training (its metrics on 480 validation rows,
// as a tiny fold of the churn example) and ROC AUC on a 200,000-row out-of-fold block.
// The peer comparison runs bench/reference/trainer-peers.py with $HPO_PEERS_PYTHON (default
// python3) once per round, between rounds of hpo's own runs; a Python without torch or
// tensorflow makes the script skip that library, and the report says so.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { computeScalarMetrics, Rng, rocAuc } from '@hpo/core';
import { registerWasmTrainingKernels, useWasmBackend, wasmThreadCount } from '@hpo/trainer';
import * as tf from '@tensorflow/tfjs';
import type { StepTiming } from './measure.js';
import { timeTrainerFit } from './trainer-fit.js';
import { type Budget, cnn, mlp, timeDenseNet, timeFit, timeMinimize } from './variants.js';

const quick = process.argv.includes('--quick');
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const only = flag('only')?.split(',');
const rounds = Number(flag('rounds') ?? 3);
const want = (name: string) => !only || only.some((o) => name.includes(o));
const scale = (b: Budget): Budget =>
  quick ? { warmup: Math.max(1, Math.ceil(b.warmup / 5)), steps: Math.max(1, Math.ceil(b.steps / 5)) } : b;

/** MLP configurations that sampled trials reach (the reference MLP with these overrides). */
const MLP_VARIANTS: Record<string, Record<string, unknown>> = {
  mlp_hpo_trainer: {},
  // Dropout is almost never exactly 0 in a sampled trial, and every activation and optimizer of
  // the schema is drawn.
  mlp_hpo_trainer_dropout: { dropout: 0.2 },
  mlp_hpo_trainer_dropout_elu_rmsprop: { dropout: 0.3, activation: 'elu', optimizer: 'rmsprop' },
  mlp_hpo_trainer_swish_sgd: { activation: 'swish', optimizer: 'sgd' },
  mlp_hpo_trainer_batchnorm: { batchNorm: true },
};

async function benchBackend(backend: 'wasm' | 'cpu'): Promise<Record<string, StepTiming>> {
  if (backend === 'wasm') await useWasmBackend();
  else if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to start');
  const slow = backend === 'cpu';
  const mlpBudget = scale(slow ? { warmup: 20, steps: 100 } : { warmup: 100, steps: 1000 });
  const cnnBudget = scale(slow ? { warmup: 1, steps: 2 } : { warmup: 3, steps: 30 });
  const out: Record<string, StepTiming> = {};
  const run = async (name: string, measure: () => Promise<StepTiming>) => {
    if (want(name)) out[name] = await measure();
  };
  // What hpo's folds actually run: the trainer's own loop (fit in train-loop.ts).
  const mlpRows = quick ? 3200 : 16000;
  const mlpEpochs = slow ? 1 : quick ? 2 : 5;
  for (const [name, overrides] of Object.entries(MLP_VARIANTS)) {
    await run(name, () => timeTrainerFit('mlp', mlpRows, mlpEpochs, overrides));
  }
  await run('cnn_hpo_trainer', () => timeTrainerFit('cnn', slow ? 32 : quick ? 128 : 640, slow ? 1 : 2));
  await run('cnn8_hpo_trainer', () => timeTrainerFit('cnn8', slow ? 320 : quick ? 640 : 3200, slow ? 1 : 2));
  await run('mlp_fit_adam', () => timeFit(mlp.build, mlp.shape, mlpBudget));
  await run('mlp_minimize_adam', () => timeMinimize(mlp.build, mlp.shape, mlpBudget, tf.train.adam(0.001)));
  await run('mlp_minimize_sgd', () => timeMinimize(mlp.build, mlp.shape, mlpBudget, tf.train.sgd(0.01)));
  await run('mlp_densenet_adam', () => timeDenseNet(mlpBudget));
  await run('cnn_minimize_adam', () => timeMinimize(cnn.build, cnn.shape, cnnBudget, tf.train.adam(0.001)));
  await run('cnn_fit_adam', () => timeFit(cnn.build, cnn.shape, cnnBudget));
  return out;
}

/**
 * The hand-written engine against tfjs autodiff (the reference, and the path these
 * configurations took before the engine covered them: every MLP with dropout, another
 * activation or optimiser, or batch norm, and every CNN) on wasm, interleaved A B A B in this run:
 * median samples/s of each and their ratio.
 */
async function engineVsAutodiff(): Promise<Record<string, unknown>> {
  await useWasmBackend();
  const rows = quick ? 3200 : 16000;
  const epochs = quick ? 2 : 3;
  const out: Record<string, unknown> = {};
  const cases: Array<[string, 'mlp' | 'cnn' | 'cnn8', number, Record<string, unknown>]> = [
    ...Object.entries(MLP_VARIANTS).map(
      ([name, o]) => [name, 'mlp', rows, o] as [string, 'mlp', number, typeof o],
    ),
    ['cnn_hpo_trainer', 'cnn', quick ? 128 : 320, {}],
    ['cnn8_hpo_trainer', 'cnn8', quick ? 640 : 1600, {}],
  ];
  for (const [name, which, n, overrides] of cases) {
    const engine: number[] = [];
    const autodiff: number[] = [];
    for (let r = 0; r < rounds; r++) {
      autodiff.push((await timeTrainerFit(which, n, epochs, overrides, true)).samplesPerSec);
      engine.push((await timeTrainerFit(which, n, epochs, overrides)).samplesPerSec);
    }
    const e = median(engine);
    const a = median(autodiff);
    out[name] = {
      engine: e,
      autodiff: a,
      ratio: Math.round((e / a) * 100) / 100,
      engineRuns: engine,
      autodiffRuns: autodiff,
    };
  }
  return out;
}

/** hpo's result name for each net of the peers script. */
const PEER_NETS: Record<string, string> = {
  mlp: 'mlp_hpo_trainer',
  mlp_dropout: 'mlp_hpo_trainer_dropout',
  mlp_batchnorm: 'mlp_hpo_trainer_batchnorm',
  mlp_dropout_elu_rmsprop: 'mlp_hpo_trainer_dropout_elu_rmsprop',
  cnn28: 'cnn_hpo_trainer',
};

type PeerReport = Record<string, { skipped?: string; results?: Record<string, { samplesPerSec: number }> }>;

/**
 * hpo (wasm, one thread) against PyTorch and Keras on the same nets, measured in this run:
 * rounds of hpo's runs alternate with rounds of the peers script, and each ratio is of medians.
 */
async function peers(): Promise<Record<string, unknown>> {
  const python = process.env.HPO_PEERS_PYTHON ?? 'python3';
  const script = fileURLToPath(new URL('../../reference/trainer-peers.py', import.meta.url));
  const ours: Record<string, number[]> = {};
  const theirs: Record<string, Record<string, number[]>> = { torch: {}, keras: {} };
  const skipped: Record<string, string> = {};
  for (let r = 0; r < rounds; r++) {
    await useWasmBackend();
    for (const name of Object.values(PEER_NETS)) {
      const which = name.startsWith('cnn') ? 'cnn' : 'mlp';
      const overrides = MLP_VARIANTS[name] ?? {};
      const t = await timeTrainerFit(
        which,
        which === 'cnn' ? (quick ? 128 : 640) : quick ? 3200 : 16000,
        quick ? 2 : which === 'cnn' ? 2 : 5,
        overrides,
      );
      push(ours, name, t.samplesPerSec);
    }
    let report: PeerReport;
    try {
      const args = [script, '--rounds', '1', ...(quick ? ['--quick'] : [])];
      const { stdout } = await promisify(execFile)(python, args, { maxBuffer: 1 << 22 });
      report = JSON.parse(stdout) as PeerReport;
    } catch (err) {
      return { skipped: `${python} ${script} failed: ${(err as Error).message.split('\n')[0]}` };
    }
    for (const lib of ['torch', 'keras']) {
      const part = report[lib];
      if (part?.skipped) skipped[lib] = part.skipped;
      for (const [net, v] of Object.entries(part?.results ?? {})) {
        push(theirs[lib] as Record<string, number[]>, net, v.samplesPerSec);
      }
    }
  }
  const out: Record<string, unknown> = { python, skipped };
  for (const [net, name] of Object.entries(PEER_NETS)) {
    const hpo = median(ours[name] ?? []);
    const row: Record<string, number | null> = { hpo };
    for (const lib of ['torch', 'keras']) {
      const runs = theirs[lib]?.[net];
      const peer = runs && runs.length > 0 ? median(runs) : undefined;
      row[lib] = peer ?? null;
      row[`hpoOver${lib === 'torch' ? 'PyTorch' : 'Keras'}`] = peer
        ? Math.round((hpo / peer) * 100) / 100
        : null;
    }
    out[net] = row;
  }
  return out;
}

/**
 * A whole CNN study against scikit-learn's RandomizedSearchCV over an MLPClassifier, the same
 * size (30 trials x 5 folds) on the same data: the 8x8 digits, "is it an 8?" (written by
 * bench/reference/cnn-study-peer.py, which also times the peer on one core). hpo runs
 * `hpo tune` with 2 threads. One round each, hpo first.
 */
async function cnnStudy(): Promise<Record<string, unknown>> {
  const python = process.env.HPO_PEERS_PYTHON ?? 'python3';
  const script = fileURLToPath(new URL('../../reference/cnn-study-peer.py', import.meta.url));
  const cli = fileURLToPath(new URL('../../../packages/cli/dist/main.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'hpo-cnn-study-'));
  const run = promisify(execFile);
  try {
    const csv = join(dir, 'digits.csv');
    const wrote = JSON.parse((await run(python, [script, '--write-csv', csv])).stdout) as {
      skipped?: string;
    };
    if (wrote.skipped) return { skipped: `${python}: ${wrote.skipped}` };
    const trials = quick ? 6 : 30;
    const spec = {
      name: 'digits-cnn',
      dataset: { path: csv, kind: 'pixels', label: 'label', positive: 'yes', shape: [8, 8, 1] },
      model: 'cnn',
      objective: { metric: 'rocAuc' },
      cv: { k: 5, seed: 1 },
      search: {
        space: {
          filters: { type: 'categorical', choices: [8, 16, 32] },
          denseUnits: { type: 'categorical', choices: [32, 64, 128] },
          learningRate: { type: 'float', low: 3e-4, high: 3e-2, log: true },
          convDropout: { type: 'float', low: 0, high: 0.3 },
        },
        fixed: { convBlocks: 1, padding: 'same', epochs: 30, patience: 4, batchSize: 32 },
      },
      sampler: { type: 'tpe' },
      budget: { trials, parallelism: 2 },
      seed: 1,
    };
    const specFile = join(dir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(spec));
    const started = performance.now();
    const { stdout } = await run(
      process.execPath,
      [cli, 'tune', specFile, '--json', '--threads', '2', '--out', join(dir, 'out')],
      {
        maxBuffer: 1 << 24,
      },
    );
    const hpoSeconds = (performance.now() - started) / 1000;
    const summary = JSON.parse(stdout) as { best: { metrics: { rocAuc: { mean: number } } } };
    const peer = JSON.parse(
      (await run(python, [script, '--trials', String(trials)], { maxBuffer: 1 << 22 })).stdout,
    ) as {
      skipped?: string;
      wallSeconds?: number;
      bestRocAuc?: number;
      library?: string;
    };
    const hpo = {
      wallSeconds: Math.round(hpoSeconds * 10) / 10,
      bestRocAuc: Math.round(summary.best.metrics.rocAuc.mean * 10000) / 10000,
      threads: 2,
    };
    if (peer.skipped || peer.wallSeconds === undefined)
      return { hpo, sklearn: { skipped: peer.skipped ?? 'no figure' } };
    return {
      trials,
      folds: 5,
      hpo,
      sklearn: peer,
      hpoWallOverSklearn: Math.round((hpoSeconds / peer.wallSeconds) * 100) / 100,
    };
  } catch (err) {
    return { skipped: (err as Error).message.split('\n')[0] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function push(runs: Record<string, number[]>, key: string, value: number): void {
  const list = runs[key] ?? [];
  list.push(value);
  runs[key] = list;
}

/**
 * Microseconds per call (median of 8 rounds after a warm-up one) of a fold's scalar metrics on 480 validation rows,
 * and of ROC AUC on a 200,000-row out-of-fold block: both sort the rows by probability once.
 */
function metricsTimings(): { foldMetricsUs: number; rocAuc200kUs: number } {
  const rng = new Rng(5);
  const fold = (n: number) => {
    const y = Uint8Array.from({ length: n }, () => (rng.next() < 0.27 ? 1 : 0));
    const p = Float32Array.from({ length: n }, (_, i) =>
      Math.fround(Math.min(1, Math.max(0, 0.3 * y[i]! + 0.7 * rng.next()))),
    );
    return { y, p };
  };
  const time = (calls: number, f: () => void) => {
    const rounds: number[] = [];
    for (let r = 0; r < 9; r++) {
      const t0 = performance.now();
      for (let i = 0; i < calls; i++) f();
      rounds.push(((performance.now() - t0) * 1000) / calls);
    }
    return Math.round(median(rounds.slice(1)) * 10) / 10;
  };
  const small = fold(480);
  const big = fold(200_000);
  return {
    foldMetricsUs: time(quick ? 500 : 3000, () => computeScalarMetrics(small.y, small.p, { threshold: 0.5 })),
    rocAuc200kUs: time(quick ? 1 : 5, () => rocAuc(big.y, big.p)),
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  registerWasmTrainingKernels();
  // JIT warm-up of the trainer's code paths, so that the first variant measured is not slower for it.
  await useWasmBackend();
  for (const overrides of Object.values(MLP_VARIANTS)) await timeTrainerFit('mlp', 3200, 1, overrides);
  const wasm = await benchBackend('wasm');
  const cpu = !only || only.includes('cpu') ? await benchBackend('cpu') : {};
  const comparison = want('engineVsAutodiff') ? await engineVsAutodiff() : undefined;
  const peerRatios = want('peers') ? await peers() : undefined;
  const study = want('cnnStudy') ? await cnnStudy() : undefined;
  const metrics = want('metrics') ? metricsTimings() : undefined;
  const ratio = (a: StepTiming | undefined, b: StepTiming | undefined) =>
    a && b ? Math.round((a.samplesPerSec / b.samplesPerSec) * 10) / 10 : null;
  await useWasmBackend();
  const report = {
    tfjs: tf.version.tfjs,
    node: process.version,
    cpuCores: availableParallelism(),
    batchSize: 32,
    quick,
    wasm: {
      threads: wasmThreadCount(),
      simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      multithreadSupported: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      trainingKernels: 'registerWasmTrainingKernels()',
    },
    results: { wasm, cpu },
    engineVsAutodiff: comparison,
    peers: peerRatios,
    cnnStudy: study,
    metrics,
    speedupWasmOverCpu: {
      mlp_hpo_trainer: ratio(wasm.mlp_hpo_trainer, cpu.mlp_hpo_trainer),
      mlp_hpo_trainer_dropout: ratio(wasm.mlp_hpo_trainer_dropout, cpu.mlp_hpo_trainer_dropout),
      cnn_hpo_trainer: ratio(wasm.cnn_hpo_trainer, cpu.cnn_hpo_trainer),
      cnn_minimize_adam: ratio(wasm.cnn_minimize_adam, cpu.cnn_minimize_adam),
      cnn_fit_adam: ratio(wasm.cnn_fit_adam, cpu.cnn_fit_adam),
      mlp_minimize_adam: ratio(wasm.mlp_minimize_adam, cpu.mlp_minimize_adam),
      mlp_densenet_adam: ratio(wasm.mlp_densenet_adam, cpu.mlp_densenet_adam),
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
