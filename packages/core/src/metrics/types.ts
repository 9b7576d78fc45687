/** Counts of a binary decision at one threshold (samples). */
export interface ConfusionMatrix {
  /** Positives predicted positive. */
  tp: number;
  /** Negatives predicted positive. */
  fp: number;
  /** Negatives predicted negative. */
  tn: number;
  /** Positives predicted negative. */
  fn: number;
}

/** ROC curve points in increasing false positive rate, from (0, 0) to (1, 1). */
export interface RocCurve {
  /** False positive rate of each point (fraction of negatives). */
  fpr: number[];
  /** True positive rate (recall) of each point (fraction of positives). */
  tpr: number[];
}

/** Precision–recall curve points in increasing recall, starting at (recall 0, precision 1). */
export interface PrCurve {
  /** Precision of each point (fraction of predicted positives that are positive). */
  precision: number[];
  /** Recall of each point (fraction of positives found). */
  recall: number[];
}

/**
 * Conditions under which a metric is undefined and a convention value was used instead.
 * A flagged fold still has finite metrics; the flags say which ones are conventions.
 */
export interface MetricFlags {
  /**
   * `yTrue` holds only one class: rocAuc = 0.5, prAuc = 1 (all positive) or 0 (all negative),
   * the ROC curve is the diagonal; with no positives recall is 0 (sklearn zero_division=0), the PR
   * curve's recall is 1 (sklearn's curve convention) and balanced accuracy is the specificity.
   */
  singleClass: boolean;
  /** Nothing is predicted positive at the threshold: precision = 0 and F1 = 0 (sklearn zero_division=0). */
  noPredictedPositives: boolean;
}

/** Everything measured on one validation fold; scalars are fractions in [0, 1] except logLoss (nats). */
export interface FoldMetrics {
  /** Area under the ROC curve, ties counted as half (Mann–Whitney U / (P·N)). */
  rocAuc: number;
  /** Average precision: Σ (R_n − R_{n−1}) P_n over distinct thresholds (sklearn's step-wise PR AUC). */
  prAuc: number;
  f1: number;
  precision: number;
  recall: number;
  accuracy: number;
  /** Mean of recall on positives and recall on negatives (over the classes present). */
  balancedAccuracy: number;
  /** Mean negative log-likelihood (nats per sample), probabilities clipped to [ε, 1 − ε], ε = 2^-52. */
  logLoss: number;
  /** The decision threshold (probability) the threshold metrics were computed at: predict 1 when p ≥ it. */
  threshold: number;
  /** The predicted probability that maximises F1 when used as the threshold. */
  bestF1Threshold: number;
  /** F1 at `bestF1Threshold`. */
  bestF1: number;
  confusion: ConfusionMatrix;
  /** Curves downsampled to at most `maxCurvePoints` points each, endpoints kept. */
  curves: { roc: RocCurve; pr: PrCurve };
  flags: MetricFlags;
}
