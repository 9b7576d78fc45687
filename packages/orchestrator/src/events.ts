import type {
  Calibration,
  Decision,
  FoldResult,
  ModelFileDigest,
  OutOfFoldReport,
  StudyEndReason,
  StudySpec,
  TestReport,
  TrialParams,
  TrialState,
} from '@hpo/core';
import type { MetricSummary } from './aggregate.js';

export type { StudyEndReason, TrialParams, TrialState };

/**
 * Everything that happens to a study, in order. The log of these events is the study's whole
 * state: the runner rebuilds trials, folds and the sampler from it after a restart.
 */
export type StudyEvent =
  | {
      type: 'study_created';
      at: string;
      study: string;
      spec: StudySpec;
      datasetHash: string;
      /** The held-out test set (cv.holdout or dataset.test), never used in tuning. */
      testDatasetHash?: string;
      folds: number;
    }
  | { type: 'trial_started'; at: string; trial: number; params: TrialParams }
  | { type: 'fold_done'; at: string; trial: number; fold: number; result: FoldResult }
  | { type: 'fold_failed'; at: string; trial: number; fold: number; error: string }
  /** A fold's validation objective after `epoch` epochs (an ASHA rung), while it trained. */
  | { type: 'fold_report'; at: string; trial: number; fold: number; epoch: number; value: number }
  | {
      type: 'trial_finished';
      at: string;
      trial: number;
      state: Exclude<TrialState, 'running'>;
      /**
       * Objective mean over the folds seen (complete and pruned trials); for a trial ASHA stopped,
       * the mean at that rung over the folds that reached it.
       */
      value?: number;
      /** The rung (epochs) at which ASHA stopped the trial. */
      epoch?: number;
      metrics?: Record<string, MetricSummary>;
      error?: string;
    }
  | { type: 'study_finished'; at: string; reason: StudyEndReason; message?: string }
  /**
   * A stopped or killed study runs again. The time since the previous event is the pause: it
   * does not count in the duration of the trials that were open across it.
   */
  | { type: 'study_resumed'; at: string }
  | {
      type: 'model_saved';
      at: string;
      trial: number;
      /** Where the executor stored the model: a directory, or `<bucket>/<study>` (distributed). */
      location: string;
      /** Its files within `location` with their SHA-256 (names only, or absent, in older logs). */
      files?: (ModelFileDigest | string)[];
      threshold: { default: number; bestF1: number };
      /** The threshold chosen on the pooled out-of-fold predictions, with its rule. */
      decision?: Decision;
      /** The calibration fitted on them, and what it did there. */
      calibration?: Calibration;
      outOfFold?: OutOfFoldReport;
      /** The refit model on the held-out test rows. */
      test?: TestReport;
      /** `location` in logs written before it was renamed. */
      dir?: string;
    };

/** Distributes Omit over the union so each event keeps its own fields. */
export type NewEvent = StudyEvent extends infer E ? (E extends StudyEvent ? Omit<E, 'at'> : never) : never;
