import { mean, median, modeFast, standardDeviation } from 'simple-statistics';
import type { Column, TabularDataset } from '../dataset/types.js';
import { DatasetError } from '../errors.js';
import { type FittedKnn, fitKnn, knnImpute } from './knn-imputer.js';
import { type PreprocessOptions, resolvePreprocessOptions, UNKNOWN_CATEGORY } from './options.js';

/** A preprocessing pipeline fitted on one training fold; plain JSON, so it travels with a model. */
export interface FittedPipeline {
  version: 1;
  options: PreprocessOptions;
  numeric: { name: string; fill: number; center: number; scale: number }[];
  /** One-hot columns in `categories` order; a category unseen at fit time encodes as all zeros. */
  categorical: { name: string; categories: string[]; fill: string | null }[];
  knn?: FittedKnn;
  /** Names of the output features, e.g. `age`, `city=Paris`. */
  featureNames: string[];
}

/** Fits imputers, one-hot encoders and scalers on `rows` of the dataset (the training fold only). */
export function fitPipeline(
  ds: TabularDataset,
  rows: ArrayLike<number>,
  partial: Partial<PreprocessOptions> = {},
): FittedPipeline {
  const options = resolvePreprocessOptions(partial);
  if (rows.length === 0) throw new RangeError('cannot fit preprocessing on zero rows');
  const numeric: FittedPipeline['numeric'] = [];
  const categorical: FittedPipeline['categorical'] = [];
  const numericCols = ds.columns.filter((c) => c.kind === 'numeric');
  // One buffer for every column's values (typed: a fold's column is read once, with no pushes).
  const buffer = new Float64Array(rows.length);
  for (const col of numericCols) {
    const values = col.values;
    let m = 0;
    for (let i = 0; i < rows.length; i++) {
      const v = values[rows[i]!]!;
      if (!Number.isNaN(v)) buffer[m++] = v;
    }
    // An all-missing column in this fold imputes to 0 and passes through unscaled.
    const fill = m === 0 ? 0 : imputeValue(buffer.subarray(0, m), options.numericImputer);
    numeric.push({ name: col.name, fill, center: 0, scale: 1 });
  }
  let knn: FittedKnn | undefined;
  if (options.numericImputer === 'knn' && numericCols.length) {
    const stats = numeric.map((_, j) => columnStats(numericCols[j]!.values, rows));
    const ref: number[][] = [];
    for (let i = 0; i < rows.length; i++) ref.push(numericCols.map((c) => c.values[rows[i]!]!));
    knn = fitKnn(
      ref,
      stats.map((s) => s.mean),
      stats.map((s) => s.std),
      options.knnK,
    );
  }
  // Scalers are fitted on imputed values, as a scikit-learn Pipeline(imputer, scaler) would:
  // with the kNN imputer, on the values it imputes for the training rows themselves.
  const knnFilled = knn
    ? knnImputeRows(
        numericCols,
        rows,
        knn,
        numeric.map((n) => n.fill),
      )
    : undefined;
  numeric.forEach((n, j) => {
    const values = numericCols[j]!.values;
    const filled = buffer;
    for (let i = 0; i < rows.length; i++) {
      const v = values[rows[i]!]!;
      filled[i] = !Number.isNaN(v) ? v : knnFilled ? knnFilled[i]![j]! : n.fill;
    }
    if (options.scaler === 'standard') {
      // simple-statistics reads any array-like (typed arrays included).
      n.center = mean(filled as unknown as number[]);
      const sd = standardDeviation(filled as unknown as number[]);
      n.scale = sd > 0 ? sd : 1;
    } else if (options.scaler === 'minmax') {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const v of filled) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      n.center = lo;
      n.scale = hi > lo ? hi - lo : 1;
    }
  });
  for (const col of ds.columns) {
    if (col.kind !== 'categorical') continue;
    // Counted by code (a column's categories are distinct, in order of first appearance).
    const counts = new Int32Array(col.categories.length);
    const codes = col.codes;
    let missing = 0;
    for (let i = 0; i < rows.length; i++) {
      const code = codes[rows[i]!]!;
      if (code < 0) missing++;
      else counts[code]!++;
    }
    // Most frequent, ties broken by first appearance in the file (deterministic).
    const ordered = col.categories.filter((_, code) => counts[code]! > 0);
    let mostFrequent = ordered[0] ?? UNKNOWN_CATEGORY;
    let most = 0;
    for (let code = 0; code < counts.length; code++) {
      if (counts[code]! > most) {
        most = counts[code]!;
        mostFrequent = col.categories[code]!;
      }
    }
    const categories = [...ordered];
    let fill: string | null = mostFrequent;
    if (options.categoricalImputer === 'constant') {
      fill = UNKNOWN_CATEGORY;
      // Always keep an Unknown slot, so a validation/predict row with a missing value has a column.
      if (!categories.includes(UNKNOWN_CATEGORY)) categories.push(UNKNOWN_CATEGORY);
    }
    if (missing === 0 && ordered.length === 0) fill = null;
    categorical.push({ name: col.name, categories, fill });
  }
  const featureNames = [
    ...numeric.map((n) => n.name),
    ...categorical.flatMap((c) => c.categories.map((v) => `${c.name}=${v}`)),
  ];
  return { version: 1, options, numeric, categorical, ...(knn ? { knn } : {}), featureNames };
}

/**
 * Applies a fitted pipeline to columns (matched by name; any extra columns are ignored) and
 * returns a row-major Float32Array of `rows × featureNames.length` (all rows when omitted).
 */
