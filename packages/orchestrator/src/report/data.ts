import {
  type CalibrationMethod,
  type CalibrationReport,
  type ConfusionMatrix,
  type Decision,
  decodeOof,
  type FoldResult,
  type Oof,
  type PrCurve,
  poolOof,
  prCurve,
  type RocCurve,
  rocCurve,
} from '@hpo/core';
import { sampleCorrelation } from 'simple-statistics';
import type { StudyEvent } from '../events.js';
import { readStudyLog, StudyLog, specOf } from '../study/study-log.js';
import { type TestSummary, testSummary } from '../study/summary.js';

/** Everything the HTML report plots, derived from a study's event log alone. */
export interface ReportData {
  study: string;
  generatedAt: string;
  objective: { metric: string; direction: 'maximize' | 'minimize' };
  threshold: number;
  trials: {
    trial: number;
    state: string;
    value: number | null;
    params: Record<string, string | number | boolean>;
    metrics: Record<string, { mean: number; std: number }>;
  }[];
  /** Finished trials in trial order with the best value so far. */
  history: { trial: number; value: number; state: string; best: number }[];
  /** Share of the objective's variance each parameter explains (r² of ranks, or η² for categories), normalised. */
  importance: { param: string; score: number }[];
  /** Parallel coordinates: one axis per parameter plus the objective. */
  parallel: { axes: { name: string; categories?: string[] }[]; rows: (number | string)[][] };
  best: {
    trial: number;
    params: Record<string, string | number | boolean>;
    /**
     * Per fold (named by its 1-based number), their mean (when any fold has one), the pooled
     * out-of-fold curve (when kept), and the saved model's on held-out rows.
     */
    roc: { folds: (RocCurve & { fold: number })[]; mean?: RocCurve; pooled?: RocCurve; test?: RocCurve };
    pr: { folds: (PrCurve & { fold: number })[]; mean?: PrCurve; pooled?: PrCurve; test?: PrCurve };
    confusion: ConfusionMatrix;
  } | null;
  /**
   * The saved model's estimate: the best trial's cross-validated metrics (optimistic: the best of
   * many trials), its held-out test metrics, the decision threshold and calibration.
   */
  estimate: {
    trial: number;
    cv: Record<string, { mean: number; std: number }>;
    test: TestSummary | null;
    decision: Decision | null;
    calibration: {
      method: CalibrationMethod;
      outOfFold: CalibrationReport | null;
      test: CalibrationReport | null;
    };
  } | null;
  /** Objective per fold of the top trials (box plots). */
  spread: { trial: number; folds: number[] }[];
}

/**
 * Builds the report's data from an event log (events.jsonl or a coordinator's ExportEvents), or
 * from a study log already read (a running study's, for the dashboard).
 */
export function reportData(source: StudyEvent[] | StudyLog): ReportData {
  const log = source instanceof StudyLog ? source : readStudyLog(source, 'the event log');
  const spec = specOf(log);
  const metric = spec.objective.metric;
  const direction = log.direction;
  const better = (a: number, b: number) => (direction === 'maximize' ? a > b : a < b);
  const trials = log.all().map((t) => ({
    trial: t.number,
    state: log.shownState(t),
    value: t.value ?? null,
    params: t.params,
    metrics: Object.fromEntries(
      Object.entries(t.metrics ?? {}).map(([k, v]) => [k, { mean: v.mean, std: v.std }]),
    ),
  }));
  const history: ReportData['history'] = [];
  let best = Number.NaN;
  for (const t of trials) {
    if (t.value === null || t.state === 'failed') continue;
    if (t.state === 'complete' && (Number.isNaN(best) || better(t.value, best))) best = t.value;
    history.push({ trial: t.trial, value: t.value, state: t.state, best });
  }
  const complete = trials.filter((t) => t.state === 'complete' && t.value !== null);
  // The log's ranking: complete trials by objective, ties to the lower trial number.
  const ranked = log.leaderboard().filter((t) => t.state === 'complete');
  const folds = (trial: number): FoldResult[] => (log.get(trial)?.folds ?? []).filter((f) => f !== undefined);
  const bestTrial = ranked[0];
  return {
    study: log.created!.study,
    generatedAt: new Date().toISOString(),
    objective: { metric, direction },
    threshold: spec.threshold,
    trials,
    history,
    importance: importance(complete),
    parallel: parallel(complete, metric),
    best: bestTrial
      ? withTestCurves(
          bestCurves(bestTrial.number, bestTrial.params, log.get(bestTrial.number)?.folds ?? []),
          log,
        )
      : null,
    spread: ranked.slice(0, 10).map((t) => ({
      trial: t.number,
      folds: folds(t.number).map((f) => f.metrics[metric]),
    })),
    estimate: estimateOf(log, trials),
  };
}

