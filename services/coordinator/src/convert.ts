import type { MetricSummary, TrialView } from '@hpo/orchestrator';
import type { MetricSummaryMessage, Study, Trial } from '@hpo/protocol';
import type { StudyManager } from './study-manager.js';

type Active = ReturnType<StudyManager['get']>;

/** A trial as the API returns it. */
export function trialMessage(t: TrialView): Trial {
  const metrics: Record<string, MetricSummaryMessage> = {};
  for (const [k, v] of Object.entries(t.metrics ?? {}) as [string, MetricSummary][]) {
    metrics[k] = { mean: v.mean, std: v.std, ci95Low: v.ci95[0], ci95High: v.ci95[1] };
  }
  return {
    number: t.number,
    state: t.state,
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
  return {
    studyId: s.record.id,
    name: s.record.name,
    state: s.record.state,
    specJson: JSON.stringify(s.record.spec),
    datasetSha256: s.record.datasetHash,
    trialsTotal: s.record.spec.budget.trials,
    trialsDone: trials.filter((t) => t.state !== 'running').length,
    trialsRunning: trials.filter((t) => t.state === 'running').length,
    ...(best ? { best: trialMessage(best) } : {}),
    objectiveMetric: s.record.spec.objective.metric,
    objectiveDirection: s.runner.objectiveDirection,
    endReason: s.record.endReason ?? '',
    message: s.record.message ?? '',
    modelReady: s.record.modelReady,
    createdAt: s.record.createdAt,
  };
}