export function transformColumns(
  p: FittedPipeline,
  columns: Column[],
  rows?: ArrayLike<number>,
): Float32Array {
  const n = rows ? rows.length : columns[0] ? columnLength(columns[0]) : 0;
  const out = new Float32Array(n * p.featureNames.length);
  rowTransformer(p, columns)(rows ?? { length: n }, out, !rows);
  return out;
}

/**
 * The fitted pipeline bound to `columns` once (columns looked up, one-hot slots mapped): a
 * function writing rows `rows` of the table, transformed, into `out` (rows × features, overwritten).
 * Training batches read a fold this way, straight from the shared table.
 */
export function rowTransformer(
  p: FittedPipeline,
  columns: Column[],
): (rows: ArrayLike<number>, out: Float32Array, identity?: boolean) => void {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const num = p.numeric.map((n) => expectColumn(byName, n.name, 'numeric').values);
  const center = Float64Array.from(p.numeric, (x) => x.center);
  const scale = Float64Array.from(p.numeric, (x) => x.scale);
  const cat = p.categorical.map((c) => {
    const col = expectColumn(byName, c.name, 'categorical');
    const slot = new Map(c.categories.map((v, i) => [v, i]));
    // Map the column's own codes to the fitted one-hot slots once (-1 = unseen → all zeros).
    const codeToSlot = Int32Array.from(col.categories, (v) => slot.get(v) ?? -1);
    const fillSlot = c.fill === null ? -1 : (slot.get(c.fill) ?? -1);
    return { codes: col.codes, codeToSlot, fillSlot, width: c.categories.length };
  });
  const d = p.featureNames.length;
  const fallback = p.numeric.map((x) => x.fill);
  const raw = new Float64Array(num.length);
  return (rows, out, identity = false) => {
    const n = rows.length;
    if (out.length !== n * d) throw new RangeError(`out has ${out.length} values, expected ${n * d}`);
    // One-hot slots are only ever set to 1: the rows start from zeros.
    if (cat.length) out.fill(0);
    for (let i = 0; i < n; i++) {
      const r = identity ? i : rows[i]!;
      const o = i * d;
      let anyMissing = false;
      for (let j = 0; j < num.length; j++) {
        const v = num[j]![r]!;
        raw[j] = v;
        if (Number.isNaN(v)) anyMissing = true;
      }
      if (anyMissing) {
        if (p.knn) knnImpute(raw, p.knn, fallback);
        else for (let j = 0; j < raw.length; j++) if (Number.isNaN(raw[j])) raw[j] = fallback[j]!;
      }
      for (let j = 0; j < num.length; j++) out[o + j] = (raw[j]! - center[j]!) / scale[j]!;
      let base = o + num.length;
      for (const c of cat) {
        const code = c.codes[r]!;
        const s = code < 0 ? c.fillSlot : c.codeToSlot[code]!;
        if (s >= 0) out[base + s] = 1;
        base += c.width;
      }
    }
  };
}

/** The raw column schema a fitted pipeline expects (for reading predict inputs). */
export function pipelineSchema(p: FittedPipeline): { name: string; kind: 'numeric' | 'categorical' }[] {
  return [
    ...p.numeric.map((n) => ({ name: n.name, kind: 'numeric' as const })),
    ...p.categorical.map((c) => ({ name: c.name, kind: 'categorical' as const })),
  ];
}

/** The kNN-imputed numeric values of `rows` (only rows with a missing value are imputed). */
function knnImputeRows(
  cols: { values: Float64Array }[],
  rows: ArrayLike<number>,
  knn: FittedKnn,
  fallback: number[],
): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = cols.map((c) => c.values[rows[i]!]!);
    if (row.some(Number.isNaN)) knnImpute(row, knn, fallback);
    out.push(row);
  }
  return out;
}

function imputeValue(present: Float64Array, how: PreprocessOptions['numericImputer']): number {
  // simple-statistics reads any array-like (median copies before it selects).
  const values = present as unknown as number[];
  switch (how) {
    case 'mean':
    case 'knn': // fallback when no neighbour has the value
      return mean(values);
    case 'median':
      return median(values);
    case 'most_frequent':
      return mostFrequentNumber(present);
  }
}

/** Most frequent value; ties go to the smallest, as in scikit-learn's SimpleImputer. */
function mostFrequentNumber(values: Float64Array): number {
  const sorted = Array.from(values).sort((a, b) => a - b);
  return modeFast(sorted);
}

function columnStats(values: Float64Array, rows: ArrayLike<number>): { mean: number; std: number } {
  const present: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]!]!;
    if (!Number.isNaN(v)) present.push(v);
  }
  if (present.length === 0) return { mean: 0, std: 1 };
  const sd = standardDeviation(present);
  return { mean: mean(present), std: sd > 0 ? sd : 1 };
}

function expectColumn<K extends Column['kind']>(
  byName: Map<string, Column>,
  name: string,
  kind: K,
): Extract<Column, { kind: K }> {
  const col = byName.get(name);
  if (!col)
    throw new DatasetError(`column '${name}' is missing; the model was trained with it`, { column: name });
  if (col.kind !== kind) {
    throw new DatasetError(`column '${name}' is ${col.kind}, but the model was trained on it as ${kind}`, {
      column: name,
    });
  }
  return col as Extract<Column, { kind: K }>;
}

function columnLength(c: Column): number {
  return c.kind === 'numeric' ? c.values.length : c.codes.length;
}
