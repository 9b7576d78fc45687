import { validateBinaryInputs } from './validate.js';

/**
 * Samples grouped by distinct predicted probability, highest first: the operating points of
 * every threshold that changes a prediction. ROC AUC, average precision, the curves and the
 * best-F1 search all read these, so a fold is sorted once (O(n log n)).
 */
export interface RankedScores {
  /** Distinct predicted probabilities, descending. */
  thresholds: Float64Array;
  /** `tps[k]`: positives with probability >= `thresholds[k]` (cumulative count). */
  tps: Float64Array;
  /** `fps[k]`: negatives with probability >= `thresholds[k]` (cumulative count). */
  fps: Float64Array;
  /** Number of positive labels. */
  positives: number;
  /** Number of negative labels. */
  negatives: number;
}

/**
 * Sorts and groups a fold by probability; inputs must already be validated. The positives' and
 * the negatives' probabilities are sorted apart, each with the typed array's own numeric sort,
 * and merged from the top: no comparator is called per pair. Against the comparator sort it
 * replaced, interleaved (medians of 9 rounds, 4 runs): 2.2–2.7× faster on 480 rows (a tiny fold's
 * validation rows), 2.3–4.7× on 20,000–200,000 and 2.5–2.8× on 2,000,000 (an out-of-fold block
 * of a big dataset).
 * `bench/dist/trainer/run.js --only=metrics` times it as a fold and an out-of-fold block use it.
 */
export function rankScores(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): RankedScores {
  const n = yTrue.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (yTrue[i] === 1) positives++;
  const pos = new Float64Array(positives);
  const neg = new Float64Array(n - positives);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (yTrue[i] === 1) pos[a++] = yProb[i]!;
    else neg[b++] = yProb[i]!;
  }
  pos.sort();
  neg.sort();
  // A typed array sorts NaN last. NaN equals nothing, so unvalidated input would loop below for ever.
  if (Number.isNaN(pos[pos.length - 1]) || Number.isNaN(neg[neg.length - 1]))
    throw new Error('rankScores: a probability is NaN (validate the inputs first)');
  const thresholds = new Float64Array(n);
  const tps = new Float64Array(n);
  const fps = new Float64Array(n);
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let groups = 0;
  while (i >= 0 || j >= 0) {
    // The highest probability left closes one group with every sample (of either class) tied on it.
    const v = i < 0 ? neg[j]! : j < 0 ? pos[i]! : Math.max(pos[i]!, neg[j]!);
    while (i >= 0 && pos[i] === v) {
      tp++;
      i--;
    }
    while (j >= 0 && neg[j] === v) {
      fp++;
      j--;
    }
    // -0 and 0 are one group, shown as 0.
    thresholds[groups] = v === 0 ? 0 : v;
    tps[groups] = tp;
    fps[groups] = fp;
    groups++;
  }
  return {
    thresholds: thresholds.slice(0, groups),
    tps: tps.slice(0, groups),
    fps: fps.slice(0, groups),
    positives: tp,
    negatives: fp,
  };
}

/**
 * ROC AUC from ranked scores. Counts, over all (positive, negative) pairs, those where the positive
 * scores higher, plus half of the tied pairs: the Mann–Whitney U statistic with midranks divided
 * by P·N. All sums are integers or halves, so the result is exact up to the final division.
 * Single-class folds return 0.5 (a constant classifier), since no pair exists.
 */
export function rocAucFromRanked(r: RankedScores): number {
  if (r.positives === 0 || r.negatives === 0) return 0.5;
  let pairs = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let k = 0; k < r.thresholds.length; k++) {
    const groupPos = r.tps[k]! - prevTp;
    const groupNeg = r.fps[k]! - prevFp;
    // Negatives in this group lose to every positive ranked above and tie with those alongside.
    pairs += groupNeg * (prevTp + groupPos / 2);
    prevTp = r.tps[k]!;
    prevFp = r.fps[k]!;
  }
  return pairs / (r.positives * r.negatives);
}

/**
 * Average precision from ranked scores: AP = Σ (R_n − R_{n−1}) P_n over distinct thresholds,
 * highest first, with R_0 = 0 (sklearn's uninterpolated definition, no trapezoids).
 * With no positives AP is undefined; 0 is returned (the prevalence, i.e. a random ranker's AP).
 */
export function averagePrecisionFromRanked(r: RankedScores): number {
  if (r.positives === 0) return 0;
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < r.thresholds.length; k++) {
    const tp = r.tps[k]!;
    const recall = tp / r.positives;
    ap += (recall - prevRecall) * (tp / (tp + r.fps[k]!));
    prevRecall = recall;
  }
  return ap;
}

/** ROC AUC (fraction in [0, 1]); 0.5 when `yTrue` has one class. See `rocAucFromRanked`. */
export function rocAuc(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  validateBinaryInputs(yTrue, yProb);
  return rocAucFromRanked(rankScores(yTrue, yProb));
}

/** Average precision, a.k.a. PR AUC (fraction in [0, 1]); 0 when there are no positives. */
export function averagePrecision(yTrue: ArrayLike<number>, yProb: ArrayLike<number>): number {
  validateBinaryInputs(yTrue, yProb);
  return averagePrecisionFromRanked(rankScores(yTrue, yProb));
}
