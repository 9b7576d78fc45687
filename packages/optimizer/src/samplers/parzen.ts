/**
 * Multivariate Parzen estimator for TPE: a weighted mixture of product kernels, one per
 * observation plus a broad prior kernel. Numeric parameters live in unit coordinates (log where
 * declared) with truncated-normal kernels whose bandwidth, per dimension, is the larger gap to a
 * neighbouring observation (as in Optuna 5); categoricals use a smoothed one-hot per kernel.
 */
import type { Rng } from '@hpo/core';
import { normCdf } from '../stats/normal.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** A point for the estimator: unit coordinate for numeric dimensions, choice index for categoricals. */
export type ParzenPoint = Float64Array;

export interface ParzenDim {
  /** Number of choices for a categorical dimension; 0 for a numeric one. */
  choices: number;
}

export interface ParzenOptions {
  priorWeight: number;
  /**
   * Smallest bandwidth in unit coordinates is `minBandwidth / min(100, n + 2) ** floorExponent`
   * for n observations; Optuna's "magic clip" is minBandwidth = 1, floorExponent = 1.
   */
  minBandwidth: number;
  /**
   * Exponent of the kernel count in the bandwidth floor (default 1, Optuna's). 1/d makes the
   * floor follow the spacing of n points in d dimensions, n^(−1/d), instead of on a line.
   */
  floorExponent?: number;
}

export class ParzenEstimator {
  private readonly logW: Float64Array;
  private readonly w: Float64Array;
  private readonly mus: Float64Array[];
  private readonly sigmas: Float64Array[];
  private readonly logNorm: Float64Array[];
  /** For categorical dims: per kernel log-probabilities of each choice. */
  private readonly catLogP: (Float64Array[] | undefined)[];

  constructor(
    private readonly dims: readonly ParzenDim[],
    points: readonly ParzenPoint[],
    weights: readonly number[],
    opts: ParzenOptions,
  ) {
    const n = points.length;
    const k = n + 1;
    const w = new Float64Array(k);
    for (let i = 0; i < n; i++) w[i] = weights[i]!;
    w[n] = opts.priorWeight;
    let s = 0;
    for (const v of w) s += v;
    for (let i = 0; i < k; i++) w[i]! /= s;
    this.w = w;
    this.logW = w.map(Math.log);
    const minSigma = opts.minBandwidth / Math.min(100, 1 + k) ** (opts.floorExponent ?? 1);
    this.mus = [];
    this.sigmas = [];
    this.logNorm = [];
    this.catLogP = [];
    dims.forEach((d, j) => {
      const mu = new Float64Array(k);
      const sg = new Float64Array(k);
      const ln = new Float64Array(k);
      if (d.choices === 0) {
        for (let i = 0; i < k; i++) mu[i] = i < n ? points[i]![j]! : 0.5;
        const gaps = neighbourSigmas(mu.subarray(0, n));
        for (let i = 0; i < k; i++) {
          sg[i] = i < n ? Math.min(1, Math.max(minSigma, gaps[i]!)) : 1;
          const mass = normCdf((1 - mu[i]!) / sg[i]!) - normCdf((0 - mu[i]!) / sg[i]!);
          ln[i] = -Math.log(sg[i]!) - LOG_SQRT_2PI - Math.log(Math.max(mass, 1e-300));
        }
        this.catLogP.push(undefined);
      } else {
        const rows: Float64Array[] = [];
        for (let i = 0; i < k; i++) {
          const row = new Float64Array(d.choices).fill(opts.priorWeight / k);
          if (i < n) row[points[i]![j]!]! += 1;
          let t = 0;
          for (const v of row) t += v;
          rows.push(row.map((v) => Math.log(v / t)));
        }
        this.catLogP.push(rows);
      }
      this.mus.push(mu);
      this.sigmas.push(sg);
      this.logNorm.push(ln);
    });
  }

  /** Draws one point: a kernel by weight, then every dimension from that kernel. */
  sample(rng: Rng): ParzenPoint {
    let u = rng.next();
    let kern = this.w.length - 1;
    for (let i = 0; i < this.w.length; i++) {
      u -= this.w[i]!;
      if (u < 0) {
        kern = i;
        break;
      }
    }
    const x = new Float64Array(this.dims.length);
    this.dims.forEach((d, j) => {
      if (d.choices === 0) {
        const mu = this.mus[j]![kern]!;
        const sg = this.sigmas[j]![kern]!;
        let v = Number.NaN;
        for (let tries = 0; tries < 100 && !(v >= 0 && v <= 1); tries++) v = rng.normal(mu, sg);
        x[j] = v >= 0 && v <= 1 ? v : Math.min(1, Math.max(0, mu));
      } else {
        const lp = this.catLogP[j]![kern]!;
        let r = rng.next();
        let c = d.choices - 1;
        for (let i = 0; i < d.choices; i++) {
          r -= Math.exp(lp[i]!);
          if (r < 0) {
            c = i;
            break;
          }
        }
        x[j] = c;
      }
    });
    return x;
  }

  /** Log density (mass for categoricals) of the mixture at `x`. */
  logPdf(x: ParzenPoint): number {
    const k = this.w.length;
    const acc = Float64Array.from(this.logW);
    this.dims.forEach((d, j) => {
      const v = x[j]!;
      if (d.choices === 0) {
        const mu = this.mus[j]!;
        const sg = this.sigmas[j]!;
        const ln = this.logNorm[j]!;
        for (let i = 0; i < k; i++) {
          const z = (v - mu[i]!) / sg[i]!;
          acc[i]! += ln[i]! - 0.5 * z * z;
        }
      } else {
        const lp = this.catLogP[j]!;
        for (let i = 0; i < k; i++) acc[i]! += lp[i]![v]!;
      }
    });
    let m = Number.NEGATIVE_INFINITY;
    for (const a of acc) m = Math.max(m, a);
    let s = 0;
    for (const a of acc) s += Math.exp(a - m);
    return m + Math.log(s);
  }
}

/**
 * Optuna's bandwidths: the larger gap to a neighbour among the sorted centres, where the ends of
 * the unit interval count as neighbours only when there are fewer than two centres.
 */
export function neighbourSigmas(mu: Float64Array): Float64Array {
  const k = mu.length;
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => mu[a]! - mu[b]!);
  const sorted = [0, ...order.map((i) => mu[i]!), 1];
  const out = new Float64Array(k);
  order.forEach((idx, r) => {
    const p = r + 1;
    let s = Math.max(sorted[p]! - sorted[p - 1]!, sorted[p + 1]! - sorted[p]!);
    // Endpoints of the unit interval are not neighbours (consider_endpoints = false).
    if (k >= 2 && r === 0) s = sorted[2]! - sorted[1]!;
    if (k >= 2 && r === k - 1) s = sorted[k]! - sorted[k - 1]!;
    out[idx] = s;
  });
  return out;
}
