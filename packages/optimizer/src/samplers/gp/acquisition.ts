/**
 * Acquisition functions on a GP over standardized losses (lower is better), and their
 * optimisation over the unit cube: a random sweep, then local searches from the best sweep
 * point, roulette-picked others and warm starts: L-BFGS over continuous coordinates alternating
 * with exhaustive moves over discrete and one-hot coordinates.
 */
import type { Rng } from '@hpo/core';
import type { UnitEncoding } from '../../space/encoding.js';
import { logH } from '../../stats/normal.js';
import type { GpPosterior } from './gp-model.js';
import { lbfgsMinimize } from './lbfgs.js';

export type AcquisitionKind = 'logEI' | 'ucb';

/** What the optimiser climbs: a value to maximise and, on request, its gradient. */
export interface AcquisitionFunction {
  /** Acquisition value at x (higher is better); writes ∂/∂x into `grad` when given. */
  value(x: ArrayLike<number>, grad?: Float64Array): number;
}

export class Acquisition implements AcquisitionFunction {
  private readonly gm: Float64Array;
  private readonly gv: Float64Array;

  constructor(
    private readonly gp: GpPosterior,
    private readonly kind: AcquisitionKind,
    /** Best standardized loss observed so far. */
    private readonly best: number,
    private readonly beta = 2,
  ) {
    const d = gp.x[0]?.length ?? 0;
    this.gm = new Float64Array(d);
    this.gv = new Float64Array(d);
  }

  /** Acquisition value at x (higher is better); writes ∂/∂x into `grad` when given. */
  value(x: ArrayLike<number>, grad?: Float64Array): number {
    const p = this.gp.predict(x, grad ? { mean: this.gm, variance: this.gv } : undefined);
    const sigma = Math.sqrt(p.variance);
    if (this.kind === 'ucb') {
      const sb = Math.sqrt(this.beta);
      if (grad)
        for (let i = 0; i < grad.length; i++) grad[i] = -this.gm[i]! + (sb * this.gv[i]!) / (2 * sigma);
      return -p.mean + sb * sigma;
    }
    const z = (this.best - p.mean) / sigma;
    const h = logH(z);
    if (grad) {
      for (let i = 0; i < grad.length; i++) {
        const ds = this.gv[i]! / (2 * sigma);
        const dz = (-this.gm[i]! - z * ds) / sigma;
        grad[i] = ds / sigma + h.grad * dz;
      }
    }
    return Math.log(sigma) + h.value;
  }
}

export interface OptimizeOptions {
  /** Random points evaluated before local search (default 2048). */
  nCandidates?: number;
  /** Local searches, including the best sweep point (default 10). */
  nLocalSearch?: number;
  /** Extra starting points, e.g. the best observation. */
  warmStarts?: Float64Array[];
}

/** Maximises the acquisition over admissible points of the encoding; returns the best point found. */
export function optimizeAcquisition(
  acq: AcquisitionFunction,
  enc: UnitEncoding,
  rng: Rng,
  opts: OptimizeOptions = {},
): { x: Float64Array; value: number } {
  const dim = enc.size;
  const nCand = opts.nCandidates ?? 2048;
  const nLocal = opts.nLocalSearch ?? 10;
  const warm = opts.warmStarts ?? [];
  const mixed = enc.dims.some((d) => d.kind !== 'continuous') || enc.space.params.some((p) => p.when);
  const canon = (x: Float64Array): Float64Array => (mixed ? enc.canonical(x) : x);
  const xs: Float64Array[] = [];
  const fs = new Float64Array(nCand);
  let iBest = 0;
  for (let i = 0; i < nCand; i++) {
    const x = new Float64Array(dim);
    for (let d = 0; d < dim; d++) x[d] = rng.next();
    xs.push(canon(x));
    fs[i] = acq.value(xs[i]!);
    if (fs[i]! > fs[iBest]!) iBest = i;
  }
  // Roulette over exp(f − f_max), the best already taken: fewer extra starts as the study converges.
  const probs = fs.map((f, i) => (i === iBest ? 0 : Math.exp(f - fs[iBest]!)));
  const starts: Float64Array[] = [xs[iBest]!];
  const nExtra = Math.min(nLocal - 1 - warm.length, probs.filter((p) => p > 0).length);
  for (let s = 0; s < nExtra; s++) {
    let total = 0;
    for (const p of probs) total += p;
    if (!(total > 0)) break;
    let u = rng.next() * total;
    let pick = probs.length - 1;
    for (let i = 0; i < probs.length; i++) {
      u -= probs[i]!;
      if (u < 0) {
        pick = i;
        break;
      }
    }
    starts.push(xs[pick]!);
    probs[pick] = 0;
  }
  starts.push(...warm.map((w) => canon(Float64Array.from(w))));
  let best = { x: xs[iBest]!, value: fs[iBest]! };
  for (const s of starts) {
    const r = localSearch(acq, enc, s, mixed);
    if (r.value > best.value) best = r;
  }
  return best;
}

