import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '@hpo/core';
import { cholesky, choleskyJittered, inverseFromCholesky } from './linalg.js';

/** A random symmetric positive-definite n×n matrix B Bᵀ + n·I. */
function spd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = s;
    }
  return a;
}

describe('Cholesky', () => {
  it('factors a positive-definite matrix as L Lᵀ with L lower triangular', () => {
    const n = 9;
    const a = spd(n, 1);
    const l = cholesky(a, n)!;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j > i) assert.equal(l[i * n + j], 0);
        let s = 0;
        for (let k = 0; k < n; k++) s += l[i * n + k]! * l[j * n + k]!;
        assert.ok(Math.abs(s - a[i * n + j]!) < 1e-9 * n, `(${i},${j})`);
      }
    const inv = inverseFromCholesky(l, n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + i]!;
      assert.ok(Math.abs(s - 1) < 1e-9);
    }
  });
  it('rejects an indefinite matrix and recovers a singular one with jitter', () => {
    assert.equal(cholesky(Float64Array.of(1, 2, 2, 1), 2), undefined);
    const { l, jitter } = choleskyJittered(Float64Array.of(1, 1, 1, 1), 2);
    assert.ok(jitter > 0 && l[3]! > 0);
  });
});
