import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

/** Deterministic values in [-1, 1) (LCG), identical on every backend. */
export function seededValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Runs `compute` on the cpu and the wasm backend and returns each backend's outputs. */
export async function onCpuAndWasm(
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<{ cpu: Float32Array[]; wasm: Float32Array[] }> {
  const result: Record<string, Float32Array[]> = {};
  for (const backend of ['cpu', 'wasm']) {
    assert.ok(await tf.setBackend(backend));
    const outs = tf.tidy(() => {
      const r = compute();
      return Array.isArray(r) ? r : [r];
    });
    result[backend] = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
  }
  return { cpu: result.cpu ?? [], wasm: result.wasm ?? [] };
}

/** Largest |a − b| / (1 + |b|) over all elements (mixed absolute/relative error). */
export function maxMixedError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    const e = Math.abs(x - y) / (1 + Math.abs(y));
    // A NaN anywhere is a failure: NaN at once (a later finite error must not replace it).
    if (Number.isNaN(e)) return Number.NaN;
    if (e > worst) worst = e;
  }
  return worst;
}

/** Asserts each wasm output matches the cpu one within `tolerance` (mixed error). */
export function assertSameOutputs(
  got: { cpu: Float32Array[]; wasm: Float32Array[] },
  tolerance: number,
  label: string,
): void {
  assert.equal(got.wasm.length, got.cpu.length);
  got.cpu.forEach((cpu, i) => {
    const wasm = got.wasm[i] as Float32Array;
    const err = maxMixedError(wasm, cpu);
    assert.ok(err <= tolerance, `${label} output ${i}: error ${err} > ${tolerance}`);
  });
}
