import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/**
 * Folder (with trailing slash) holding the wasm binaries of @tensorflow/tfjs-backend-wasm.
 * Node loads `tfjs-backend-wasm-simd.wasm` from it; threads are not detected under Node, so
 * the threaded build is never picked.
 */
export function wasmBinaryDir(): string {
  const entry = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return `${dirname(entry)}/`;
}

let pathsSet = false;

/** Points the wasm backend at its binaries (once) and makes it the active backend. */
export async function useWasmBackend(): Promise<void> {
  if (!pathsSet) {
    setWasmPaths(wasmBinaryDir());
    pathsSet = true;
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to start');
  await tf.ready();
}

/** Threads the wasm backend computes with (1 unless the threaded build loaded). */
export function wasmThreadCount(): number {
  return getThreadsCount();
}