/** Adds the saved model's held-out curves when the model is the best trial's. */
function withTestCurves(
  best: NonNullable<ReportData['best']>,
  log: StudyLog,
): NonNullable<ReportData['best']> {
  const test = log.model?.trial === best.trial ? log.model.test : undefined;
  if (!test) return best;
  return {
    ...best,
    roc: { ...best.roc, test: test.metrics.curves.roc },
    pr: { ...best.pr, test: test.metrics.curves.pr },
  };
}

function estimateOf(log: StudyLog, trials: ReportData['trials']): ReportData['estimate'] {
  const model = log.model;
  if (!model) return null;
  const t = trials.find((x) => x.trial === model.trial);
  if (!t) return null;
  return {
    trial: model.trial,
    cv: t.metrics,
    test: model.test ? testSummary(model.test) : null,
    decision: model.decision ?? null,
    calibration: {
      method: model.calibration?.method ?? 'none',
      outOfFold: model.outOfFold?.calibration ?? null,
      test: model.test?.calibration ?? null,
    },
  };
}

function importance(
  trials: { value: number | null; params: Record<string, string | number | boolean> }[],
): ReportData['importance'] {
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const raw = names.map((param) => {
    const rows = trials.filter((t) => t.params[param] !== undefined);
    if (rows.length < 3) return { param, score: 0 };
    const ys = rows.map((t) => t.value!);
    const xs = rows.map((t) => t.params[param]!);
    if (xs.every((x) => typeof x === 'number')) {
      const r = safeCorrelation(ranks(xs as number[]), ranks(ys));
      return { param, score: r * r };
    }
    return { param, score: etaSquared(xs.map(String), ys) };
  });
  const total = raw.reduce((s, r) => s + r.score, 0);
  return raw
    .map((r) => ({ param: r.param, score: total > 0 ? r.score / total : 0 }))
    .sort((a, b) => b.score - a.score);
}

function parallel(
  trials: { value: number | null; params: Record<string, string | number | boolean> }[],
  metric: string,
): ReportData['parallel'] {
  const names = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const axes = names.map((name) => {
    const values = trials.map((t) => t.params[name]).filter((v) => v !== undefined);
    return values.every((v) => typeof v === 'number')
      ? { name }
      : { name, categories: [...new Set(values.map(String))] };
  });
  const rows = trials.map((t) => [
    ...names.map((n, i) =>
      axes[i]!.categories ? String(t.params[n] ?? '—') : ((t.params[n] as number) ?? 0),
    ),
    t.value!,
  ]);
  return { axes: [...axes, { name: metric }], rows };
}

