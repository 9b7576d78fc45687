// The public API of @hpo/orchestrator. Other packages import only from here.
export { aggregateFolds, type MetricSummary, SCALAR_METRICS, summarise } from './aggregate.js';
export type { NewEvent, StudyEndReason, StudyEvent, TrialParams, TrialState } from './events.js';
export { LocalExecutor, type LocalExecutorOptions } from './executors/local-executor.js';
export type { Executor, StudyStore, TaskControl } from './ports.js';
export { nextPhase, type Phase, type PhaseEvent } from './runner/phase.js';
export { foldSeed, StudyRunner, type StudyRunnerOptions, type TrialView } from './runner/study-runner.js';
export { makePruner, makeSampler } from './sampling.js';
export { FileStudyStore, isStudyDir } from './stores/file-store.js';
export { MemoryStudyStore } from './stores/memory-store.js';
export { admitSpec, validateStudy } from './study/admission.js';
export { finalState, type LifecycleOptions, runStudy, type StudyOutcome } from './study/lifecycle.js';
export {
  outcomeOf,
  parseEventLines,
  readStudyLog,
  type SavedModel,
  type StudyEnding,
  StudyLog,
  specOf,
  unfinishedNote,
} from './study/study-log.js';
export {
  durationSeconds,
  foldsDone,
  type MetricMeanStd,
  type StudySummary,
  summarizeStudy,
  type TestSummary,
  type TrialSummary,
  testSummary,
} from './study/summary.js';
