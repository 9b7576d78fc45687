import type { StudySummary, TrialSummary } from '@hpo/orchestrator';
import type { Study__Output, Trial__Output } from '@hpo/protocol';

/** A remote trial in the summary shape the leaderboard table and --json use. */
export function trialSummary(t: Trial__Output): TrialSummary {
  return {
    trial: t.number,
    state: t.state as TrialSummary['state'],
    params: JSON.parse(t.paramsJson || '{}'),
    value: t.value === undefined || t.value === null ? null : Number(t.value),
    metrics: Object.fromEntries(
      Object.entries(t.metrics ?? {}).map(([k, v]) => [k, { mean: Number(v.mean), std: Number(v.std) }]),
    ),
    folds: t.foldsDone,
    error: t.error || null,
    durationSeconds: Number(t.durationSeconds) || null,
  };
}

/** A remote study and its trials as the same summary `hpo tune --json` prints. */
export function studySummary(study: Study__Output, trials: Trial__Output[]): StudySummary {
  const best = study.best ? trialSummary(study.best) : undefined;
  return {
    study: study.studyId,
    status: { reason: study.endReason || null, message: study.message || null },
    objective: {
      metric: study.objectiveMetric,
      direction: study.objectiveDirection as 'maximize' | 'minimize',
    },
    best: best
      ? {
          trial: best.trial,
          params: best.params,
          metrics: best.metrics,
          threshold: best.metrics.bestF1Threshold?.mean ?? 0.5,
        }
      : null,
    trials: trials.map(trialSummary),
    modelDir: null,
  };
}