function bestCurves(
  trial: number,
  params: Record<string, string | number | boolean>,
  recorded: readonly (FoldResult | undefined)[],
): NonNullable<ReportData['best']> {
  const folds = recorded.filter((f) => f !== undefined);
  // A fold's points as recorded (logs written before results dropped them), else from its block.
  const curves = recorded.flatMap((f, i) => {
    const c = f && (f.metrics.curves ?? (f.oof && f.oof.n > 0 ? curvesOf(f.oof) : undefined));
    return c ? [{ fold: i + 1, ...c }] : [];
  });
  const roc = curves.map((c) => ({ fold: c.fold, ...c.roc }));
  const pr = curves.map((c) => ({ fold: c.fold, ...c.pr }));
  const grid = Array.from({ length: 101 }, (_, i) => i / 100);
  const meanRoc = { fpr: grid, tpr: grid.map((x) => avg(roc.map((c) => interpolate(c.fpr, c.tpr, x)))) };
  meanRoc.tpr[0] = 0;
  // Interpolated precision: the best precision at recall ≥ r, the usual way to average PR curves.
  const meanPr = { recall: grid, precision: grid.map((r) => avg(pr.map((c) => maxPrecisionFrom(c, r)))) };
  const means = curves.length > 0;
  const confusion = folds.reduce<ConfusionMatrix>(
    (acc, f) => ({
      tp: acc.tp + f.metrics.confusion.tp,
      fp: acc.fp + f.metrics.confusion.fp,
      tn: acc.tn + f.metrics.confusion.tn,
      fn: acc.fn + f.metrics.confusion.fn,
    }),
    { tp: 0, fp: 0, tn: 0, fn: 0 },
  );
  const blocks = folds.flatMap((f) => (f.oof ? [f.oof] : []));
  const pooled = blocks.length ? poolOof(blocks) : undefined;
  const mixed = pooled && pooled.y.some((v) => v === 1) && pooled.y.some((v) => v === 0);
  return {
    trial,
    params,
    roc: {
      folds: roc,
      ...(means ? { mean: meanRoc } : {}),
      ...(mixed ? { pooled: rocCurve(pooled.y, pooled.p) } : {}),
    },
    pr: {
      folds: pr,
      ...(means ? { mean: meanPr } : {}),
      ...(mixed ? { pooled: prCurve(pooled.y, pooled.p) } : {}),
    },
    confusion,
  };
}

/**
 * A fold's ROC and PR curves, from its out-of-fold block: its validation rows (a stratified sample
 * of 10,000 beyond that, whose positives are rounded to the fold's share: a fold with fewer than
 * one in 20,000 keeps none, and is drawn as the diagonal) with probabilities to 1/65535. Points
 * to 4 decimals: they are only drawn. Kept per block, as the dashboard rebuilds this data on
 * every update of a running study and the log keeps the same result objects.
 */
function curvesOf(oof: Oof): { roc: RocCurve; pr: PrCurve } {
  let c = drawn.get(oof);
  if (!c) {
    const { y, p } = decodeOof(oof);
    const roc = rocCurve(y, p);
    const pr = prCurve(y, p);
    c = {
      roc: { fpr: coarse(roc.fpr), tpr: coarse(roc.tpr) },
      pr: { precision: coarse(pr.precision), recall: coarse(pr.recall) },
    };
    drawn.set(oof, c);
  }
  return c;
}

const drawn = new WeakMap<Oof, { roc: RocCurve; pr: PrCurve }>();
// Frozen: every report built from the log shares them.
const coarse = (xs: number[]) => Object.freeze(xs.map((x) => Math.round(x * 1e4) / 1e4)) as number[];

/** Linear interpolation of y at x on a curve sorted by x (the highest y at a repeated x). */
function interpolate(xs: number[], ys: number[], x: number): number {
  for (let i = 1; i < xs.length; i++) {
    if (xs[i]! >= x) {
      const [x0, x1, y0, y1] = [xs[i - 1]!, xs[i]!, ys[i - 1]!, ys[i]!];
      return x1 === x0 ? Math.max(y0, y1) : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return ys[ys.length - 1] ?? 0;
}

function maxPrecisionFrom(c: PrCurve, r: number): number {
  let best = 0;
  for (let i = 0; i < c.recall.length; i++)
    if (c.recall[i]! >= r - 1e-12) best = Math.max(best, c.precision[i]!);
  return best;
}

function avg(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  return out;
}

function safeCorrelation(a: number[], b: number[]): number {
  if (new Set(a).size < 2 || new Set(b).size < 2) return 0;
  const r = sampleCorrelation(a, b);
  return Number.isFinite(r) ? r : 0;
}

function etaSquared(groups: string[], ys: number[]): number {
  const mean = avg(ys);
  const total = ys.reduce((s, y) => s + (y - mean) ** 2, 0);
  if (total === 0) return 0;
  const byGroup = new Map<string, number[]>();
  for (const [i, g] of groups.entries()) byGroup.set(g, [...(byGroup.get(g) ?? []), ys[i]!]);
  let between = 0;
  for (const v of byGroup.values()) between += v.length * (avg(v) - mean) ** 2;
  return between / total;
}
