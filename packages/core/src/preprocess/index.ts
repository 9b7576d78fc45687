export type { FittedKnn } from './knn-imputer.js';
export {
  DEFAULT_PREPROCESS,
  type PreprocessOptions,
  resolvePreprocessOptions,
  UNKNOWN_CATEGORY,
} from './options.js';
export {
  type FittedPipeline,
  fitPipeline,
  pipelineSchema,
  rowTransformer,
  transformColumns,
} from './pipeline.js';
