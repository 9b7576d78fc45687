// Public API of the metrics module; @hpo/core's index re-exports this file.
export { type F1Optimum, findBestF1Threshold } from './best-f1.js';
export {
  applyCalibration,
  applyCalibrationToLogits,
  brierScore,
  type Calibration,
  type CalibrationMethod,
  type CalibrationReport,
  calibrationReport,
  expectedCalibrationError,
  fitCalibration,
  fitIsotonic,
  fitPlatt,
} from './calibration.js';
export {
  type ComputeMetricsOptions,
  computeMetrics,
  computeScalarMetrics,
  resolveComputeMetricsOptions,
} from './compute.js';
export { DEFAULT_MAX_CURVE_POINTS, downsampleCurve, prCurve, rocCurve } from './curves.js';
export { chooseThreshold, type Decision, type DecisionRule, describeRule } from './decision.js';
export { type MetricsArgument, MetricsError } from './errors.js';
export { LOG_LOSS_EPSILON, logLoss } from './log-loss.js';
export { averagePrecision, rocAuc } from './ranking.js';
export {
  accuracy,
  balancedAccuracy,
  confusionMatrix,
  DEFAULT_THRESHOLD,
  f1Score,
  precision,
  recall,
  scoresFromConfusion,
  type ThresholdScores,
} from './threshold.js';
export type { ConfusionMatrix, FoldMetrics, MetricFlags, PrCurve, RocCurve } from './types.js';
