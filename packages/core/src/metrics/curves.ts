import { type RankedScores, rankScores } from './ranking.js';
import type { PrCurve, RocCurve } from './types.js';
import { validateBinaryInputs, validateMaxPoints } from './validate.js';

/** Default point budget per curve: enough to plot, small enough to ship with every fold result. */
export const DEFAULT_MAX_CURVE_POINTS = 200;

/**
 * ROC curve: (0, 0), then one point per distinct predicted probability (highest first), ending at
 * (1, 1) — the same points as sklearn's `roc_curve(drop_intermediate=False)`. A one-class fold
 * has no defined rates; it returns the diagonal (0, 0)–(1, 1), matching its AUC of 0.5.
 * Downsampled to at most `maxPoints` points (see `downsampleCurve`).
 */
export function rocCurve(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  maxPoints = DEFAULT_MAX_CURVE_POINTS,
): RocCurve {
  validateBinaryInputs(yTrue, yProb);
  validateMaxPoints(maxPoints);
  return rocCurveFromRanked(rankScores(yTrue, yProb), maxPoints);
}

/**
 * Precision–recall curve: (recall 0, precision 1), then one point per distinct predicted
 * probability (highest first) — sklearn's `precision_recall_curve` read backwards. As in sklearn,
 * recall is 1 when there are no positives (all-negative fold: precision 0 at every threshold).
 * Downsampled to at most `maxPoints` points (see `downsampleCurve`).
 */
export function prCurve(
  yTrue: ArrayLike<number>,
  yProb: ArrayLike<number>,
  maxPoints = DEFAULT_MAX_CURVE_POINTS,
): PrCurve {
  validateBinaryInputs(yTrue, yProb);
  validateMaxPoints(maxPoints);
  return prCurveFromRanked(rankScores(yTrue, yProb), maxPoints);
}

/** `rocCurve` on scores that are already ranked. */
export function rocCurveFromRanked(r: RankedScores, maxPoints: number): RocCurve {
  if (r.positives === 0 || r.negatives === 0) return { fpr: [0, 1], tpr: [0, 1] };
  const fpr = [0];
  const tpr = [0];
  for (let k = 0; k < r.thresholds.length; k++) {
    fpr.push(r.fps[k]! / r.negatives);
    tpr.push(r.tps[k]! / r.positives);
  }
  const kept = downsampleCurve(fpr, tpr, maxPoints);
  return { fpr: kept.x, tpr: kept.y };
}

/** `prCurve` on scores that are already ranked. */
export function prCurveFromRanked(r: RankedScores, maxPoints: number): PrCurve {
  const recall = [0];
  const precision = [1];
  for (let k = 0; k < r.thresholds.length; k++) {
    const tp = r.tps[k]!;
    // No positives: every positive is trivially found. sklearn's convention, so curves agree with it.
    recall.push(r.positives === 0 ? 1 : tp / r.positives);
    // Every distinct threshold predicts at least one sample positive, so tp + fp > 0.
    precision.push(tp / (tp + r.fps[k]!));
  }
  const kept = downsampleCurve(recall, precision, maxPoints);
  return { recall: kept.x, precision: kept.y };
}

/**
 * Reduces a polyline to at most `maxPoints` of its own points, always keeping the first and last.
 * Curves that fit are returned whole. Otherwise interior points that lie on a straight segment (or
 * repeat their neighbour) go first, losing nothing; if still too many, points are picked evenly by
 * arc length, so steep and flat stretches keep the same density and the shape survives. Only
 * original points are kept, so every point is a real operating point.
 */
export function downsampleCurve(
  x: readonly number[],
  y: readonly number[],
  maxPoints: number,
): { x: number[]; y: number[] } {
  validateMaxPoints(maxPoints);
  if (x.length <= maxPoints) return { x: [...x], y: [...y] };
  const kept = dropCollinear(x, y);
  const indices = kept.length <= maxPoints ? kept : pickByArcLength(kept, x, y, maxPoints);
  return { x: indices.map((i) => x[i]!), y: indices.map((i) => y[i]!) };
}

/** Indices of the points that are not on the segment between their kept neighbours. */
function dropCollinear(x: readonly number[], y: readonly number[]): number[] {
  const kept = [0];
  for (let i = 1; i < x.length - 1; i++) {
    const a = kept[kept.length - 1]!;
    // Cross product of (a→i) and (i→i+1); zero means i adds no corner. Coordinates are rates in
    // [0, 1], so an absolute tolerance is meaningful.
    const cross = (x[i]! - x[a]!) * (y[i + 1]! - y[i]!) - (y[i]! - y[a]!) * (x[i + 1]! - x[i]!);
    const repeats = x[i] === x[a] && y[i] === y[a];
    if (!repeats && Math.abs(cross) > 1e-12) kept.push(i);
  }
  kept.push(x.length - 1);
  return kept;
}

/** `maxPoints` of `candidates` (indices into x/y), spaced evenly along the curve's length. */
function pickByArcLength(
  candidates: number[],
  x: readonly number[],
  y: readonly number[],
  maxPoints: number,
): number[] {
  const length = [0];
  for (let j = 1; j < candidates.length; j++) {
    const a = candidates[j - 1]!;
    const b = candidates[j]!;
    length.push(length[j - 1]! + Math.hypot(x[b]! - x[a]!, y[b]! - y[a]!));
  }
  const total = length[length.length - 1]!;
  const last = candidates.length - 1;
  const picked: number[] = [];
  let j = 0;
  for (let m = 0; m < maxPoints; m++) {
    const target = (total * m) / (maxPoints - 1);
    while (j < last && length[j + 1]! <= target) j++;
    let nearest = j < last && length[j + 1]! - target < target - length[j]! ? j + 1 : j;
    if (m === maxPoints - 1) nearest = last;
    // Strictly increasing, and leave room for the points still to pick, so the endpoints survive.
    const previous = picked.length === 0 ? -1 : picked[picked.length - 1]!;
    nearest = Math.min(Math.max(nearest, previous + 1), last - (maxPoints - 1 - m));
    picked.push(nearest);
  }
  return picked.map((p) => candidates[p]!);
}
