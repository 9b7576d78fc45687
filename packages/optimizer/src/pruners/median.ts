/**
 * Median pruning: after fold j, stop a trial whose running mean over folds 0..j is worse than
 * the median of completed trials' running means over the same folds.
 */
import { mean, type Pruner, type PrunerOptions } from './pruner.js';

export interface MedianPrunerOptions extends PrunerOptions {
  /** Completed trials needed before anything is pruned (default 5). */
  nWarmupTrials?: number;
  /** Folds every trial runs before it may be pruned (default 1). */
  nWarmupFolds?: number;
}

export class MedianPruner implements Pruner {
  private readonly sign: number;
  private readonly nWarmupTrials: number;
  private readonly nWarmupFolds: number;

  constructor(options: MedianPrunerOptions = {}) {
    this.sign = options.direction === 'maximize' ? -1 : 1;
    this.nWarmupTrials = options.nWarmupTrials ?? 5;
    this.nWarmupFolds = options.nWarmupFolds ?? 1;
  }

  shouldPrune(current: readonly number[], completed: readonly (readonly number[])[]): boolean {
    const j = current.length;
    if (j === 0 || j < this.nWarmupFolds) return false;
    const others = completed.filter((c) => c.length >= j).map((c) => this.sign * mean(c, j));
    if (others.length < this.nWarmupTrials) return false;
    others.sort((a, b) => a - b);
    const m = others.length >> 1;
    const median = others.length % 2 ? others[m]! : (others[m - 1]! + others[m]!) / 2;
    return this.sign * mean(current) > median;
  }
}
