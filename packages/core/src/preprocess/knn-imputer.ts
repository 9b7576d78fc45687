import { Rng } from '../random.js';

/** Fitted state of the kNN imputer: standardised reference rows from the training fold. */
export interface FittedKnn {
  k: number;
  /** Per numeric column: training mean and std, used to put distances on one scale. */
  mean: number[];
  std: number[];
  /** Reference rows, raw values (null = missing), at most MAX_REFERENCE_ROWS. */
  reference: (number | null)[][];
}

/** Caps the stored reference set so an exported model stays small and imputation stays fast. */
const MAX_REFERENCE_ROWS = 2000;

/** Keeps up to MAX_REFERENCE_ROWS training rows (a seeded sample when there are more). */
export function fitKnn(rows: number[][], mean: number[], std: number[], k: number): FittedKnn {
  let picked = rows;
  if (rows.length > MAX_REFERENCE_ROWS) {
    picked = new Rng('knn-imputer').shuffle([...rows]).slice(0, MAX_REFERENCE_ROWS);
  }
  return { k, mean, std, reference: picked.map((r) => r.map((v) => (Number.isNaN(v) ? null : v))) };
}

/**
 * Fills NaNs of `row` in place with the mean of that column over the k nearest reference rows
 * having it, by nan-Euclidean distance on standardised values (scaled up for missing
 * coordinates, as scikit-learn's KNNImputer does). Unlike scikit-learn, distances use
 * standardised features so one large-scale column does not decide the neighbours alone.
 * Columns with no donor keep `fallback`.
 */
export function knnImpute(row: number[] | Float64Array, knn: FittedKnn, fallback: number[]): void {
  const missing: number[] = [];
  for (let j = 0; j < row.length; j++) if (Number.isNaN(row[j])) missing.push(j);
  if (missing.length === 0) return;
  const d = row.length;
  const dists = knn.reference.map((ref) => {
    let sum = 0;
    let present = 0;
    for (let j = 0; j < d; j++) {
      const a = row[j]!;
      const b = ref[j];
      if (Number.isNaN(a) || b === null || b === undefined) continue;
      const t = (a - b) / knn.std[j]!;
      sum += t * t;
      present++;
    }
    return present === 0 ? Number.POSITIVE_INFINITY : Math.sqrt((sum * d) / present);
  });
  const order = dists.map((_, i) => i).sort((a, b) => dists[a]! - dists[b]! || a - b);
  for (const j of missing) {
    let total = 0;
    let count = 0;
    for (const i of order) {
      if (count >= knn.k || !Number.isFinite(dists[i]!)) break;
      const v = knn.reference[i]![j];
      if (v === null || v === undefined) continue;
      total += v;
      count++;
    }
    row[j] = count ? total / count : fallback[j]!;
  }
}
