export {
  type InferOptions,
  type InferredSpec,
  inferredSpecYaml,
  inferStudySpec,
  parseDuration,
} from './infer.js';
export { loadStudySpec, parseYamlText, studySpecJsonSchema, validateStudySpec } from './load.js';
export {
  METRIC_NAMES,
  type MetricName,
  objectiveDirection,
  type ParamSpecInput,
  paramSpecSchema,
  type StudySpec,
  type StudySpecInput,
  studySpecSchema,
} from './study-spec.js';
