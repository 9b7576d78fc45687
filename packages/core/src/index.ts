// The public API of @hpo/core. Other packages import only from here.

export { unlessAborted } from './abort.js';
export * from './contracts/index.js';
export * from './dataset/index.js';
export {
  DatasetError,
  type DatasetLocation,
  ERROR_KINDS,
  type ErrorKind,
  errorText,
  fromWireError,
  HpoError,
  type HpoErrorOptions,
  SpecError,
  type SpecIssue,
  toWireError,
  type WireError,
} from './errors.js';
export { type ClassWeightSpec, classWeights, sampleWeights } from './imbalance/class-weights.js';
export { type LabeledMatrix, type SmoteOptions, smote, undersample } from './imbalance/resample.js';
export {
  accuracy,
  applyCalibration,
  applyCalibrationToLogits,
  averagePrecision,
  balancedAccuracy,
  brierScore,
  type Calibration,
  type CalibrationMethod,
  type CalibrationReport,
  type ComputeMetricsOptions,
  type ConfusionMatrix,
  calibrationReport,
  chooseThreshold,
  computeMetrics,
  computeScalarMetrics,
  confusionMatrix,
  DEFAULT_MAX_CURVE_POINTS,
  DEFAULT_THRESHOLD,
  type Decision,
  type DecisionRule,
  describeRule,
  downsampleCurve,
  expectedCalibrationError,
  type F1Optimum,
  type FoldMetrics,
  f1Score,
  findBestF1Threshold,
  fitCalibration,
  fitIsotonic,
  fitPlatt,
  LOG_LOSS_EPSILON,
  logLoss,
  type MetricFlags,
  type MetricsArgument,
  MetricsError,
  type PrCurve,
  prCurve,
  precision,
  type RocCurve,
  recall,
  resolveComputeMetricsOptions,
  rocAuc,
  rocCurve,
  scoresFromConfusion,
  type ThresholdScores,
} from './metrics/index.js';
export * from './preprocess/index.js';
export { Rng } from './random.js';
export * from './spec/index.js';
export { type Fold, stratifiedFold, stratifiedKFold, stratifiedTrainTestSplit } from './split/stratified.js';
