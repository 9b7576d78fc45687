import { stringify } from 'yaml';
import { classCounts, type Dataset, rowCount } from '../dataset/types.js';
import type { StudySpecInput } from './study-spec.js';

/** What a user gives `hpo tune data.csv` besides the data. */
export interface InferOptions {
  /** Study name (default: from the file or folder name). */
  name: string;
  /** `dataset` block as read (path relative to where the spec will be written, kind, label, positive). */
  dataset: StudySpecInput['dataset'];
  /** Objective metric; default rocAuc, or prAuc when the positives are under 10%. */
  metric?: 'rocAuc' | 'prAuc' | 'f1' | 'logLoss' | 'precision' | 'recall' | undefined;
  /** Wall-clock budget in seconds; without it, a trial budget sized to the data. */
  timeSeconds?: number | undefined;
  /** Cores the study may use (trials run this many at a time). */
  cores: number;
}

/** A generated spec and, per decision, the reason (printed as comments above the spec). */
export interface InferredSpec {
  spec: StudySpecInput;
  notes: string[];
}

/** Share of rows under which the positive (or negative) class counts as imbalanced. */
const IMBALANCED = 0.35;

/**
 * Builds a study spec from the data alone: the model family from the data's kind, a search space
 * sized to the rows, class handling when the classes are imbalanced, imputers when values are
 * missing, k from the rows and the minority class, the sampler from the budget, and a held-out
 * test share when there are enough rows. Every choice is explained in `notes`, so the printed
 * spec can be read, edited and rerun with `hpo tune spec.yaml`.
 */
