import type { StudySummary, TrialSummary } from '@hpo/orchestrator';
import Table from 'cli-table3';
import { bold, duration, fmt, green, red, useColor, yellow } from './style.js';

/** Columns of metrics shown next to the objective. */
const METRIC_COLUMNS = [
  ['rocAuc', 'ROC AUC'],
  ['prAuc', 'PR AUC'],
  ['f1', 'F1'],
  ['precision', 'precision'],
  ['recall', 'recall'],
] as const;

/**
 * The leaderboard as a table: rank, trial, state, objective mean ± std, the main metrics, the
 * parameters that differ between the shown rows, and duration.
 */
export function leaderboardTable(summary: StudySummary, top = 20, color = useColor()): string {
  const rows = summary.trials.slice(0, top);
  const keys = differingParams(rows);
  const table = new Table({
    head: [
      '#',
      'trial',
      'state',
      `${summary.objective.metric} (${summary.objective.direction === 'maximize' ? '↑' : '↓'})`,
      ...METRIC_COLUMNS.map(([, h]) => h),
      'params',
      'time',
    ],
    style: { head: color ? ['bold'] : [], border: color ? ['grey'] : [] },
  });
  rows.forEach((t, i) => {
    const obj = t.metrics[summary.objective.metric];
    const state =
      t.state === 'complete'
        ? green(t.state, color)
        : t.state === 'failed'
          ? red(t.state, color)
          : yellow(t.state, color);
    table.push([
      String(i + 1),
      String(t.trial),
      state,
      obj ? `${fmt(obj.mean)} ± ${fmt(obj.std)}` : t.error ? red(truncate(t.error, 30), color) : '—',
      ...METRIC_COLUMNS.map(([k]) => fmt(t.metrics[k]?.mean)),
      keys.map((k) => `${k}=${short(t.params[k])}`).join(' '),
      duration(t.durationSeconds),
    ]);
  });
  const more = summary.trials.length > top ? `\n… ${summary.trials.length - top} more trials` : '';
  return `${bold(`study ${summary.study}`, color)}\n${table.toString()}${more}`;
}

/** Parameter names whose values differ between rows (all of them when only one row). */
function differingParams(rows: TrialSummary[]): string[] {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.params)))];
  if (rows.length <= 1) return names;
  return names.filter((n) => new Set(rows.map((r) => JSON.stringify(r.params[n]))).size > 1);
}

function short(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(3);
  return String(v);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
