/**
 * Log expected improvement of one more point while others are pending, averaged over the
 * pending points' joint posterior (batch log-EI, as Optuna 5 and BoTorch's qLogEI do). For each
 * of a few dozen fixed standard-normal draws of the pending values, the candidate's posterior
 * given those values is Gaussian, so its improvement over min(best, pending draw) has a closed
 * form; the acquisition is the log of the average over draws. Integrating the candidate out
 * exactly (rather than sampling it too) keeps the estimate smooth in x for L-BFGS, and the
 * fixed draws keep it deterministic under the sampler's seed.
 */
import type { Rng } from '@hpo/core';
import { logH } from '../../stats/normal.js';
import type { AcquisitionFunction } from './acquisition.js';
import type { GpPosterior } from './gp-model.js';
import { choleskyJittered, solveLower } from './linalg.js';

export class PendingLogEI implements AcquisitionFunction {
  private readonly m: number;
  private readonly dim: number;
  /** L⁻¹k(X, p_j) and C⁻¹k(X, p_j) per pending point p_j (C = LLᵀ the training covariance). */
  private readonly wp: Float64Array[];
  private readonly ap: Float64Array[];
  /** Cholesky factor of the pending points' joint posterior covariance (m×m, row-major). */
  private readonly lp: Float64Array;
  /** Standard-normal draws of the pending values, m per draw, and each draw's incumbent. */
  private readonly z: Float64Array[];
  private readonly tau: Float64Array;
  // Scratch buffers: value runs thousands of times per ask.
  private readonly gm: Float64Array;
  private readonly gv: Float64Array;
  private readonly c: Float64Array;
  private readonly dc: Float64Array;
  private readonly le: Float64Array;
  private readonly hg: Float64Array;
  private readonly zz: Float64Array;
  private readonly wz: Float64Array;
  private readonly kg: Float64Array;

  constructor(
    private readonly gp: GpPosterior,
    private readonly pending: Float64Array[],
    /** Best standardized loss observed so far. */
    best: number,
    rng: Rng,
    /** Draws of the pending values; rounded up to even, drawn as antithetic pairs. */
    nDraws = 32,
  ) {
    const m = pending.length;
    const n = gp.n;
    this.m = m;
    this.dim = gp.params.isl.length;
    this.wp = pending.map((p) => gp.whiten(Float64Array.from(gp.x, (xi) => gp.kernel(xi, p))));
    this.ap = this.wp.map((w) => gp.unwhiten(w));
    const mu = pending.map((p) => gp.predict(p).mean);
    const cov = new Float64Array(m * m);
    for (let j = 0; j < m; j++) {
      for (let k = 0; k <= j; k++) {
        let s = gp.kernel(pending[j]!, pending[k]!);
        for (let i = 0; i < n; i++) s -= this.wp[j]![i]! * this.wp[k]![i]!;
        cov[j * m + k] = cov[k * m + j] = s;
      }
      cov[j * m + j] = Math.max(cov[j * m + j]!, 0) + 1e-9 * gp.params.scale;
    }
    this.lp = choleskyJittered(cov, m).l;
    const half = Math.max(1, Math.ceil(nDraws / 2));
    this.z = [];
    for (let s = 0; s < half; s++) {
      const z = Float64Array.from({ length: m }, () => rng.normal());
      this.z.push(
        z,
        z.map((v) => -v),
      );
    }
    this.tau = Float64Array.from(this.z, (z) => {
      let t = best;
      for (let j = 0; j < m; j++) {
        let f = mu[j]!;
        for (let k = 0; k <= j; k++) f += this.lp[j * m + k]! * z[k]!;
        t = Math.min(t, f);
      }
      return t;
    });
    const S = this.z.length;
    this.gm = new Float64Array(this.dim);
    this.gv = new Float64Array(this.dim);
    this.c = new Float64Array(m);
    this.dc = new Float64Array(m * this.dim);
    this.le = new Float64Array(S);
    this.hg = new Float64Array(S);
    this.zz = new Float64Array(S);
    this.wz = new Float64Array(m);
    this.kg = new Float64Array(this.dim);
  }

