// The public API of @hpo/trainer. Other packages import only from here, or from the two entry
// points that load no TensorFlow.js: `@hpo/trainer/params` (parameter names, domains, defaults)
// and `@hpo/trainer/pool` (the thread pool's client side).

export {
  checkModelDir,
  loadModel,
  modelFiles,
  type SavedModelMetadata,
  saveModel,
  type TrainedModel,
  trainModel,
} from './artifact.js';
export { type BackendInfo, type BackendName, describeBackend, initBackend } from './backend.js';
export { ModelError, TrainingStopped, TrialError } from './errors.js';
export { layersModelFiles, toLayersModel } from './export-layers.js';
export { OnnxExportError, onnxModelBytes } from './export-onnx.js';
export { type FoldOutcome, liveTensors, type TrainFoldInput, trainFold } from './fold.js';
export {
  DenseNet,
  type DenseNetOptions,
  registerWasmTrainingKernels,
  useWasmBackend,
  wasmThreadCount,
} from './kernels/index.js';
export { type ModelFile, writeModelFiles } from './model-files.js';
export { buildNetwork, disposeNetwork, type Network } from './network.js';
export {
  checkParam,
  DEFAULT_PARAMS,
  describeParams,
  flattenParams,
  isTrainParam,
  mlpWidths,
  type ParamValue,
  resolveParams,
  type TrainParams,
} from './params.js';
export { type Predictions, predictColumns, predictCsv, predictPixels } from './predict.js';
export { featureMatrix, foldView } from './prepare.js';
export {
  type EpochCallback,
  type FitOptions,
  type FitReport,
  fit,
  type RowSource,
  type TrainingData,
  trainsOnEngine,
} from './train-loop.js';
