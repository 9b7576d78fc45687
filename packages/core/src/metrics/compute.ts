import { bestF1FromRanked } from './best-f1.js';
import { DEFAULT_MAX_CURVE_POINTS, prCurveFromRanked, rocCurveFromRanked } from './curves.js';
import { logLossUnchecked } from './log-loss.js';
import { averagePrecisionFromRanked, type RankedScores, rankScores, rocAucFromRanked } from './ranking.js';
import { confusionAt, DEFAULT_THRESHOLD, scoresFromConfusion } from './threshold.js';
import type { FoldMetrics } from './types.js';
import { validateBinaryInputs, validateMaxPoints, validateThreshold } from './validate.js';

/** Options of `computeMetrics`. */
export interface ComputeMetricsOptions {
  /** Decision threshold (probability in [0, 1]) for the threshold metrics: predict 1 when p ≥ it. Default 0.5. */
  threshold?: number;
  /** Most points kept per curve (integer ≥ 2, or Infinity for all). Default 200. */
  maxCurvePoints?: number;
}

/** `ComputeMetricsOptions` with defaults filled in and values checked; throws `MetricsError`. */
export function resolveComputeMetricsOptions(
  options: ComputeMetricsOptions = {},
): Required<ComputeMetricsOptions> {
  const resolved = {
    threshold: options.threshold ?? DEFAULT_THRESHOLD,
    maxCurvePoints: options.maxCurvePoints ?? DEFAULT_MAX_CURVE_POINTS,
  };
  validateThreshold(resolved.threshold);
  validateMaxPoints(resolved.maxCurvePoints);
  return resolved;
}

/**
 * All metrics of one fold in one pass over sorted scores: the ranking metrics, the threshold
 * metrics at `options.threshold`, the F1-optimal threshold, log loss and downsampled curves.
 * Never returns NaN: undefined cases get the conventions documented on `MetricFlags`, and the
 * flags say which applied. Throws `MetricsError` on invalid input.
 */
export function computeMetrics(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  options: ComputeMetricsOptions = {},
): FoldMetrics {
  const { threshold, maxCurvePoints } = resolveComputeMetricsOptions(options);
  validateBinaryInputs(yTrue, yProb);
  const ranked = rankScores(yTrue, yProb);
  // In the order FoldMetrics lists them (curves before flags), as before.
  const { flags, ...scalars } = scalarsFromRanked(yTrue, yProb, ranked, threshold);
  return {
    ...scalars,
    curves: {
      roc: rocCurveFromRanked(ranked, maxCurvePoints),
      pr: prCurveFromRanked(ranked, maxCurvePoints),
    },
    flags,
  };
}

/**
 * `computeMetrics` without the curves (`options.maxCurvePoints` is checked, not used): what a fold's
 * result carries, and what a rung report needs. Same values, same errors.
 */
export function computeScalarMetrics(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  options: ComputeMetricsOptions = {},
): Omit<FoldMetrics, 'curves'> {
  const { threshold } = resolveComputeMetricsOptions(options);
  validateBinaryInputs(yTrue, yProb);
  return scalarsFromRanked(yTrue, yProb, rankScores(yTrue, yProb), threshold);
}

function scalarsFromRanked(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  ranked: RankedScores,
  threshold: number,
): Omit<FoldMetrics, 'curves'> {
  const confusion = confusionAt(yTrue, yProb, threshold);
  const scores = scoresFromConfusion(confusion);
  const best = bestF1FromRanked(ranked);
  return {
    rocAuc: rocAucFromRanked(ranked),
    prAuc: averagePrecisionFromRanked(ranked),
    ...scores,
    logLoss: logLossUnchecked(yTrue, yProb),
    threshold,
    bestF1Threshold: best.threshold,
    bestF1: best.f1,
    confusion,
    flags: {
      singleClass: ranked.positives === 0 || ranked.negatives === 0,
      noPredictedPositives: confusion.tp + confusion.fp === 0,
    },
  };
}