  value(x: ArrayLike<number>, grad?: Float64Array): number {
    const { m, dim, gp } = this;
    const p = gp.predict(x, grad ? { mean: this.gm, variance: this.gv } : undefined);
    const v = gp.lastWhitened;
    const n = gp.n;
    // Posterior covariance of f(x) with each pending value, then whitened by the pending factor.
    const kg = this.kg;
    for (let j = 0; j < m; j++) {
      let s = gp.kernel(x, this.pending[j]!, grad ? kg : undefined);
      const w = this.wp[j]!;
      for (let i = 0; i < n; i++) s -= v[i]! * w[i]!;
      this.c[j] = s;
      if (grad) this.dc.set(kg, j * dim);
    }
    if (grad) {
      // ∂k(x, x_i)/∂x = dk_i · 2 isl ⊙ (x − x_i); subtract Σ_i that · (C⁻¹k(X, p_j))_i.
      const dk = gp.lastDk;
      const isl = gp.params.isl;
      for (let i = 0; i < n; i++) {
        const xi = gp.x[i]!;
        for (let j = 0; j < m; j++) {
          const coef = 2 * dk[i]! * this.ap[j]![i]!;
          const row = j * dim;
          for (let d = 0; d < dim; d++) this.dc[row + d]! -= coef * isl[d]! * (x[d]! - xi[d]!);
        }
      }
    }
    const b = solveLower(this.lp, m, this.c);
    let r = p.variance;
    for (let j = 0; j < m; j++) r -= b[j]! * b[j]!;
    const clamped = r < 1e-12;
    if (clamped) r = 1e-12;
    const sr = Math.sqrt(r);
    const logSr = Math.log(sr);
    const S = this.z.length;
    let mx = Number.NEGATIVE_INFINITY;
    for (let s = 0; s < S; s++) {
      const z = this.z[s]!;
      let mean = p.mean;
      for (let j = 0; j < m; j++) mean += b[j]! * z[j]!;
      const zz = (this.tau[s]! - mean) / sr;
      const h = logH(zz);
      this.zz[s] = zz;
      this.le[s] = logSr + h.value;
      this.hg[s] = h.grad;
      if (this.le[s]! > mx) mx = this.le[s]!;
    }
    let sum = 0;
    for (let s = 0; s < S; s++) sum += Math.exp(this.le[s]! - mx);
    const value = mx + Math.log(sum / S);
    if (grad) {
      // Softmax weights over draws; d log EI_s = dσ/σ + h'_s (−dμ_s − z_s dσ)/σ.
      let w1 = 0;
      let w2 = 0;
      this.wz.fill(0);
      for (let s = 0; s < S; s++) {
        const ws = (Math.exp(this.le[s]! - mx) / sum) * this.hg[s]!;
        w1 += ws;
        w2 += ws * this.zz[s]!;
        const z = this.z[s]!;
        for (let j = 0; j < m; j++) this.wz[j]! += ws * z[j]!;
      }
      // ∂b/∂x = L_p⁻¹ ∂c/∂x, one forward solve per input dimension.
      for (let d = 0; d < dim; d++) {
        let dr = this.gv[d]!;
        let dbz = 0;
        for (let j = 0; j < m; j++) {
          let s = this.dc[j * dim + d]!;
          for (let k = 0; k < j; k++) s -= this.lp[j * m + k]! * this.dc[k * dim + d]!;
          const dbj = s / this.lp[j * m + j]!;
          this.dc[j * dim + d] = dbj;
          dr -= 2 * b[j]! * dbj;
          dbz += dbj * this.wz[j]!;
        }
        const dsr = clamped ? 0 : dr / (2 * sr);
        grad[d] = (dsr / sr) * (1 - w2) - (this.gm[d]! * w1 + dbz) / sr;
      }
    }
    return value;
  }
}
