/**
 * A study's lifecycle after admission: run trials → refit the best → a final state. `hpo tune`
 * and the coordinator both go through `runStudy`, so what decides a study's final state is
 * written once (`finalState`).
 */
import { errorText, type StudyEndReason, type StudyState } from '@hpo/core';
import type { StudyRunner } from '../runner/study-runner.js';
import type { SavedModel } from './study-log.js';

/** How a study ended, as its record and its users see it. */
export interface StudyOutcome {
  /** The study's final state (never 'running'). */
  state: Exclude<StudyState, 'running'>;
  /** Why its run of trials stopped; undefined when the run itself threw. */
  reason: StudyEndReason | undefined;
  /** Why it failed or stopped early, for users (undefined when it simply finished). */
  message: string | undefined;
  /** The refit model, when one was saved (now or in an earlier run). */
  model: SavedModel | undefined;
}

export interface LifecycleOptions {
  /** Stops the trials (cancel); folds still out are abandoned. */
  stop?: AbortSignal;
  /** Stops the refit; without it, `stop` does. */
  stopRefit?: AbortSignal;
  /**
   * Refit the best trial even after `stop` (hpo tune's first Ctrl-C keeps finished trials and
   * still saves the best model; the coordinator's cancel saves none).
   */
  refitWhenCancelled?: boolean;
  /** Called before the refit starts (progress output). */
  onRefit?: (trial: number) => void;
}

/**
 * Runs the study's trials, refits the best complete trial on every row, and returns the final
 * state. Errors of the run or the refit become a 'failed' outcome with their message, except a
 * stop: a refit stopped by `stopRefit` (or `stop`) leaves the trials' outcome without a model.
 */
export async function runStudy(runner: StudyRunner, options: LifecycleOptions = {}): Promise<StudyOutcome> {
  let reason: StudyEndReason;
  try {
    reason = await runner.run(options.stop);
  } catch (err) {
    return { state: 'failed', reason: undefined, message: errorText(err), model: runner.savedModel() };
  }
  const refitSignal = options.stopRefit ?? options.stop;
  let refitStopped = false;
  const best = runner.best();
  if (best && (reason !== 'cancelled' || options.refitWhenCancelled) && !refitSignal?.aborted) {
    options.onRefit?.(best.number);
    try {
      await runner.refitBest(refitSignal);
    } catch (err) {
      if (!refitSignal?.aborted) {
        return {
          state: 'failed',
          reason,
          message: `refit failed: ${errorText(err)}`,
          model: runner.savedModel(),
        };
      }
      refitStopped = true;
    }
  }
  return finalState(runner, reason, refitStopped);
}

/**
 * The rule: a cancel, or a refit stopped on request, ends 'cancelled' (finished trials are
 * kept); too many failures end 'failed'; a study with no complete trial has nothing to show for
 * it and ends 'failed' too; anything else is 'finished'.
 */
export function finalState(runner: StudyRunner, reason: StudyEndReason, refitStopped: boolean): StudyOutcome {
  const model = runner.savedModel();
  const message = runner.ending()?.message;
  if (reason === 'cancelled' || (refitStopped && !model))
    return { state: 'cancelled', reason: 'cancelled', message, model };
  if (reason === 'too_many_failures') return { state: 'failed', reason, message, model };
  if (!runner.best()) {
    const failed = runner.allTrials().filter((t) => t.state === 'failed');
    const last = failed[failed.length - 1];
    return {
      state: 'failed',
      reason,
      message: `no trial completed${last ? `; last error: ${last.error}` : ''}`,
      model,
    };
  }
  return { state: 'finished', reason, message, model };
}
