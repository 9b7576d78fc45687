import { classCounts } from '../dataset/types.js';
import { Rng } from '../random.js';

/** A dense feature matrix: `rows × cols` floats, row-major, with a 0/1 label per row. */
export interface LabeledMatrix {
  x: Float32Array;
  y: Uint8Array;
  rows: number;
  cols: number;
}

/** SMOTE settings. */
export interface SmoteOptions {
  /** Neighbours among the minority class to interpolate towards; default 5. */
  k?: number;
  /** Target minority/majority ratio after oversampling; default 1 (balanced). */
  ratio?: number;
  seed: number;
}

/**
 * SMOTE (Chawla et al. 2002): new minority rows on segments between a minority row and one of
 * its k nearest minority neighbours (Euclidean). Apply to the training fold only, after
 * preprocessing. Original rows come first, synthetic rows are appended.
 */
export function smote(data: LabeledMatrix, options: SmoteOptions): LabeledMatrix {
  const k = options.k ?? 5;
  const ratio = options.ratio ?? 1;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`smote.k must be an integer >= 1, got ${k}`);
  if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`smote.ratio must be in (0, 1], got ${ratio}`);
  const { minority, majorityCount } = minorityOf(data.y);
  const target = Math.round(majorityCount * ratio);
  const need = target - minority.length;
  if (need <= 0 || minority.length < 2) return data;
  const kk = Math.min(k, minority.length - 1);
  const neighbours = nearestNeighbours(data, minority, kk);
  const rng = Rng.derive(options.seed, 'smote');
  const { cols } = data;
  const x = new Float32Array((data.rows + need) * cols);
  x.set(data.x);
  const y = new Uint8Array(data.rows + need);
  y.set(data.y);
  const minorityLabel = data.y[minority[0]!]!;
  for (let s = 0; s < need; s++) {
    const a = rng.int(minority.length);
    const b = neighbours[a * kk + rng.int(kk)]!;
    const gap = rng.next();
    const ra = minority[a]! * cols;
    const rb = b * cols;
    const out = (data.rows + s) * cols;
    for (let j = 0; j < cols; j++) x[out + j] = data.x[ra + j]! + gap * (data.x[rb + j]! - data.x[ra + j]!);
    y[data.rows + s] = minorityLabel;
  }
  return { x, y, rows: data.rows + need, cols };
}

/**
 * Random undersampling of the majority class down to minority/ratio rows (ratio default 1).
 * Kept rows stay in their original order.
 */
export function undersample(data: LabeledMatrix, options: { ratio?: number; seed: number }): LabeledMatrix {
  const ratio = options.ratio ?? 1;
  if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`undersample.ratio must be in (0, 1], got ${ratio}`);
  const { minority, majorityCount } = minorityOf(data.y);
  const keepMajority = Math.min(majorityCount, Math.round(minority.length / ratio));
  if (keepMajority >= majorityCount) return data;
  const minorityLabel = data.y[minority[0]!];
  const majority: number[] = [];
  for (let i = 0; i < data.rows; i++) if (data.y[i] !== minorityLabel) majority.push(i);
  const keep = new Uint8Array(data.rows);
  for (const i of minority) keep[i] = 1;
  for (const i of Rng.derive(options.seed, 'undersample').shuffle(majority).slice(0, keepMajority))
    keep[i] = 1;
  const rows = minority.length + keepMajority;
  const x = new Float32Array(rows * data.cols);
  const y = new Uint8Array(rows);
  let r = 0;
  for (let i = 0; i < data.rows; i++) {
    if (!keep[i]) continue;
    x.set(data.x.subarray(i * data.cols, (i + 1) * data.cols), r * data.cols);
    y[r++] = data.y[i]!;
  }
  return { x, y, rows, cols: data.cols };
}

function minorityOf(y: Uint8Array): { minority: number[]; majorityCount: number } {
  const [neg, pos] = classCounts(y);
  const minorityLabel = pos <= neg ? 1 : 0;
  const minority: number[] = [];
  for (let i = 0; i < y.length; i++) if (y[i] === minorityLabel) minority.push(i);
  return { minority, majorityCount: Math.max(neg, pos) };
}

/** Indices (into `data` rows) of the k nearest other members of `members`, flattened m × k. */
function nearestNeighbours(data: LabeledMatrix, members: number[], k: number): Int32Array {
  const m = members.length;
  const { cols } = data;
  const out = new Int32Array(m * k);
  const dist = new Float64Array(m);
  const order = new Int32Array(m);
  for (let a = 0; a < m; a++) {
    const ra = members[a]! * cols;
    for (let b = 0; b < m; b++) {
      const rb = members[b]! * cols;
      let d = 0;
      for (let j = 0; j < cols; j++) {
        const t = data.x[ra + j]! - data.x[rb + j]!;
        d += t * t;
      }
      dist[b] = b === a ? Number.POSITIVE_INFINITY : d;
      order[b] = b;
    }
    order.sort((p, q) => dist[p]! - dist[q]! || p - q);
    for (let t = 0; t < k; t++) out[a * k + t] = members[order[t]!]!;
  }
  return out;
}
