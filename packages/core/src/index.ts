// The public API of @hpo/core. Other packages import only from here.
export * from './dataset/index.js';
export { DatasetError, type DatasetLocation, SpecError } from './errors.js';
export { type ClassWeightSpec, classWeights, sampleWeights } from './imbalance/class-weights.js';
export { type LabeledMatrix, type SmoteOptions, smote, undersample } from './imbalance/resample.js';
export * from './preprocess/index.js';
export { Rng } from './random.js';
export { type Fold, stratifiedFold, stratifiedKFold, stratifiedTrainTestSplit } from './split/stratified.js';
