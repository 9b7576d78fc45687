import type { CalibrationMethod } from '@hpo/core';
import type { StudySummary, TrialSummary } from '@hpo/orchestrator';
import type { ModelEstimate__Output, Study__Output, Trial__Output } from '@hpo/protocol';

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
          metricsThreshold: JSON.parse(study.specJson || '{}').threshold ?? 0.5,
          foldBestF1Threshold: best.metrics.bestF1Threshold?.mean ?? 0.5,
          ...estimateOf(study.modelEstimate),
        }
      : null,
    trials: trials.map(trialSummary),
    modelDir: null,
  };
}

/** The summary's decision, out-of-fold and test parts from a study's ModelEstimate. */
function estimateOf(
  e: ModelEstimate__Output | null | undefined,
): Pick<NonNullable<StudySummary['best']>, 'decision' | 'outOfFold' | 'test'> {
  if (!e) return { decision: null, outOfFold: null, test: null };
  const num = (m: Record<string, number | string>, k: string) => Number(m[k] ?? Number.NaN);
  const cal = (m: Record<string, number | string>) => ({
    method: (['platt', 'isotonic'].includes(e.calibration) ? e.calibration : 'none') as CalibrationMethod,
    brier: { before: num(m, 'brierBefore'), after: num(m, 'brierAfter') },
    ece: { before: num(m, 'eceBefore'), after: num(m, 'eceAfter') },
  });
  const oof = e.outOfFold ?? {};
  const test = e.test ?? {};
  const scalars = Object.fromEntries(
    Object.entries(test)
      .filter(([k]) => !/^(brier|ece)(Before|After)$/.test(k))
      .map(([k, v]) => [k, Number(v)]),
  );
  return {
    decision: e.decisionRule
      ? {
          threshold: Number(e.decisionThreshold),
          rule: e.decisionRule,
          reached: e.decisionReached,
          precision: num(oof, 'decisionPrecision'),
          recall: num(oof, 'decisionRecall'),
          f1: num(oof, 'decisionF1'),
        }
      : null,
    outOfFold: Object.keys(oof).length
      ? { rows: num(oof, 'rows'), rocAuc: num(oof, 'rocAuc'), calibration: cal(oof) }
      : null,
    test: e.testRows
      ? { rows: e.testRows, threshold: Number(e.testThreshold), metrics: scalars, calibration: cal(test) }
      : null,
  };
}
