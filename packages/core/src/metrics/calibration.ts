/**
 * Probability calibration and its measures, fitted on out-of-fold predictions.
 *
 * - Platt scaling on the logit: p' = σ(a·logit(p) + b), fitted by Newton's method with Platt's
 *   smoothed targets (Lin, Lin & Weng, 2007). Class weights and resampling shift a model's
 *   logits by about a constant, which this undoes exactly.
 * - Isotonic regression: the non-decreasing step function closest to the labels in squared
 *   error (pool-adjacent-violators), interpolated linearly between its steps and clipped
 *   outside them, as scikit-learn's IsotonicRegression(out_of_bounds='clip') predicts.
 * - Brier score and expected calibration error (ECE, equal-width bins).
 */
import { validateBinaryInputs } from './validate.js';

export type CalibrationMethod = 'none' | 'platt' | 'isotonic';

/** A fitted calibration map, as stored with a model. */
export type Calibration =
  | { method: 'none' }
  | { method: 'platt'; a: number; b: number }
  /** Breakpoints (x ascending, y non-decreasing) of the piecewise-linear map. */
  | { method: 'isotonic'; x: number[]; y: number[] };

/** Probabilities are clipped this far from 0 and 1 before taking logits. */
const LOGIT_EPSILON = 1e-7;

function logit(p: number): number {
  const q = Math.min(1 - LOGIT_EPSILON, Math.max(LOGIT_EPSILON, p));
  return Math.log(q / (1 - q));
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Fits the chosen calibration on out-of-fold probabilities `p` and labels `y`. */
export function fitCalibration(
  method: CalibrationMethod,
  y: ArrayLike<number>,
  p: ArrayLike<number>,
): Calibration {
  if (method === 'none') return { method: 'none' };
  validateBinaryInputs(y, p);
  return method === 'platt' ? fitPlatt(y, p) : fitIsotonic(y, p);
}

/**
 * Applies a calibration to a network's logits (pre-sigmoid), in float64: Platt acts on the logit
 * directly (clipped where the probability clip puts it), the others on σ(z). More precise than
 * going through a float32 probability near 0 and 1, and what an exported graph computes.
 */
export function applyCalibrationToLogits(c: Calibration, z: ArrayLike<number>): Float64Array {
  const out = new Float64Array(z.length);
  const limit = logit(1 - LOGIT_EPSILON);
  for (let i = 0; i < z.length; i++) {
    const v = z[i]!;
    if (c.method === 'platt') out[i] = sigmoid(c.a * Math.min(limit, Math.max(-limit, v)) + c.b);
    else out[i] = calibrateOne(c, sigmoid(v));
  }
  return out;
}

/** Applies a calibration map to probabilities (a new array). */
export function applyCalibration(c: Calibration, p: ArrayLike<number>): Float64Array {
  const out = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = calibrateOne(c, p[i]!);
  return out;
}

function calibrateOne(c: Calibration, p: number): number {
  switch (c.method) {
    case 'none':
      return p;
    case 'platt':
      return sigmoid(c.a * logit(p) + c.b);
    case 'isotonic':
      return interpolate(c.x, c.y, p);
  }
}

/**
 * Platt scaling on logit(p): minimises the log loss of σ(a·f + b) against Platt's targets
 * (N₊+1)/(N₊+2) and 1/(N₋+2), by Newton's method with backtracking (Lin, Lin & Weng 2007).
 */
export function fitPlatt(y: ArrayLike<number>, p: ArrayLike<number>): Calibration {
  const n = y.length;
  const f = new Float64Array(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    f[i] = logit(p[i]!);
    pos += y[i] === 1 ? 1 : 0;
  }
  const neg = n - pos;
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = y[i] === 1 ? hi : lo;
  // Parametrised as in the paper: P = 1 / (1 + exp(A·f + B)), so a = −A, b = −B.
  let A = 0;
  let B = Math.log((neg + 1) / (pos + 1));
  const objective = (A: number, B: number) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const z = A * f[i]! + B;
      // t·log(1+e^{-z})... written stably for either sign of z.
      sum += z >= 0 ? t[i]! * z + Math.log1p(Math.exp(-z)) : (t[i]! - 1) * z + Math.log1p(Math.exp(z));
    }
    return sum;
  };
  const sigma = 1e-12;
  let fval = objective(A, B);
  for (let iter = 0; iter < 100; iter++) {
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < n; i++) {
      const z = A * f[i]! + B;
      const pi = z >= 0 ? Math.exp(-z) / (1 + Math.exp(-z)) : 1 / (1 + Math.exp(z));
      const qi = 1 - pi;
      const d2 = pi * qi;
      h11 += f[i]! * f[i]! * d2;
      h22 += d2;
      h21 += f[i]! * d2;
      const d1 = t[i]! - pi;
      g1 += f[i]! * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < 1e-10 && Math.abs(g2) < 1e-10) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    let moved = false;
    while (step >= 1e-10) {
      const nA = A + step * dA;
      const nB = B + step * dB;
      const nf = objective(nA, nB);
      if (nf < fval + 1e-4 * step * gd) {
        A = nA;
        B = nB;
        fval = nf;
        moved = true;
        break;
      }
      step /= 2;
    }
    if (!moved) break;
  }
  return { method: 'platt', a: -A, b: -B };
}

