// Original file: proto/hpo/v1/study_service.proto


/**
 * What the saved model is and how good it is, beyond the best trial's cross-validated metrics
 * (Study.best.metrics, which are optimistic: the best of many trials).
 */
export interface ModelEstimate {
  /**
   * The decision threshold chosen on the best trial's pooled out-of-fold predictions (after
   * calibration), the rule that chose it, and whether the rule's target was reached.
   */
  'decisionThreshold'?: (number | string);
  'decisionRule'?: (string);
  'decisionReached'?: (boolean);
  /**
   * none, platt or isotonic.
   */
  'calibration'?: (string);
  /**
   * The pooled out-of-fold predictions: rows, rocAuc, brierBefore, brierAfter, eceBefore,
   * eceAfter (before and after calibration), and decisionPrecision, decisionRecall, decisionF1
   * (what the decision threshold reaches there).
   */
  'outOfFold'?: ({[key: string]: number | string});
  /**
   * The refit model on the held-out test rows (empty without a test set): rocAuc, prAuc, f1,
   * precision, recall, accuracy, balancedAccuracy, logLoss (at test_threshold, on calibrated
   * probabilities), tp, fp, tn, fn, and brierBefore, brierAfter, eceBefore, eceAfter.
   */
  'test'?: ({[key: string]: number | string});
  'testRows'?: (number);
  'testThreshold'?: (number | string);
}

/**
 * What the saved model is and how good it is, beyond the best trial's cross-validated metrics
 * (Study.best.metrics, which are optimistic: the best of many trials).
 */
export interface ModelEstimate__Output {
  /**
   * The decision threshold chosen on the best trial's pooled out-of-fold predictions (after
   * calibration), the rule that chose it, and whether the rule's target was reached.
   */
  'decisionThreshold': (number);
  'decisionRule': (string);
  'decisionReached': (boolean);
  /**
   * none, platt or isotonic.
   */
  'calibration': (string);
  /**
   * The pooled out-of-fold predictions: rows, rocAuc, brierBefore, brierAfter, eceBefore,
   * eceAfter (before and after calibration), and decisionPrecision, decisionRecall, decisionF1
   * (what the decision threshold reaches there).
   */
  'outOfFold': ({[key: string]: number});
  /**
   * The refit model on the held-out test rows (empty without a test set): rocAuc, prAuc, f1,
   * precision, recall, accuracy, balancedAccuracy, logLoss (at test_threshold, on calibrated
   * probabilities), tp, fp, tn, fn, and brierBefore, brierAfter, eceBefore, eceAfter.
   */
  'test': ({[key: string]: number});
  'testRows': (number);
  'testThreshold': (number);
}
