import { type MetricSummary, shownTrialState, type TrialView, unfinishedNote } from '@hpo/orchestrator';
import type { MetricSummaryMessage, Study, Trial } from '@hpo/protocol';
import type { StudyManager } from './study-manager.js';

type Active = ReturnType<StudyManager['get']>;

/**
 * Whether the study still runs trials: its record says running and its runner has not ended
 * (it ends before the refit, and on a coordinator shutdown, while the record still says running).
 */
export function isActive(s: Active): boolean {
  return s.record.state === 'running' && s.runner.ending().reason === undefined;
}

/** A trial as the API returns it. */
export function trialMessage(t: TrialView, studyActive = true): Trial {
  const metrics: Record<string, MetricSummaryMessage> = {};
  for (const [k, v] of Object.entries(t.metrics ?? {}) as [string, MetricSummary][]) {
    metrics[k] = { mean: v.mean, std: v.std, ci95Low: v.ci95[0], ci95High: v.ci95[1] };
  }
  return {
    number: t.number,
    state: shownTrialState(t, !studyActive),
    paramsJson: JSON.stringify(t.params),
    ...(t.value !== undefined ? { value: t.value } : {}),
    metrics,
    foldsDone: t.folds.filter(Boolean).length,
    error: t.error ?? '',
    durationSeconds: t.finishedAt ? (Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000 : 0,
  };
}

/** A study as the API returns it. */
export function studyMessage(s: Active): Study {
  const trials = s.runner.allTrials();
  const best = s.runner.best();
  const active = isActive(s);
  const running = trials.filter((t) => t.state === 'running').length;
  const unfinished = active ? 0 : running;
  const left = unfinishedNote(unfinished);
  const notes = [s.record.message, left && `${left} when the study stopped`].filter(Boolean);
  return {
    studyId: s.record.id,
    name: s.record.name,
    state: s.record.state,
    specJson: JSON.stringify(s.record.spec),
    datasetSha256: s.record.datasetHash,
    trialsTotal: s.record.spec.budget.trials,
    trialsDone: trials.filter((t) => t.state !== 'running').length,
    trialsRunning: active ? running : 0,
    ...(best ? { best: trialMessage(best, active) } : {}),
    objectiveMetric: s.record.spec.objective.metric,
    objectiveDirection: s.runner.objectiveDirection,
    endReason: s.record.endReason ?? '',
    message: notes.join('; '),
    modelReady: s.record.modelReady,
    createdAt: s.record.createdAt,
  };
}
