// The public API of @hpo/trainer. Other packages import only from here.

export { loadModel, type ModelMetadata, saveModel, type TrainedModel, trainModel } from './artifact.js';
export { type BackendInfo, type BackendName, initBackend } from './backend.js';
export { ModelError, TrainingStopped, TrialError } from './errors.js';
export { type FoldOutcome, type FoldTask, liveTensors, trainFold } from './fold.js';
export {
  DEFAULT_PARAMS,
  flattenParams,
  isTrainParam,
  mlpWidths,
  type ParamValue,
  resolveParams,
  type TrainParams,
} from './params.js';
export { type Predictions, predictColumns, predictCsv, predictPixels } from './predict.js';
export {
  type DatasetRef,
  default as runTask,
  type FoldResultMessage,
  type FoldTaskMessage,
  loadDatasetRef,
  type RefitResultMessage,
  type RefitTaskMessage,
  TASK_FILE_URL,
  type TaskMessage,
  trainerPoolOptions,
} from './task.js';
