/**
 * Bayesian optimisation with a Gaussian process: a Latin-hypercube initial design, then a
 * Matérn 5/2 ARD GP over the unit-cube encoding (log where declared, ints rounded, categoricals
 * one-hot) with hyperparameters fitted per ask and a pessimistic prior mean (the worst loss
 * seen, by default), and log-EI or UCB maximised by a random sweep
 * plus multi-start local search. Pending trials enter as fantasies: the GP's own mean (kriging
 * believer, default) or the worst observed loss (constant liar), or are integrated out by
 * batch log-EI over joint posterior draws of their values, or penalise EI locally.
 */
import { Rng } from '@hpo/core';
import { UnitEncoding } from '../../space/encoding.js';
import type { Params, SearchSpace, SpaceSpec } from '../../space/search-space.js';
import { BaseSampler, type Observation, type SamplerOptions } from '../sampler.js';
import {
  Acquisition,
  type AcquisitionFunction,
  type AcquisitionKind,
  optimizeAcquisition,
} from './acquisition.js';
import { DEFAULT_LENGTHSCALE_PRIOR, fitKernel, GpPosterior, type LengthscalePrior } from './gp-model.js';
import { latinHypercube } from './initial-design.js';
import { estimateLipschitz, LocalPenalization } from './local-penalization.js';
import { PendingLogEI } from './pending-ei.js';

export interface GpSamplerOptions extends SamplerOptions {
  /** Trials drawn from the Latin-hypercube design before the GP is used (default 8). */
  nStartupTrials?: number;
  /**
   * Where the GP's prior mean sits, as a quantile of the observed losses (default 1: the worst
   * loss seen). Away from data the model reverts to this value, so unexplored regions are assumed
   * no better than the worst trial rather than average: EI stops chasing the corners of the cube
   * and the kernel's amplitude is spent on the good region. 0.5 is the median; the usual
   * zero-mean GP on standardized losses sits near 0.5 on symmetric data.
   */
  priorMeanQuantile?: number;
  /**
   * Losses above Q3 + upperFence × IQR of the observed losses are clipped to that fence before
   * the model sees them (default 1.5, Tukey's fence; 0 turns it off). Without it one diverged
   * trial (a log loss of 50 among values near 0.4) inflates the scale until every other trial
   * looks alike and the GP learns nothing. Only bad values are clipped: the good tail, where
   * the search goes, keeps its resolution.
   */
  upperFence?: number;
  /** Acquisition function (default 'logEI'). */
  acquisition?: AcquisitionKind;
  /** Exploration weight β of UCB, μ − √β σ on the loss (default 2). */
  ucbBeta?: number;
  /**
   * How pending trials enter the acquisition (default 'kriging-believer'). 'batch-log-ei'
   * averages log-EI over joint posterior draws of the pending values (UCB falls back to the
   * believer). 'local-penalization' keeps the GP on real observations and multiplies EI by the
   * probability of lying outside each pending point's Lipschitz ball (UCB: the believer).
   */
  pending?: 'kriging-believer' | 'constant-liar' | 'batch-log-ei' | 'local-penalization';
  /** Posterior draws of the pending values for 'batch-log-ei' (default 32). */
  nPendingDraws?: number;
  /** Random points in the acquisition sweep (default 2048). */
  nCandidates?: number;
  /** Local searches per ask (default 10). */
  nLocalSearch?: number;
  /** Local searches that start from the best observations, within `nLocalSearch` (default 1). */
  nWarmStarts?: number;
  /**
   * Hyperparameters are fitted on at most this many observations (the best half and a seeded
   * random rest); the posterior always uses all of them. Bounds ask latency (default 100).
   */
  maxFitPoints?: number;
  /** Noise floor in standardized units (default 1e-6). */
  minNoise?: number;
  /** Prior on inverse squared lengthscales (default `DEFAULT_LENGTHSCALE_PRIOR`). */
  lengthscalePrior?: LengthscalePrior;
}

export class GpSampler extends BaseSampler {
  private readonly enc: UnitEncoding;
  private readonly design: Float64Array[];
  private readonly o: Required<Omit<GpSamplerOptions, keyof SamplerOptions>>;

  constructor(space: SearchSpace | SpaceSpec, options: GpSamplerOptions = {}) {
    super(space, options);
    this.o = {
      nStartupTrials: options.nStartupTrials ?? 8,
      priorMeanQuantile: options.priorMeanQuantile ?? 1,
      upperFence: options.upperFence ?? 1.5,
      acquisition: options.acquisition ?? 'logEI',
      ucbBeta: options.ucbBeta ?? 2,
      pending: options.pending ?? 'kriging-believer',
      nPendingDraws: options.nPendingDraws ?? 32,
      nCandidates: options.nCandidates ?? 2048,
      nLocalSearch: options.nLocalSearch ?? 10,
      nWarmStarts: options.nWarmStarts ?? 1,
      maxFitPoints: options.maxFitPoints ?? 100,
      minNoise: options.minNoise ?? 1e-6,
      lengthscalePrior: options.lengthscalePrior ?? DEFAULT_LENGTHSCALE_PRIOR,
    };
    const q = this.o.priorMeanQuantile;
    if (!(q >= 0 && q <= 1)) throw new RangeError(`priorMeanQuantile must be in [0, 1], got ${q}`);
    if (!(this.o.upperFence >= 0))
      throw new RangeError(`upperFence must be a number >= 0, got ${this.o.upperFence}`);
    this.enc = new UnitEncoding(this.space);
    this.design = latinHypercube(
      this.o.nStartupTrials,
      this.space.params.length,
      Rng.derive(this.seed, 'gp-design'),
    );
  }

