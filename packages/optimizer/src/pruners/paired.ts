/**
 * Paired-test pruning: compare a trial fold by fold with the best completed trial (the folds are
 * the same data) and stop it when a one-sided paired t-test says it is worse at level `alpha`.
 */
import { studentTCdf } from '../stats/student-t.js';
import { mean, type Pruner, type PrunerOptions } from './pruner.js';

export interface PairedPrunerOptions extends PrunerOptions {
  /** Significance level of the one-sided test, a probability (default 0.05). */
  alpha?: number;
  /** Folds seen before testing; at least 2 (default 2). */
  minFolds?: number;
}

export class PairedPruner implements Pruner {
  private readonly sign: number;
  private readonly alpha: number;
  private readonly minFolds: number;

  constructor(options: PairedPrunerOptions = {}) {
    this.sign = options.direction === 'maximize' ? -1 : 1;
    this.alpha = options.alpha ?? 0.05;
    this.minFolds = Math.max(2, options.minFolds ?? 2);
    if (!(this.alpha > 0 && this.alpha < 1))
      throw new RangeError(`alpha must be in (0, 1), got ${this.alpha}`);
  }

  /** One-sided p-value of "current is worse than best" over the folds seen so far; 1 when untestable. */
  pValue(current: readonly number[], completed: readonly (readonly number[])[]): number {
    const n = current.length;
    let best: readonly number[] | undefined;
    for (const c of completed) if (!best || this.sign * mean(c) < this.sign * mean(best)) best = c;
    if (!best || n < this.minFolds || best.length < n) return 1;
    // Positive differences mean the current trial is worse on that fold.
    const d = current.map((v, i) => this.sign * (v - best[i]!));
    const md = mean(d);
    let ss = 0;
    for (const x of d) ss += (x - md) ** 2;
    const sd = Math.sqrt(ss / (n - 1));
    if (sd === 0) return md > 0 ? 0 : 1;
    return 1 - studentTCdf(md / (sd / Math.sqrt(n)), n - 1);
  }

  shouldPrune(current: readonly number[], completed: readonly (readonly number[])[]): boolean {
    return this.pValue(current, completed) < this.alpha;
  }
}
