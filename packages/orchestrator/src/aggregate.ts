import { METRIC_NAMES } from '@hpo/core';
import { mean, sampleStandardDeviation } from 'simple-statistics';

/** Mean, spread and 95% confidence interval of one metric over a trial's folds. */
export interface MetricSummary {
  mean: number;
  /** Sample standard deviation over folds (0 with one fold). */
  std: number;
  /** Student-t 95% interval for the mean over folds; equals [mean, mean] with one fold. */
  ci95: [number, number];
  /** Per-fold values in fold order. */
  folds: number[];
}

/** Two-sided 97.5% Student-t quantiles for 1..30 degrees of freedom; normal beyond. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Summarises per-fold values of one metric. */
export function summarise(values: number[]): MetricSummary {
  if (values.length === 0) throw new RangeError('cannot summarise zero folds');
  const m = mean(values);
  if (values.length === 1) return { mean: m, std: 0, ci95: [m, m], folds: [...values] };
  const sd = sampleStandardDeviation(values);
  const t = T975[values.length - 2] ?? 1.96;
  const half = (t * sd) / Math.sqrt(values.length);
  return { mean: m, std: sd, ci95: [m - half, m + half], folds: [...values] };
}

/** The scalar metrics aggregated per trial. */
export const SCALAR_METRICS = [...METRIC_NAMES, 'bestF1Threshold'] as const;

/** Summaries of every scalar metric over the given fold metrics. */
export function aggregateFolds(
  folds: Record<(typeof SCALAR_METRICS)[number], number>[],
): Record<string, MetricSummary> {
  const out: Record<string, MetricSummary> = {};
  for (const name of SCALAR_METRICS) out[name] = summarise(folds.map((f) => f[name]));
  return out;
}
