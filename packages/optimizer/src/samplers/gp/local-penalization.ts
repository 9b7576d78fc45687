/**
 * Local penalisation of an acquisition around pending points (González et al. 2016, "Batch
 * Bayesian Optimization via Local Penalization"). If the loss is L-Lipschitz, a pending point
 * x_j whose value turns out to be f_j rules out the ball of radius (f_j − best)/L around it;
 * with f_j ~ N(μ_j, σ_j²), the probability that x lies outside that ball is
 * φ_j(x) = Φ((L‖x − x_j‖ − μ_j + best)/σ_j). The penalised log-acquisition adds Σ_j log φ_j(x)
 * to the base one, so the GP itself stays conditioned on real observations only.
 */
import type { Rng } from '@hpo/core';
import { logNormCdf, millsRatio, normCdf, normPdf } from '../../stats/normal.js';
import type { AcquisitionFunction } from './acquisition.js';
import type { GpPosterior } from './gp-model.js';

export class LocalPenalization implements AcquisitionFunction {
  private readonly mu: Float64Array;
  private readonly sd: Float64Array;
  private readonly dim: number;

  constructor(
    private readonly base: AcquisitionFunction,
    gp: GpPosterior,
    private readonly pending: Float64Array[],
    /** Best standardized loss observed so far. */
    private readonly best: number,
    /** Lipschitz constant of the loss in standardized units per unit-cube distance. */
    private readonly lipschitz: number,
  ) {
    this.dim = gp.params.isl.length;
    this.mu = new Float64Array(pending.length);
    this.sd = new Float64Array(pending.length);
    pending.forEach((p, j) => {
      const q = gp.predict(p);
      this.mu[j] = q.mean;
      // The noise keeps σ_j away from 0 at a re-suggested point, where the ball would be hard.
      this.sd[j] = Math.sqrt(q.variance + gp.params.noise);
    });
  }

  /** Penalised log-acquisition at x; writes ∂/∂x into `grad` when given. */
  value(x: ArrayLike<number>, grad?: Float64Array): number {
    let v = this.base.value(x, grad);
    const { dim, lipschitz: lc } = this;
    for (let j = 0; j < this.pending.length; j++) {
      const p = this.pending[j]!;
      let r2 = 0;
      for (let d = 0; d < dim; d++) r2 += (x[d]! - p[d]!) ** 2;
      const r = Math.sqrt(r2);
      const z = (lc * r - this.mu[j]! + this.best) / this.sd[j]!;
      v += logNormCdf(z);
      if (grad && r > 0) {
        // d log Φ(z)/dz = φ(z)/Φ(z), written with the Mills ratio where Φ(z) underflows.
        const dlog = z >= 0 ? normPdf(z) / normCdf(z) : 1 / millsRatio(-z);
        const c = (dlog * lc) / (this.sd[j]! * r);
        for (let d = 0; d < dim; d++) grad[d]! += c * (x[d]! - p[d]!);
      }
    }
    return v;
  }
}

/**
 * Largest norm of the posterior mean's gradient over the observations and `nRandom` uniform
 * points: an estimate of the loss's Lipschitz constant (standardized units per unit distance).
 */
export function estimateLipschitz(gp: GpPosterior, rng: Rng, nRandom = 256): number {
  const dim = gp.params.isl.length;
  const g = { mean: new Float64Array(dim), variance: new Float64Array(dim) };
  const x = new Float64Array(dim);
  let best = 0;
  const at = (p: ArrayLike<number>): void => {
    gp.predict(p, g);
    let s = 0;
    for (let d = 0; d < dim; d++) s += g.mean[d]! ** 2;
    best = Math.max(best, Math.sqrt(s));
  };
  for (const p of gp.x) at(p);
  for (let i = 0; i < nRandom; i++) {
    for (let d = 0; d < dim; d++) x[d] = rng.next();
    at(x);
  }
  // A flat mean gives no scale; fall back to one standardized unit per unit distance.
  return best > 1e-7 ? best : 1;
}
