/**
 * Choosing a decision threshold from out-of-fold predictions, by a rule the user states: the
 * best F1, a target recall, a target precision, or the least expected cost of errors.
 */
import { bestF1FromRanked } from './best-f1.js';
import { rankScores } from './ranking.js';
import { validateBinaryInputs } from './validate.js';

/** How the threshold is chosen (the study spec's `decision`). */
export type DecisionRule =
  | { rule: 'bestF1' }
  /** The highest threshold whose recall is at least `target` (most precise such). */
  | { rule: 'recall'; target: number }
  /** The lowest threshold whose precision is at least `target` (most sensitive such). */
  | { rule: 'precision'; target: number }
  /** The threshold of least falsePositiveCost·FP + falseNegativeCost·FN. */
  | { rule: 'cost'; falsePositiveCost: number; falseNegativeCost: number };

/** A chosen threshold, the rule that chose it and what it achieves on the data it was chosen on. */
export interface Decision {
  threshold: number;
  /** The rule in words, e.g. `recall ≥ 0.9`. */
  rule: string;
  precision: number;
  recall: number;
  f1: number;
  /** False when the rule's target could not be met (the closest threshold is used). */
  reached: boolean;
}

/** The rule in words (for metadata and messages). */
export function describeRule(r: DecisionRule): string {
  switch (r.rule) {
    case 'bestF1':
      return 'best F1';
    case 'recall':
      return `recall ≥ ${r.target}`;
    case 'precision':
      return `precision ≥ ${r.target}`;
    case 'cost':
      return `least cost (FP ${r.falsePositiveCost}, FN ${r.falseNegativeCost})`;
  }
}

/** Chooses a threshold (predict positive when p ≥ it) on labels `y` and probabilities `p`. */
export function chooseThreshold(r: DecisionRule, y: ArrayLike<number>, p: ArrayLike<number>): Decision {
  validateBinaryInputs(y, p);
  const ranked = rankScores(y, p);
  const { thresholds, tps, fps, positives } = ranked;
  const at = (k: number, reached = true): Decision => {
    const tp = tps[k]!;
    const fp = fps[k]!;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = positives === 0 ? 0 : tp / positives;
    const f1 = 2 * tp + fp + (positives - tp) === 0 ? 0 : (2 * tp) / (2 * tp + fp + (positives - tp));
    return { threshold: thresholds[k]!, rule: describeRule(r), precision, recall, f1, reached };
  };
  const n = thresholds.length;
  switch (r.rule) {
    case 'bestF1': {
      const best = bestF1FromRanked(ranked);
      return at(Math.max(0, thresholds.indexOf(best.threshold)));
    }
    case 'recall': {
      // Thresholds descend, recall rises: the first k reaching the target is the highest threshold.
      for (let k = 0; k < n; k++) if (positives > 0 && tps[k]! / positives >= r.target) return at(k);
      return at(n - 1, false);
    }
    case 'precision': {
      // The lowest threshold (largest k) with precision ≥ target; else the most precise one
      // (on a tie, the lowest threshold: as precise, more recall).
      for (let k = n - 1; k >= 0; k--) if (tps[k]! / (tps[k]! + fps[k]!) >= r.target) return at(k);
      let best = 0;
      for (let k = 1; k < n; k++)
        if (tps[k]! / (tps[k]! + fps[k]!) >= tps[best]! / (tps[best]! + fps[best]!)) best = k;
      return at(best, false);
    }
    case 'cost': {
      let best = 0;
      let bestCost = Number.POSITIVE_INFINITY;
      for (let k = 0; k < n; k++) {
        const cost = r.falsePositiveCost * fps[k]! + r.falseNegativeCost * (positives - tps[k]!);
        if (cost < bestCost) {
          bestCost = cost;
          best = k;
        }
      }
      // Predicting no positive at all (a threshold above every probability) may cost less.
      if (r.falseNegativeCost * positives < bestCost) {
        return {
          threshold: Math.min(1, thresholds[0]! + 1e-9),
          rule: describeRule(r),
          precision: 0,
          recall: 0,
          f1: 0,
          reached: true,
        };
      }
      return at(best);
    }
  }
}
