import type { ConfusionMatrix } from './types.js';
import { validateBinaryInputs, validateThreshold } from './validate.js';

/** Default decision threshold (probability). */
export const DEFAULT_THRESHOLD = 0.5;

/** Threshold metrics of one confusion matrix; each a fraction in [0, 1]. */
export interface ThresholdScores {
  precision: number;
  recall: number;
  f1: number;
  accuracy: number;
  balancedAccuracy: number;
}

/**
 * Confusion matrix at `threshold` (probability): a sample is predicted 1 when p ≥ threshold, so
 * threshold 0 predicts everything positive and a sample scored exactly at the threshold counts as
 * positive (the same rule as sklearn's curves, so curve points and this matrix agree).
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold = DEFAULT_THRESHOLD,
): ConfusionMatrix {
  validateBinaryInputs(yTrue, yProb);
  validateThreshold(threshold);
  return confusionAt(yTrue, yProb, threshold);
}

/** `confusionMatrix` without validation, for callers that validated already. */
export function confusionAt(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold: number,
): ConfusionMatrix {
  const c: ConfusionMatrix = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    const predicted = yProb[i]! >= threshold;
    if (yTrue[i] === 1) {
      if (predicted) c.tp++;
      else c.fn++;
    } else if (predicted) c.fp++;
    else c.tn++;
  }
  return c;
}

/**
 * Precision, recall, F1, accuracy and balanced accuracy of a confusion matrix. Where a ratio has
 * a zero denominator it is 0, as sklearn's `zero_division=0`: precision with no predicted
 * positives, recall with no positives, F1 = 2tp / (2tp + fp + fn) with neither. Balanced accuracy
 * averages the recall of the classes present in `yTrue` only (as sklearn), so a one-class fold
 * gets that class's recall rather than a half-empty mean.
 */
export function scoresFromConfusion(c: ConfusionMatrix): ThresholdScores {
  const positives = c.tp + c.fn;
  const negatives = c.tn + c.fp;
  const recall = ratio(c.tp, positives);
  const specificity = ratio(c.tn, negatives);
  let balancedAccuracy: number;
  if (positives === 0) balancedAccuracy = specificity;
  else if (negatives === 0) balancedAccuracy = recall;
  else balancedAccuracy = (recall + specificity) / 2;
  return {
    precision: ratio(c.tp, c.tp + c.fp),
    recall,
    f1: ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn),
    accuracy: ratio(c.tp + c.tn, positives + negatives),
    balancedAccuracy,
  };
}

/** Precision at `threshold` (fraction); 0 when nothing is predicted positive. */
export function precision(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold = DEFAULT_THRESHOLD,
): number {
  return scoresFromConfusion(confusionMatrix(yTrue, yProb, threshold)).precision;
}

/** Recall (true positive rate) at `threshold` (fraction); 0 when there are no positives. */
export function recall(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold = DEFAULT_THRESHOLD,
): number {
  return scoresFromConfusion(confusionMatrix(yTrue, yProb, threshold)).recall;
}

/** F1 at `threshold` (fraction); 0 when there are no true positives. */
export function f1Score(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold = DEFAULT_THRESHOLD,
): number {
  return scoresFromConfusion(confusionMatrix(yTrue, yProb, threshold)).f1;
}

/** Accuracy at `threshold` (fraction of samples classified correctly). */
export function accuracy(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold = DEFAULT_THRESHOLD,
): number {
  return scoresFromConfusion(confusionMatrix(yTrue, yProb, threshold)).accuracy;
}

/** Balanced accuracy at `threshold` (fraction): mean per-class recall over the classes present. */
export function balancedAccuracy(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  threshold = DEFAULT_THRESHOLD,
): number {
  return scoresFromConfusion(confusionMatrix(yTrue, yProb, threshold)).balancedAccuracy;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}
