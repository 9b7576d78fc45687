/**
 * Dense symmetric positive-definite algebra for the GP, on row-major Float64Arrays. Everything
 * is written out here: the factorisation and solves run hundreds of times per ask on small
 * matrices, where converting to and from a matrix library's objects costs more than the maths.
 */

/** Lower Cholesky factor L (row-major, n×n) of a symmetric matrix, or undefined when not positive definite. */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= l[ri + k]! * l[rj + k]!;
      if (i === j) {
        if (!(s > 0)) return undefined;
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j]!;
      }
    }
  }
  return l;
}

/** Cholesky with growing diagonal jitter (relative to the mean diagonal) until it succeeds. */
export function choleskyJittered(a: Float64Array, n: number): { l: Float64Array; jitter: number } {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += a[i * n + i]!;
  mean /= Math.max(n, 1);
  let jitter = 0;
  for (let attempt = 0; attempt < 10; attempt++) {
    const b = jitter === 0 ? a : a.slice();
    if (jitter > 0) for (let i = 0; i < n; i++) b[i * n + i]! += jitter;
    const l = cholesky(b, n);
    if (l) return { l, jitter };
    jitter = jitter === 0 ? 1e-10 * mean : jitter * 10;
  }
  throw new Error('GP covariance is not positive definite even with jitter');
}

/** Solves L x = b in place (L lower triangular, row-major). */
export function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    const row = i * n;
    for (let j = 0; j < i; j++) s -= l[row + j]! * b[j]!;
    b[i] = s / l[row + i]!;
  }
  return b;
}

/** Solves Lᵀ x = b in place. */
export function solveUpperT(l: Float64Array, n: number, b: Float64Array): Float64Array {
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < n; j++) s -= l[j * n + i]! * b[j]!;
    b[i] = s / l[i * n + i]!;
  }
  return b;
}

/** (L Lᵀ)⁻¹ as a full row-major matrix. */
export function inverseFromCholesky(l: Float64Array, n: number): Float64Array {
  // Invert L (lower) column by column, then form L⁻ᵀ L⁻¹.
  const li = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    li[c * n + c] = 1 / l[c * n + c]!;
    for (let i = c + 1; i < n; i++) {
      let s = 0;
      for (let j = c; j < i; j++) s -= l[i * n + j]! * li[j * n + c]!;
      li[i * n + c] = s / l[i * n + i]!;
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += li[k * n + i]! * li[k * n + j]!;
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return out;
}
