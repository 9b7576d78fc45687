import type { CalibrationReport, Decision, OutOfFoldReport, ShownTrialState, TestReport } from '@hpo/core';
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

/** The refit model on the held-out test rows, as the summary shows it. */
export interface TestSummary {
  rows: number;
  /** The threshold the threshold metrics were computed at (the chosen decision threshold). */
  threshold: number;
  metrics: Record<string, number>;
  calibration: CalibrationReport;
}

/**
 * The documented `--json` output of `hpo tune`:
 * `{ study, status, objective, best: { trial, params, metrics: { <name>: { mean, std } },
 *    metricsThreshold, foldBestF1Threshold, decision, outOfFold, test } | null,
 *    trials: TrialSummary[] (leaderboard order), modelDir | null }`.
 */
export interface StudySummary {
  study: string;
  status: { reason: string | null; message: string | null };
  objective: { metric: string; direction: 'maximize' | 'minimize' };
  best: {
    trial: number;
    params: TrialView['params'];
    /** Cross-validated: mean and spread over the folds; threshold metrics at `metricsThreshold`. */
    metrics: Record<string, MetricMeanStd>;
    /** The threshold F1, precision, recall (and accuracies) in `metrics` were computed at (spec.threshold). */
    metricsThreshold: number;
    /** Each fold's own best-F1 threshold, averaged: a diagnostic, not the threshold of `metrics`. */
    foldBestF1Threshold: number;
    /** The model's decision threshold, chosen on the pooled out-of-fold predictions (once refit). */
    decision: Decision | null;
    /** The pooled out-of-fold predictions: rows, ROC AUC, calibration before/after. */
    outOfFold: OutOfFoldReport | null;
    /** The refit model on the held-out test rows (null without a test set, or before the refit). */
    test: TestSummary | null;
  } | null;
  trials: TrialSummary[];
  modelDir: string | null;
}

/** Builds the summary from a study's log (a runner's, or one read from disk). */
export function summarizeStudy(log: StudyLog): StudySummary {
  const spec = specOf(log);
  const best = log.best();
  const ended = log.ended;
  const model = log.model;
  return {
    study: spec.name,
    status: { reason: ended?.reason ?? null, message: ended?.message ?? null },
    objective: { metric: spec.objective.metric, direction: log.direction },
    best: best
      ? {
          trial: best.number,
          params: best.params,
          metrics: meanStd(best),
          metricsThreshold: spec.threshold,
          foldBestF1Threshold: best.metrics?.bestF1Threshold?.mean ?? spec.threshold,
          decision: model?.trial === best.number ? (model.decision ?? null) : null,
          outOfFold: model?.trial === best.number ? (model.outOfFold ?? null) : null,
          test: model?.trial === best.number && model.test ? testSummary(model.test) : null,
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

/** The test report with scalar metrics only (curves and flags stay in the log and the report). */
export function testSummary(t: TestReport): TestSummary {
  const { curves: _c, flags: _f, confusion, ...scalars } = t.metrics;
  return {
    rows: t.rows,
    threshold: t.threshold,
    metrics: { ...scalars, tp: confusion.tp, fp: confusion.fp, tn: confusion.tn, fn: confusion.fn },
    calibration: t.calibration,
  };
}