export function inferStudySpec(ds: Dataset, options: InferOptions): InferredSpec {
  const notes: string[] = [];
  const rows = rowCount(ds);
  const [neg, pos] = classCounts(ds.labels);
  const minority = Math.min(neg, pos);
  const share = minority / rows;
  notes.push(
    `${rows} rows, ${pos} positive (${pct(pos / rows)}): ${share < IMBALANCED ? 'imbalanced' : 'balanced enough'}`,
  );

  const metric = options.metric ?? (pos / rows < 0.1 ? 'prAuc' : 'rocAuc');
  if (!options.metric) {
    notes.push(
      metric === 'prAuc'
        ? 'metric prAuc: with under 10% positives, PR AUC tracks what matters (ROC AUC looks good too easily)'
        : 'metric rocAuc (pass --metric to choose another)',
    );
  }

  // k: 5 folds by default; fewer when the minority class is small (each fold needs positives of
  // its own) or the table is large (each trial costs k trainings).
  let k = 5;
  if (rows > 100_000) k = 3;
  if (minority < 50) k = Math.max(2, Math.min(k, Math.floor(minority / 5)));
  const kWhy =
    k === 5
      ? ''
      : minority < 25
        ? ` (only ${minority} rows in the smaller class)`
        : ' (a large table: each trial trains k models)';
  notes.push(`cv.k ${k}${kWhy}`);
  // A held-out test share for an honest final estimate, when the smaller class can spare it.
  const holdout = rows >= 1000 && minority >= 100 ? 0.2 : undefined;
  notes.push(
    holdout
      ? 'cv.holdout 0.2: the refit model is tested once on rows no trial saw'
      : 'no held-out test share (too few rows); the estimate is the cross-validated one',
  );

  // Identifier-like columns (a distinct text value in nearly every row) carry no signal a model
  // can generalise from: ignored.
  const dataset = { ...options.dataset };
  if (ds.kind === 'tabular') {
    const ids = (ds.report?.columns ?? []).filter(
      (c) =>
        c.kind === 'categorical' &&
        c.source === 'inferred' &&
        (c.categories ?? 0) > 50 &&
        (c.categories ?? 0) >= 0.9 * rows,
    );
    if (ids.length > 0) {
      dataset.columns = {
        ...dataset.columns,
        ...Object.fromEntries(ids.map((c) => [c.name, 'ignore' as const])),
      };
      notes.push(
        `ignored as identifiers (a distinct value in nearly every row): ${ids.map((c) => c.name).join(', ')}`,
      );
    }
  }

  const space: NonNullable<StudySpecInput['search']['space']> = {};
  const fixed: Record<string, string | number | boolean> = {};
  const small = rows < 2000;
  if (ds.kind === 'tabular') {
    space.layers = { type: 'int', low: 1, high: small ? 2 : 3 };
    space.units = { type: 'int', low: 8, high: small ? 64 : 256, log: true };
    space.dropout = { type: 'float', low: 0, high: 0.5 };
    // Up to 0.1: on small tables the best trials sat at a 0.01 ceiling (the zero-config bench).
    space.l2 = { type: 'float', low: 1e-6, high: 1e-1, log: true };
    space.activation = { type: 'categorical', choices: ['relu', 'elu', 'swish'] };
    space.scaler = { type: 'categorical', choices: ['standard', 'minmax'] };
    notes.push(
      `MLP: up to ${small ? 2 : 3} layers of 8–${small ? 64 : 256} units (sized to ${rows} rows), dropout and L2`,
    );
    const missing =
      ds.report?.columns.filter((c) => c.missing > 0 && (c.kind === 'numeric' || c.kind === 'categorical')) ??
      [];
    const numericMissing = missing.filter((c) => c.kind === 'numeric');
    if (numericMissing.length > 0) {
      space.imputer = {
        type: 'categorical',
        choices: rows <= 20_000 ? ['median', 'mean', 'knn'] : ['median', 'mean'],
      };
      notes.push(
        `imputer searched: ${numericMissing.length} numeric column(s) have missing values (${numericMissing
          .slice(0, 3)
          .map((c) => c.name)
          .join(
            ', ',
          )}${numericMissing.length > 3 ? ', …' : ''})${rows > 20_000 ? '; no kNN on this many rows' : ''}`,
      );
    }
    if (missing.some((c) => c.kind === 'categorical')) {
      space.categoricalImputer = { type: 'categorical', choices: ['constant', 'most_frequent'] };
      notes.push('categorical imputer searched: categorical columns have missing values');
    }
  } else {
    const [height, width] = ds.shape;
    const side = Math.min(height, width);
    const maxBlocks = side >= 32 ? 3 : side >= 12 ? 2 : 1;
    space.filters = { type: 'categorical', choices: [8, 16, 32] };
    // One block only (images under 12 px): fixed, as a range of one value is no search space.
    if (maxBlocks > 1) space.convBlocks = { type: 'int', low: 1, high: maxBlocks };
    else fixed.convBlocks = 1;
    space.denseUnits = { type: 'categorical', choices: [32, 64, 128] };
    space.convDropout = { type: 'float', low: 0, high: 0.3 };
    space.dropout = { type: 'float', low: 0, high: 0.5 };
    fixed.padding = 'same';
    notes.push(
      `CNN on ${height}×${width} images: up to ${maxBlocks} conv block(s) ('same' padding keeps small images from shrinking away)`,
    );
  }
  space.learningRate = { type: 'float', low: 3e-4, high: 3e-2, log: true };
  space.batchSize = { type: 'categorical', choices: small ? [16, 32, 64] : [32, 64, 128] };
  if (share < IMBALANCED) {
    // Class weights and resampling, chosen by the search; SMOTE only for tables with enough
    // minority rows to interpolate between (and not on images).
    const smote = ds.kind === 'tabular' && minority >= 20;
    space.classWeight = { type: 'categorical', choices: ['none', 'balanced'] };
    if (smote) space.resample = { type: 'categorical', choices: ['none', 'smote'] };
    notes.push(`imbalance handling searched: class weights${smote ? ' and SMOTE' : ''} against none`);
  }
  fixed.epochs = 60;
  fixed.patience = 6;
  notes.push('epochs up to 60, stopped early after 6 without improvement on an inner validation split');

  // Trials: a budget that fits the data, or as many as the time allows.
  const trials = options.timeSeconds !== undefined ? 10_000 : rows <= 5000 ? 40 : 25;
  // A GP's cost per ask grows with the observations: only for short time budgets.
  const gp = options.timeSeconds === undefined ? trials <= 50 : options.timeSeconds <= 5 * 60;
  notes.push(
    gp
      ? 'sampler gp: a Gaussian process makes the most of a small budget'
      : 'sampler tpe: cheaper per trial than a GP over a long budget',
  );
  notes.push(
    'pruner asha: a trial stops at 1, 3, 9 or 27 epochs unless its first two folds are in the top third of the trials seen there',
  );
  if (options.timeSeconds !== undefined)
    notes.push(`budget: as many trials as fit in ${options.timeSeconds} s`);
  else notes.push(`budget: ${trials} trials (pass --time to give a wall-clock budget instead)`);
  const parallelism = Math.max(1, Math.min(4, options.cores));

  const spec: StudySpecInput = {
    name: options.name,
    dataset,
    model: ds.kind === 'tabular' ? 'mlp' : 'cnn',
    objective: { metric },
    cv: { k, seed: 42, ...(holdout ? { holdout } : {}) },
    search: { space, fixed },
    sampler: { type: gp ? 'gp' : 'tpe' },
    // ASHA alone: a fold pruner beside it would compare with complete trials only, which under
    // ASHA are its survivors, and stop nearly everything (the zero-config bench: 130 of 336).
    pruner: { type: 'asha', reductionFactor: 3, minEpochs: 1 },
    budget: {
      trials,
      parallelism,
      ...(options.timeSeconds !== undefined ? { timeLimitSeconds: options.timeSeconds } : {}),
    },
    decision: { rule: 'bestF1' },
    calibration: share < IMBALANCED ? 'platt' : 'none',
    seed: 0,
  };
  if (share < IMBALANCED) notes.push('calibration platt: class weights and resampling distort probabilities');
  return { spec, notes };
}

function pct(x: number): string {
  return `${Math.round(x * 1000) / 10}%`;
}

/** Parses a duration: a number of seconds, or e.g. 90s, 10m, 1h, 1h30m. Undefined when invalid. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) > 0 ? Number(t) : undefined;
  const m = /^(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?$/.exec(t);
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  const seconds = Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return seconds > 0 ? seconds : undefined;
}

/** The spec as YAML, with `header` lines and the reasons for each choice as comments on top. */
export function inferredSpecYaml(inferred: InferredSpec, header: string[]): string {
  const comments = [
    ...header.map((l) => `# ${l}`),
    '#',
    '# Why these choices:',
    ...inferred.notes.map((n) => `#   - ${n}`),
  ];
  return `${comments.join('\n')}\n${stringify(inferred.spec)}`;
}