function localSearch(
  acq: AcquisitionFunction,
  enc: UnitEncoding,
  x0: Float64Array,
  mixed: boolean,
): { x: Float64Array; value: number } {
  let x: Float64Array = Float64Array.from(x0);
  let f = acq.value(x);
  const dim = enc.size;
  for (let round = 0; round < 4; round++) {
    const active = new Set(Object.keys(enc.decode(x)));
    const contIdx: number[] = [];
    enc.dims.forEach((d, i) => {
      const continuousLike = d.kind === 'continuous' || (d.kind === 'discrete' && !d.grid);
      if (continuousLike && active.has(enc.space.params[d.param]!.name)) contIdx.push(i);
    });
    if (contIdx.length > 0) {
      const full = Float64Array.from(x);
      const g = new Float64Array(dim);
      const r = lbfgsMinimize(
        (z, gz) => {
          contIdx.forEach((i, j) => {
            full[i] = z[j]!;
          });
          const v = acq.value(full, g);
          contIdx.forEach((i, j) => {
            gz[j] = -g[i]!;
          });
          return -v;
        },
        Float64Array.from(contIdx, (i) => x[i]!),
        {
          lower: new Float64Array(contIdx.length),
          upper: new Float64Array(contIdx.length).fill(1),
          maxIter: 200,
          gtol: 1e-6,
        },
      );
      const xn = Float64Array.from(x);
      contIdx.forEach((i, j) => {
        xn[i] = r.x[j]!;
      });
      const cn = mixed ? enc.canonical(xn) : xn;
      const fn = acq.value(cn);
      if (fn > f) {
        x = cn;
        f = fn;
      }
    }
    if (!mixed) break;
    let improved = false;
    for (const move of discreteMoves(enc, x)) {
      const cand = enc.canonical(move);
      const fc = acq.value(cand);
      if (fc > f + 1e-12) {
        x = cand;
        f = fc;
        improved = true;
      }
    }
    if (!improved) break;
  }
  return { x, value: f };
}

/** Neighbouring points that change one discrete parameter (every listed int value, every choice). */
function* discreteMoves(enc: UnitEncoding, x: Float64Array): Generator<Float64Array> {
  const seenOneHot = new Set<number>();
  for (let i = 0; i < enc.dims.length; i++) {
    const d = enc.dims[i]!;
    if (d.kind === 'discrete' && d.grid) {
      for (const u of d.grid) {
        if (u === x[i]) continue;
        const y = Float64Array.from(x);
        y[i] = u;
        yield y;
      }
    } else if (d.kind === 'onehot' && !seenOneHot.has(d.param)) {
      seenOneHot.add(d.param);
      const idx: number[] = [];
      enc.dims.forEach((e, j) => {
        if (e.param === d.param) idx.push(j);
      });
      for (const j of idx) {
        if (x[j] === 1) continue;
        const y = Float64Array.from(x);
        for (const k of idx) y[k] = k === j ? 1 : 0;
        yield y;
      }
    }
  }
}