  protected suggest(number: number): Params {
    const rng = Rng.derive(this.seed, 'gp', number);
    const obs = this.observations();
    if (number < this.design.length) return this.space.fromUnit(this.design[number]!);
    if (obs.length < 2) return this.space.fromUnit(this.space.params.map(() => rng.next()));

    const xs = obs.map((o) => this.enc.encode(o.params));
    const ys = standardize(obs, this.o.priorMeanQuantile, this.o.upperFence);
    const fitIdx = this.fitSubset(obs, rng);
    const kp = fitKernel(
      fitIdx.map((i) => xs[i]!),
      Float64Array.from(fitIdx, (i) => ys[i]!),
      { minNoise: this.o.minNoise, lengthscalePrior: this.o.lengthscalePrior },
    );
    if (process.env.GP_DEBUG)
      console.error(
        number,
        [...kp.isl].map((v) => v.toPrecision(3)).join(' '),
        kp.scale.toPrecision(3),
        kp.noise.toPrecision(3),
      );
    let gp = new GpPosterior(kp, xs, ys);
    const order = bestFirst(ys);
    let best = ys[order[0]!]!;
    const pending = this.pending().map((p) => this.enc.encode(p.params));
    let acq: AcquisitionFunction | undefined;
    if (pending.length > 0 && this.o.pending === 'batch-log-ei' && this.o.acquisition === 'logEI') {
      const draws = Rng.derive(this.seed, 'gp-pending', number);
      acq = new PendingLogEI(gp, pending, best, draws, this.o.nPendingDraws);
    } else if (
      pending.length > 0 &&
      this.o.pending === 'local-penalization' &&
      this.o.acquisition === 'logEI'
    ) {
      const lc = estimateLipschitz(gp, Rng.derive(this.seed, 'gp-lipschitz', number));
      const base = new Acquisition(gp, this.o.acquisition, best, this.o.ucbBeta);
      acq = new LocalPenalization(base, gp, pending, best, lc);
    } else if (pending.length > 0) {
      const worst = Math.max(...ys);
      const fantasies = pending.map((p) => (this.o.pending === 'constant-liar' ? worst : gp.predict(p).mean));
      gp = new GpPosterior(kp, [...xs, ...pending], Float64Array.from([...ys, ...fantasies]));
      // The believer treats fantasies as data, incumbent included: otherwise EI stays high right
      // next to a pending point whose fantasy beats the best observation, and asks pile up there.
      for (const f of fantasies) best = Math.min(best, f);
    }
    acq ??= new Acquisition(gp, this.o.acquisition, best, this.o.ucbBeta);
    const { x } = optimizeAcquisition(acq, this.enc, rng, {
      nCandidates: this.o.nCandidates,
      nLocalSearch: this.o.nLocalSearch,
      warmStarts: order.slice(0, this.o.nWarmStarts).map((i) => xs[i]!),
    });
    return this.enc.decode(x);
  }

  /** Indices of the observations used to fit hyperparameters. */
  private fitSubset(obs: Observation[], rng: Rng): number[] {
    const all = obs.map((_, i) => i);
    if (obs.length <= this.o.maxFitPoints) return all;
    const byLoss = [...all].sort((a, b) => obs[a]!.loss - obs[b]!.loss || a - b);
    const half = this.o.maxFitPoints >> 1;
    const rest = rng.shuffle(byLoss.slice(half)).slice(0, this.o.maxFitPoints - half);
    return [...byLoss.slice(0, half), ...rest].sort((a, b) => a - b);
  }
}

/** Observation indices ordered by loss, ties by index. */
function bestFirst(ys: Float64Array): number[] {
  return Array.from(ys, (_, i) => i).sort((a, b) => ys[a]! - ys[b]! || a - b);
}

/**
 * Losses clipped at the upper fence Q3 + `upperFence`·IQR (when the IQR is not 0), scaled to
 * standard deviation 1 (scale 1 when all are equal) and shifted so that the `priorMeanQuantile`
 * of them is 0, the GP's prior mean.
 */
function standardize(obs: Observation[], priorMeanQuantile: number, upperFence: number): Float64Array {
  const n = obs.length;
  const sorted = obs.map((o) => o.loss).sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.round(p * (n - 1))]!;
  const iqr = q(0.75) - q(0.25);
  const cap = upperFence > 0 && iqr > 0 ? q(0.75) + upperFence * iqr : Number.POSITIVE_INFINITY;
  // Clipping keeps the order, so `sorted` stays sorted once clipped too.
  const raw = obs.map((o) => Math.min(o.loss, cap));
  let mean = 0;
  for (const l of raw) mean += l / n;
  let v = 0;
  for (const l of raw) v += (l - mean) ** 2 / n;
  const sd = v > 0 ? Math.sqrt(v) : 1;
  const origin = Math.min(q(priorMeanQuantile), cap);
  return Float64Array.from(raw, (l) => (l - origin) / sd);
}
