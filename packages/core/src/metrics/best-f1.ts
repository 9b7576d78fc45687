import { type RankedScores, rankScores } from './ranking.js';
import { validateBinaryInputs } from './validate.js';

/** The threshold (probability) that maximises F1 and the F1 it reaches (fraction). */
export interface F1Optimum {
  threshold: number;
  f1: number;
}

/**
 * The F1-optimal threshold over the distinct predicted probabilities (predict 1 when p ≥ it).
 * Only those candidates matter: F1 changes only where a prediction flips. Ties go to the highest
 * threshold, the most conservative choice. When no threshold reaches a true positive (no
 * positives in `yTrue`) F1 is 0 everywhere and the highest predicted probability is returned.
 */
export function findBestF1Threshold(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): F1Optimum {
  validateBinaryInputs(yTrue, yProb);
  return bestF1FromRanked(rankScores(yTrue, yProb));
}

/** `findBestF1Threshold` on scores that are already ranked. */
export function bestF1FromRanked(r: RankedScores): F1Optimum {
  let best: F1Optimum = { threshold: r.thresholds[0]!, f1: -1 };
  for (let k = 0; k < r.thresholds.length; k++) {
    const tp = r.tps[k]!;
    // fp + fn = fps + (P − tp). One rounded division of integers: equal fractions compare equal.
    const denominator = 2 * tp + r.fps[k]! + (r.positives - tp);
    const f1 = denominator === 0 ? 0 : (2 * tp) / denominator;
    if (f1 > best.f1) best = { threshold: r.thresholds[k]!, f1 };
  }
  return best;
}