/**
 * Isotonic regression of `y` on `p` (non-decreasing, clipped to [0, 1]). Equal probabilities are
 * merged first (their labels averaged, weights summed), as scikit-learn does.
 */
export function fitIsotonic(y: ArrayLike<number>, p: ArrayLike<number>): Calibration {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => p[i]! - p[j]!);
  // Unique x with summed weights and weighted-mean y.
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (const i of order) {
    const x = p[i]!;
    const last = xs.length - 1;
    if (last >= 0 && xs[last] === x) {
      ys[last] = (ys[last]! * ws[last]! + y[i]!) / (ws[last]! + 1);
      ws[last]! += 1;
    } else {
      xs.push(x);
      ys.push(y[i]!);
      ws.push(1);
    }
  }
  // Pool adjacent violators over blocks [start, end].
  const value: number[] = [];
  const weight: number[] = [];
  const start: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    value.push(ys[k]!);
    weight.push(ws[k]!);
    start.push(k);
    while (value.length > 1 && value[value.length - 2]! > value[value.length - 1]!) {
      const w = weight.pop()!;
      const v = value.pop()!;
      start.pop();
      const j = value.length - 1;
      value[j] = (value[j]! * weight[j]! + v * w) / (weight[j]! + w);
      weight[j]! += w;
    }
  }
  // Breakpoints: each block's first and last x (one point when they coincide).
  const bx: number[] = [];
  const by: number[] = [];
  for (let b = 0; b < value.length; b++) {
    const first = start[b]!;
    const last = (start[b + 1] ?? xs.length) - 1;
    const v = Math.min(1, Math.max(0, value[b]!));
    bx.push(xs[first]!);
    by.push(v);
    if (last !== first) {
      bx.push(xs[last]!);
      by.push(v);
    }
  }
  return { method: 'isotonic', x: bx, y: by };
}

/** Linear interpolation through (x, y) breakpoints, clipped to the ends. */
function interpolate(x: number[], y: number[], v: number): number {
  const n = x.length;
  if (n === 0) return v;
  if (v <= x[0]!) return y[0]!;
  if (v >= x[n - 1]!) return y[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const span = x[hi]! - x[lo]!;
  return span === 0 ? y[hi]! : y[lo]! + ((y[hi]! - y[lo]!) * (v - x[lo]!)) / span;
}

/** Mean squared difference between probability and label. */
export function brierScore(y: ArrayLike<number>, p: ArrayLike<number>): number {
  validateBinaryInputs(y, p);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i]! - y[i]!) ** 2;
  return s / y.length;
}

/**
 * Expected calibration error: over `bins` equal-width probability bins, the share of samples in
 * each times |mean label − mean probability| there (1.0 falls in the last bin).
 */
export function expectedCalibrationError(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): number {
  validateBinaryInputs(y, p);
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.floor(p[i]! * bins));
    count[b]! += 1;
    sumP[b]! += p[i]!;
    sumY[b]! += y[i]!;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    ece += (count[b]! / y.length) * Math.abs(sumY[b]! / count[b]! - sumP[b]! / count[b]!);
  }
  return ece;
}

/** Brier score and ECE of probabilities before and after a calibration. */
export interface CalibrationReport {
  method: CalibrationMethod;
  brier: { before: number; after: number };
  ece: { before: number; after: number };
}

export function calibrationReport(
  c: Calibration,
  y: ArrayLike<number>,
  p: ArrayLike<number>,
): CalibrationReport {
  const after = applyCalibration(c, p);
  return {
    method: c.method,
    brier: { before: brierScore(y, p), after: brierScore(y, after) },
    ece: { before: expectedCalibrationError(y, p), after: expectedCalibrationError(y, after) },
  };
}
