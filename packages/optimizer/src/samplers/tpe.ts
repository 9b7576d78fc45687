/**
 * Tree-structured Parzen estimator, multivariate: each group of parameters that share an
 * activation condition is sampled jointly from l(x)/g(x), where l models the best `gamma(n)`
 * trials and g the rest. Pending trials join the bad group at half weight (constant liar), which
 * pushes parallel asks apart without driving them out of the good region. Defaults follow Optuna
 * 5's TPESampler except for the bandwidth floor, which follows the spacing of the observations in
 * the group's d dimensions, minBandwidth · (n + 2)^(−1/d), where Optuna clips at 1/(n + 2).
 */
import { Rng } from '@hpo/core';
import type { Params, SearchSpace, SpaceSpec } from '../space/search-space.js';
import { type ParzenDim, ParzenEstimator, type ParzenPoint } from './parzen.js';
import { BaseSampler, type SamplerOptions } from './sampler.js';

export interface TpeSamplerOptions extends SamplerOptions {
  /** Trials sampled at random before the model is used (default 10). */
  nStartupTrials?: number;
  /** Candidates drawn from l(x) per ask (default 24). */
  nEiCandidates?: number;
  /** Size of the good group given the number of observations (default min(⌈0.1n⌉, 25)). */
  gamma?: (n: number) => number;
  /** Weight of the prior kernel (default 1). */
  priorWeight?: number;
  /**
   * Bandwidth floor in unit coordinates, for an estimator of n observations over d numeric
   * dimensions: `minBandwidth · min(100, n + 2)^(−1/d)` with `bandwidthFloor: 'spacing'` (default;
   * minBandwidth default 0.1), `minBandwidth / min(100, n + 2)` with 'optuna' (Optuna's "magic
   * clip"; minBandwidth default 1, as in Optuna). The neighbour-gap bandwidths and Optuna's clip
   * are one-dimensional rules: n points leave gaps of about 1/n along each axis, while in d
   * dimensions they lie about n^(−1/d) apart, so the 1/n clip is too narrow in 5–6 dimensions
   * (Levy-6, a corner optimum) and too wide in 2 (Branin) for a given budget.
   */
  minBandwidth?: number;
  bandwidthFloor?: 'spacing' | 'optuna';
  /**
   * Weight of a pending trial's kernel in g under the constant liar, relative to a completed
   * trial's (default 0.5; Optuna: 1). A pending trial was drawn from l, so it is not yet known to
   * be bad; half weight still keeps parallel asks apart.
   */
  pendingWeight?: number;
  /** Count pending trials as bad observations (default true). */
  constantLiar?: boolean;
  /**
   * Sample parameters sharing a condition jointly (default true, as in Optuna 5). When false each
   * parameter has its own l/g pair (Optuna's independent TPE).
   */
  multivariate?: boolean;
}

interface Member {
  number: number;
  params: Params;
}

export class TpeSampler extends BaseSampler {
  private readonly opts: Required<Omit<TpeSamplerOptions, keyof SamplerOptions>>;
  /** Parameter indices grouped by activation condition, parents' groups first. */
  private readonly groups: number[][];

  constructor(space: SearchSpace | SpaceSpec, options: TpeSamplerOptions = {}) {
    super(space, options);
    this.opts = {
      nStartupTrials: options.nStartupTrials ?? 10,
      nEiCandidates: options.nEiCandidates ?? 24,
      gamma: options.gamma ?? ((n) => Math.min(Math.ceil(0.1 * n), 25)),
      priorWeight: options.priorWeight ?? 1,
      minBandwidth: options.minBandwidth ?? (options.bandwidthFloor === 'optuna' ? 1 : 0.1),
      bandwidthFloor: options.bandwidthFloor ?? 'spacing',
      pendingWeight: options.pendingWeight ?? 0.5,
      constantLiar: options.constantLiar ?? true,
      multivariate: options.multivariate ?? true,
    };
    const byKey = new Map<string, number[]>();
    this.space.params.forEach((p, i) => {
      const key = p.when ? JSON.stringify([p.when.parent, p.when.in]) : '';
      const g = byKey.get(key);
      if (g) g.push(i);
      else byKey.set(key, [i]);
    });
    this.groups = this.opts.multivariate ? [...byKey.values()] : this.space.params.map((_, i) => [i]);
  }

  protected suggest(number: number): Params {
    const rng = Rng.derive(this.seed, 'tpe', number);
    const obs = this.observations();
    if (obs.length < this.opts.nStartupTrials) {
      return this.space.fromUnit(this.space.params.map(() => rng.next()));
    }
    const sorted = [...obs].sort((a, b) => a.loss - b.loss || a.number - b.number);
    const nBelow = Math.max(1, Math.min(sorted.length, this.opts.gamma(sorted.length)));
    const below: Member[] = sorted.slice(0, nBelow);
    const above: Member[] = sorted.slice(nBelow);
    const pending: Member[] = this.opts.constantLiar ? this.pending() : [];
    const params: Params = {};
    for (const group of this.groups) {
      const first = this.space.params[group[0]!]!;
      if (!this.space.isActive(first.name, params)) continue;
      Object.assign(params, this.sampleGroup(group, below, above, pending, rng));
    }
    return params;
  }

  private sampleGroup(
    group: number[],
    below: Member[],
    above: Member[],
    pending: Member[],
    rng: Rng,
  ): Params {
    const defs = group.map((i) => this.space.params[i]!);
    const dims: ParzenDim[] = defs.map((d) => ({
      choices: d.dist.kind === 'categorical' ? d.dist.choices.length : 0,
    }));
    const toPoint = (p: Params): ParzenPoint =>
      Float64Array.from(defs, (d) => {
        const v = p[d.name]!;
        return d.dist.kind === 'categorical' ? d.dist.indexOf(v) : d.dist.toUnit(v as number);
      });
    const numeric = dims.filter((d) => d.choices === 0).length;
    const opts = {
      priorWeight: this.opts.priorWeight,
      minBandwidth: this.opts.minBandwidth,
      floorExponent: this.opts.bandwidthFloor === 'spacing' ? 1 / Math.max(1, numeric) : 1,
    };
    const has = (m: Member): boolean => defs.every((d) => m.params[d.name] !== undefined);
    /** Members by number with Optuna's recency weights; pending ones' scaled by `pendingWeight`. */
    const fit = (members: Member[], pendingMembers: Member[] = []): ParzenEstimator => {
      const isPending = new Set(pendingMembers.map((m) => m.number));
      const having = [...members, ...pendingMembers].filter(has).sort((a, b) => a.number - b.number);
      const weights = defaultWeights(having.length).map((w, i) =>
        isPending.has(having[i]!.number) ? w * this.opts.pendingWeight : w,
      );
      return new ParzenEstimator(
        dims,
        having.map((m) => toPoint(m.params)),
        weights,
        opts,
      );
    };
    const l = fit(below);
    const g = fit(above, pending);
    let best: ParzenPoint | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < this.opts.nEiCandidates; c++) {
      const x = l.sample(rng);
      const score = l.logPdf(x) - g.logPdf(x);
      if (best === undefined || score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    const out: Params = {};
    defs.forEach((d, j) => {
      const v = best![j]!;
      out[d.name] = d.dist.kind === 'categorical' ? d.dist.choices[v]! : d.dist.fromUnit(v);
    });
    return out;
  }
}

/** Optuna's recency weights: flat for the newest 25 trials, a linear ramp down for older ones. */
function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const out: number[] = [];
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) out.push(1);
  return out;
}
