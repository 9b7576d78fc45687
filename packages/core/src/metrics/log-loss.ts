import { mean } from 'simple-statistics';
import { validateBinaryInputs } from './validate.js';

/**
 * Clipping bound for log loss: the float64 machine epsilon (2^-52 ≈ 2.22e-16), as sklearn ≥ 1.5
 * does (`np.finfo(float64).eps`), so our values match sklearn's exactly rather than the older
 * 1e-15 convention. It keeps a confident wrong answer (p = 0 for a positive) finite: ≈ 36.04 nats.
 */
export const LOG_LOSS_EPSILON = Number.EPSILON;

/**
 * Binary cross-entropy (nats per sample): mean of −[y·ln p + (1 − y)·ln(1 − p)], with p clipped to
 * [ε, 1 − ε] (see `LOG_LOSS_EPSILON`). Defined for one-class folds too, so never flagged.
 */
export function logLoss(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  validateBinaryInputs(yTrue, yProb);
  return logLossUnchecked(yTrue, yProb);
}

/** `logLoss` without validation, for callers that validated already. */
export function logLossUnchecked(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  const losses = new Array<number>(yTrue.length);
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(Math.max(yProb[i]!, LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
    losses[i] = yTrue[i] === 1 ? -Math.log(p) : -Math.log1p(-p);
  }
  // simple-statistics sums with compensation, so long folds do not drift.
  return mean(losses);
}
