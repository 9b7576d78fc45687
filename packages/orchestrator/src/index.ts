// The public API of @hpo/orchestrator. Other packages import only from here.
export { aggregateFolds, type MetricSummary, SCALAR_METRICS, summarise } from './aggregate.js';
export { storeDatasetBlob } from './dataset-blob.js';
export type { NewEvent, StudyEndReason, StudyEvent, TrialParams, TrialState } from './events.js';
export { FileStudyStore, isStudyDir } from './file-store.js';
export { LocalExecutor, type LocalExecutorOptions } from './local-executor.js';
export { MemoryStudyStore } from './memory-store.js';
export type { Executor, StudyStore } from './ports.js';
export { checkParamNames, makePruner, makeSampler } from './sampling.js';
export { foldSeed, StudyRunner, type StudyRunnerOptions, type TrialView } from './study-runner.js';
export {
  type MetricMeanStd,
  type StudySummary,
  shownTrialState,
  summarizeStudy,
  type TrialSummary,
  unfinishedNote,
} from './summary.js';
