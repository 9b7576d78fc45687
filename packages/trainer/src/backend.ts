import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, useWasmBackend, wasmThreadCount } from './kernels/index.js';

/** Backends the trainer can run on, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Which backend runs, and why it was chosen. */
export interface BackendInfo {
  name: BackendName;
  /** Threads the backend computes with (wasm: 1 unless its threaded build loaded). */
  threads: number;
  /** Why this one: forced by HPO_TF_BACKEND, or which faster ones failed to load. */
  reason: string;
  tfjsVersion: string;
}

let current: Promise<BackendInfo> | undefined;

/**
 * Starts the fastest backend that loads: `@tensorflow/tfjs-node` (optional dependency), then
 * wasm (with our training kernels registered), then the pure-JS cpu backend. `HPO_TF_BACKEND`
 * (tensorflow | wasm | cpu) forces one and fails loudly if it cannot start. Runs once per
 * thread; later calls return the same result. The choice is logged to stderr once unless
 * `HPO_LOG=silent`.
 */
export function initBackend(): Promise<BackendInfo> {
  current ??= chooseBackend().then((info) => {
    if (process.env.HPO_LOG !== 'silent') {
      process.stderr.write(
        `hpo: TensorFlow.js backend ${info.name} (${info.threads} thread(s); ${info.reason})\n`,
      );
    }
    return info;
  });
  return current;
}

async function chooseBackend(): Promise<BackendInfo> {
  const forced = process.env.HPO_TF_BACKEND?.trim().toLowerCase();
  if (forced) {
    const aliases: Record<string, BackendName> = {
      node: 'tensorflow',
      'tfjs-node': 'tensorflow',
      tensorflow: 'tensorflow',
      wasm: 'wasm',
      cpu: 'cpu',
    };
    const name = aliases[forced];
    if (!name) throw new Error(`HPO_TF_BACKEND must be tensorflow, wasm or cpu, got '${forced}'`);
    await start(name);
    return info(name, 'forced by HPO_TF_BACKEND');
  }
  const failures: string[] = [];
  for (const name of ['tensorflow', 'wasm'] as const) {
    try {
      await start(name);
      return info(name, failures.length ? failures.join('; ') : 'fastest available');
    } catch (err) {
      failures.push(`${name} unavailable: ${firstLine(err)}`);
    }
  }
  await start('cpu');
  return info('cpu', failures.join('; '));
}

async function start(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // Optional dependency: absent, or present without its native library, on most machines.
    const mod = '@tensorflow/tfjs-node';
    await import(mod);
    if (!(await tf.setBackend('tensorflow')))
      throw new Error('tfjs-node loaded but its backend did not start');
  } else if (name === 'wasm') {
    registerWasmTrainingKernels();
    await useWasmBackend();
  } else if (!(await tf.setBackend('cpu'))) {
    throw new Error('the cpu backend did not start');
  }
  await tf.ready();
}

function info(name: BackendName, reason: string): BackendInfo {
  return { name, threads: name === 'wasm' ? wasmThreadCount() : 1, reason, tfjsVersion: tf.version.tfjs };
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0]!;
}
