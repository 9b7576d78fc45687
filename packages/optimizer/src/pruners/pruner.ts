/** The fold-level pruning decision shared by all pruners. */
import type { Direction } from '../samplers/sampler.js';

/**
 * After each fold of a trial, the orchestrator asks whether to stop the remaining folds.
 * `current` holds the trial's fold values so far (fold order); `completed` holds the fold values
 * of trials that ran every fold (same fold order: folds are shared by all trials of a study).
 */
export interface Pruner {
  shouldPrune(current: readonly number[], completed: readonly (readonly number[])[]): boolean;
}

export interface PrunerOptions {
  /** Whether lower (default) or higher fold values are better. */
  direction?: Direction;
}

export function mean(xs: readonly number[], n = xs.length): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i]!;
  return s / n;
}
