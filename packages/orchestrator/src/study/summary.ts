import type { ShownTrialState } from '@hpo/core';
import { type StudyLog, specOf, type TrialView } from './study-log.js';

/** Mean and spread of one metric. */
export interface MetricMeanStd {
  mean: number;
  std: number;
}

/** One trial in the machine-readable summary. */
export interface TrialSummary {
  trial: number;
  /** 'unfinished': still running in the log when the study stopped; `--resume` continues it. */
  state: ShownTrialState;
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
    /** The best-F1 decision threshold (probability), averaged over the trial's folds. */
    threshold: number;
  } | null;
  trials: TrialSummary[];
  modelDir: string | null;
}

/** Builds the summary from a study's log (a runner's, or one read from disk). */
export function summarizeStudy(log: StudyLog): StudySummary {
  const spec = specOf(log);
  const best = log.best();
  const ended = log.ended;
  return {
    study: spec.name,
    status: { reason: ended?.reason ?? null, message: ended?.message ?? null },
    objective: { metric: spec.objective.metric, direction: log.direction },
    best: best
      ? {
          trial: best.number,
          params: best.params,
          metrics: meanStd(best),
          threshold: best.metrics?.bestF1Threshold?.mean ?? spec.threshold,
        }
      : null,
    trials: log.leaderboard().map((t) => ({
      trial: t.number,
      state: log.shownState(t),
      params: t.params,
      value: t.value ?? null,
      metrics: meanStd(t),
      folds: foldsDone(t),
      error: t.error ?? null,
      durationSeconds: durationSeconds(t),
    })),
    modelDir: log.model?.location ?? null,
  };
}

/** Folds of a trial that have a result. */
export function foldsDone(t: TrialView): number {
  return t.folds.filter(Boolean).length;
}

/** Seconds from a trial's start to its finish, less any time the study was stopped; null while it runs. */
export function durationSeconds(t: TrialView): number | null {
  return t.finishedAt ? (Date.parse(t.finishedAt) - Date.parse(t.startedAt) - t.pausedMs) / 1000 : null;
}

function meanStd(t: TrialView): Record<string, MetricMeanStd> {
  return Object.fromEntries(
    Object.entries(t.metrics ?? {}).map(([k, v]) => [k, { mean: v.mean, std: v.std }]),
  );
}
