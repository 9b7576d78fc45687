import { z } from 'zod';

/** A trial's state in the event log. */
export const TRIAL_STATES = ['running', 'complete', 'pruned', 'failed'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
export const trialStateSchema = z.enum(TRIAL_STATES);

/**
 * A trial's state as users see it: a trial still running in the log when its study stopped
 * (time limit, too many failures, cancel) is `unfinished`, since nothing will finish it; the log
 * keeps it open so that `hpo tune --resume` continues it.
 */
export const SHOWN_TRIAL_STATES = [...TRIAL_STATES, 'unfinished'] as const;
export type ShownTrialState = (typeof SHOWN_TRIAL_STATES)[number];

/** Whether a trial has reached a final state (it will receive no more folds). */
export function isTrialFinished(state: TrialState): boolean {
  return state !== 'running';
}

/** A study's state as the coordinator records and reports it. */
export const STUDY_STATES = ['running', 'finished', 'cancelled', 'failed'] as const;
export type StudyState = (typeof STUDY_STATES)[number];
export const studyStateSchema = z.enum(STUDY_STATES);

/** Why a study's run of trials stopped. */
export const STUDY_END_REASONS = [
  'budget',
  'time_limit',
  'cancelled',
  'too_many_failures',
  'exhausted',
] as const;
export type StudyEndReason = (typeof STUDY_END_REASONS)[number];
export const studyEndReasonSchema = z.enum(STUDY_END_REASONS);
