// Training-throughput benchmark of the reference MLP and CNN on the wasm and cpu backends.
// Prints one JSON object on stdout. Usage: node packages/trainer/dist/bench/run.js [--quick]
import { availableParallelism } from 'node:os';
import { registerWasmTrainingKernels, useWasmBackend, wasmThreadCount } from '@hpo/trainer';
import * as tf from '@tensorflow/tfjs';
import type { StepTiming } from './measure.js';
import { timeTrainerFit } from './trainer-fit.js';
import { type Budget, cnn, mlp, timeDenseNet, timeFit, timeMinimize } from './variants.js';

const quick = process.argv.includes('--quick');
const scale = (b: Budget): Budget =>
  quick ? { warmup: Math.max(1, Math.ceil(b.warmup / 5)), steps: Math.max(1, Math.ceil(b.steps / 5)) } : b;

async function benchBackend(backend: 'wasm' | 'cpu'): Promise<Record<string, StepTiming>> {
  if (backend === 'wasm') await useWasmBackend();
  else if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to start');
  const slow = backend === 'cpu';
  const mlpBudget = scale(slow ? { warmup: 20, steps: 100 } : { warmup: 100, steps: 1000 });
  const cnnBudget = scale(slow ? { warmup: 1, steps: 2 } : { warmup: 3, steps: 30 });
  const out: Record<string, StepTiming> = {};
  // What hpo's folds actually run: the trainer's own loop (fit in train-loop.ts).
  out.mlp_hpo_trainer = await timeTrainerFit('mlp', quick ? 3200 : 16000, slow ? 1 : quick ? 2 : 5);
  out.cnn_hpo_trainer = await timeTrainerFit('cnn', slow ? 32 : quick ? 128 : 640, slow ? 1 : 2);
  out.mlp_fit_adam = await timeFit(mlp.build, mlp.shape, mlpBudget);
  out.mlp_minimize_adam = await timeMinimize(mlp.build, mlp.shape, mlpBudget, tf.train.adam(0.001));
  out.mlp_minimize_sgd = await timeMinimize(mlp.build, mlp.shape, mlpBudget, tf.train.sgd(0.01));
  out.mlp_densenet_adam = await timeDenseNet(mlpBudget);
  out.cnn_minimize_adam = await timeMinimize(cnn.build, cnn.shape, cnnBudget, tf.train.adam(0.001));
  out.cnn_fit_adam = await timeFit(cnn.build, cnn.shape, cnnBudget);
  return out;
}

async function main(): Promise<void> {
  registerWasmTrainingKernels();
  const wasm = await benchBackend('wasm');
  const cpu = await benchBackend('cpu');
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
    speedupWasmOverCpu: {
      mlp_hpo_trainer: ratio(wasm.mlp_hpo_trainer, cpu.mlp_hpo_trainer),
      cnn_hpo_trainer: ratio(wasm.cnn_hpo_trainer, cpu.cnn_hpo_trainer),
      cnn_minimize_adam: ratio(wasm.cnn_minimize_adam, cpu.cnn_minimize_adam),
      cnn_fit_adam: ratio(wasm.cnn_fit_adam, cpu.cnn_fit_adam),
      mlp_minimize_adam: ratio(wasm.mlp_minimize_adam, cpu.mlp_minimize_adam),
      mlp_densenet_adam: ratio(wasm.mlp_densenet_adam, cpu.mlp_densenet_adam),
    },
    targetsSamplesPerSec: {
      mlp: { keras: 24000, pytorch: 68900, tfjsWasmShippedFit: 18700 },
      cnn: { keras: 1560, pytorch: 1820, target: 780 },
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
