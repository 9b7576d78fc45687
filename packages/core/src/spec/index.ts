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
