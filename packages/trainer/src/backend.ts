import { type BackendInfo, type BackendName, describeBackend } from '@hpo/core';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, useWasmBackend, wasmThreadCount } from './kernels/index.js';

export { type BackendInfo, type BackendName, describeBackend };

let current: Promise<BackendInfo> | undefined;

/**
 * Starts the fastest backend that loads: `@tensorflow/tfjs-node` (optional dependency), then
 * wasm (with our training kernels registered), then the pure-JS cpu backend. `HPO_TF_BACKEND`
 * (tensorflow | wasm | cpu) forces one and fails loudly if it cannot start. Runs once per
 * thread; later calls return the same result. Prints nothing: whoever trains says which backend
 * it uses, once (`describeBackend`).
 */
export function initBackend(): Promise<BackendInfo> {
  current ??= chooseBackend();
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
      failures.push(unavailable(name, err));
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

/** Why a backend did not start, in user terms (a missing optional package is not an error). */
function unavailable(name: BackendName, err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  if (name === 'tensorflow' && (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'))
    return '@tensorflow/tfjs-node is not installed';
  return `${name} did not start: ${String(err instanceof Error ? err.message : err).split('\n')[0]}`;
}
