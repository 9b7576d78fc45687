// The public API of @hpo/core. Other packages import only from here.
export * from './dataset/index.js';
export { DatasetError, type DatasetLocation, SpecError } from './errors.js';
export { type ClassWeightSpec, classWeights, sampleWeights } from './imbalance/class-weights.js';
export { type LabeledMatrix, type SmoteOptions, smote, undersample } from './imbalance/resample.js';
export * from './preprocess/index.js';
export { Rng } from './random.js';
export { type Fold, stratifiedFold, stratifiedKFold, stratifiedTrainTestSplit } from './split/stratified.js';
export {
  accuracy,
  averagePrecision,
  balancedAccuracy,
  type ComputeMetricsOptions,
  computeMetrics,
  type ConfusionMatrix,
  confusionMatrix,
  DEFAULT_MAX_CURVE_POINTS,
  DEFAULT_THRESHOLD,
  downsampleCurve,
  type F1Optimum,
  f1Score,
  type FoldMetrics,
  findBestF1Threshold,
  LOG_LOSS_EPSILON,
  logLoss,
  type MetricFlags,
  type MetricsArgument,
  MetricsError,
  type PrCurve,
  precision,
  prCurve,
  recall,
  resolveComputeMetricsOptions,
  type RocCurve,
  rocAuc,
  rocCurve,
  scoresFromConfusion,
  type ThresholdScores,
} from './metrics/index.js';
export * from './spec/index.js';
