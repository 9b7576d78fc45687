import type { StudyRunner, TrialView } from './study-runner.js';

/** Mean and spread of one metric. */
export interface MetricMeanStd {
  mean: number;
  std: number;
}

/** One trial in the machine-readable summary. */
export interface TrialSummary {
  trial: number;
  /** 'unfinished': still running in the log when the study stopped; `--resume` continues it. */
  state: TrialView['state'] | 'unfinished';
  params: TrialView['params'];
  value: number | null;
  metrics: Record<string, MetricMeanStd>;
  folds: number;
  error: string | null;
  durationSeconds: number | null;
}

/**
 * The documented `--json` output of `hpo tune`:
 * `{ study, status, objective, best: { trial, params, metrics: { <name>: { mean, std } }, threshold } | null,
 *    trials: TrialSummary[] (leaderboard order), modelDir | null }`.
 */
export interface StudySummary {
  study: string;
  status: { reason: string | null; message: string | null };
  objective: { metric: string; direction: 'maximize' | 'minimize' };
  best: {
    trial: number;
    params: TrialView['params'];
    metrics: Record<string, MetricMeanStd>;
    threshold: number;
  } | null;
  trials: TrialSummary[];
  modelDir: string | null;
}

/**
 * A trial's state as shown to users: one still running when its study has stopped (time limit,
 * too many failures, cancel) is 'unfinished', since nothing will finish it. The event log keeps
 * it running, so `hpo tune --resume` of the same log continues it.
 */
export function shownTrialState(t: TrialView, studyEnded: boolean): TrialSummary['state'] {
  return t.state === 'running' && studyEnded ? 'unfinished' : t.state;
}

/** The line saying how many trials a stopped study left unfinished (none: undefined). */
export function unfinishedNote(count: number): string | undefined {
  return count > 0 ? `${count} trial${count === 1 ? ' was' : 's were'} left unfinished` : undefined;
}

/** Builds the summary from a runner's current state. */
export function summarizeStudy(runner: StudyRunner): StudySummary {
  const best = runner.best();
  const model = runner.savedModel();
  const { reason, message } = runner.ending();
  return {
    study: runner.spec.name,
    status: { reason: reason ?? null, message: message ?? null },
    objective: { metric: runner.spec.objective.metric, direction: runner.objectiveDirection },
    best: best
      ? {
          trial: best.number,
          params: best.params,
          metrics: meanStd(best),
          threshold: best.metrics?.bestF1Threshold?.mean ?? runner.spec.threshold,
        }
      : null,
    trials: runner.leaderboard().map((t) => ({
      trial: t.number,
      state: shownTrialState(t, reason !== undefined),
      params: t.params,
      value: t.value ?? null,
      metrics: meanStd(t),
      folds: t.folds.filter(Boolean).length,
      error: t.error ?? null,
      durationSeconds: t.finishedAt ? (Date.parse(t.finishedAt) - Date.parse(t.startedAt)) / 1000 : null,
    })),
    modelDir: model?.dir ?? null,
  };
}

function meanStd(t: TrialView): Record<string, MetricMeanStd> {
  return Object.fromEntries(
    Object.entries(t.metrics ?? {}).map(([k, v]) => [k, { mean: v.mean, std: v.std }]),
  );
}
