import { MetricsError } from './errors.js';

/**
 * Checks that `yTrue` holds only 0/1 labels and `yProb` only probabilities in [0, 1], of the same
 * non-zero length. Every public metric calls this first, so no metric ever sees NaN input.
 */
export function validateBinaryInputs(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): void {
  if (yTrue.length !== yProb.length) {
    throw new MetricsError(
      'yProb',
      `length ${yProb.length} does not match yTrue length ${yTrue.length} (one probability per sample)`,
    );
  }
  if (yTrue.length === 0) throw new MetricsError('yTrue', 'is empty; metrics need at least one sample');
  for (let i = 0; i < yTrue.length; i++) {
    const label = yTrue[i]!;
    if (label !== 0 && label !== 1) {
      throw new MetricsError('yTrue', `label ${String(label)} is not 0 or 1`, i);
    }
    const p = yProb[i]!;
    // Written so that NaN fails too: every comparison with NaN is false.
    if (!(p >= 0 && p <= 1)) {
      throw new MetricsError('yProb', `probability ${String(p)} is not a number in [0, 1]`, i);
    }
  }
}

/** Checks a decision threshold (probability): a number in [0, 1]. */
export function validateThreshold(threshold: number): void {
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new MetricsError('threshold', `${String(threshold)} is not a number in [0, 1]`);
  }
}

/** Checks a curve point budget: an integer >= 2, so both endpoints always fit. */
export function validateMaxPoints(maxPoints: number): void {
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2) && maxPoints !== Number.POSITIVE_INFINITY) {
    throw new MetricsError('maxPoints', `${String(maxPoints)} is not an integer >= 2 (or Infinity)`);
  }
}
