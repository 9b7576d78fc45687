import { classCounts } from '../dataset/types.js';
import { DatasetError } from '../errors.js';
import { Rng } from '../random.js';

/** One train/validation split: row indices into the dataset, each sorted ascending. */
export interface Fold {
  /** 0-based repeat number (repeated K-fold). */
  repeat: number;
  /** 0-based fold number within the repeat. */
  fold: number;
  train: Int32Array;
  valid: Int32Array;
}

/**
 * Stratified, shuffled K-fold: a pure function of (labels, k, seed, repeats), so every
 * process derives the same folds without shipping indices. Each class is shuffled and dealt
 * round-robin, which keeps class proportions and fold sizes within one row of each other.
 */
export function stratifiedKFold(labels: ArrayLike<number>, k: number, seed: number, repeats = 1): Fold[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`cv.k must be an integer >= 2, got ${k}`);
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new RangeError(`cv.repeats must be an integer >= 1, got ${repeats}`);
  checkClassSizes(labels, k, `${k} folds`);
  const folds: Fold[] = [];
  for (let r = 0; r < repeats; r++) {
    const assignment = dealFolds(labels, k, Rng.derive(seed, 'kfold', r));
    for (let f = 0; f < k; f++) {
      const train: number[] = [];
      const valid: number[] = [];
      for (let i = 0; i < labels.length; i++) (assignment[i] === f ? valid : train).push(i);
      folds.push({ repeat: r, fold: f, train: Int32Array.from(train), valid: Int32Array.from(valid) });
    }
  }
  return folds;
}

/**
 * One fold of stratifiedKFold without building the others (what a worker needs). With
 * `labelsKey` (a name for these exact labels, e.g. the dataset's content hash) the folds' deal is
 * kept for the next call: a worker trains every fold of many trials on the same labels.
 */
export function stratifiedFold(
  labels: ArrayLike<number>,
  k: number,
  seed: number,
  repeat: number,
  fold: number,
  labelsKey?: string,
): Fold {
  if (fold < 0 || fold >= k) throw new RangeError(`fold ${fold} is outside 0..${k - 1}`);
  const assignment = foldAssignment(labels, k, seed, repeat, labelsKey);
  let nValid = 0;
  for (let i = 0; i < assignment.length; i++) if (assignment[i] === fold) nValid++;
  const train = new Int32Array(assignment.length - nValid);
  const valid = new Int32Array(nValid);
  for (let i = 0, t = 0, v = 0; i < assignment.length; i++) {
    if (assignment[i] === fold) valid[v++] = i;
    else train[t++] = i;
  }
  return { repeat, fold, train, valid };
}

/** The fold of every row for (labels, k, seed, repeat); the last few deals are kept by key. */
function foldAssignment(
  labels: ArrayLike<number>,
  k: number,
  seed: number,
  repeat: number,
  labelsKey: string | undefined,
): Int32Array {
  const key = labelsKey === undefined ? undefined : `${labelsKey}/${labels.length}/${k}/${seed}/${repeat}`;
  const hit = key === undefined ? undefined : assignments.get(key);
  if (hit) {
    // Most recently used last.
    assignments.delete(key!);
    assignments.set(key!, hit);
    return hit;
  }
  checkClassSizes(labels, k, `${k} folds`);
  const assignment = dealFolds(labels, k, Rng.derive(seed, 'kfold', repeat));
  if (key !== undefined && assignment.byteLength <= ASSIGNMENT_BYTES) {
    assignments.set(key, assignment);
    assignmentBytes += assignment.byteLength;
    for (const [oldest, a] of assignments) {
      if (assignments.size <= ASSIGNMENTS_KEPT && assignmentBytes <= ASSIGNMENT_BYTES) break;
      assignments.delete(oldest);
      assignmentBytes -= a.byteLength;
    }
  }
  return assignment;
}

/**
 * Deals kept, least recently used first (4 bytes a row each): up to 16 (repeated k-fold, or
 * studies alternating on a thread), within 16 MiB.
 */
const assignments = new Map<string, Int32Array>();
const ASSIGNMENTS_KEPT = 16;
const ASSIGNMENT_BYTES = 16 * 1024 * 1024;
let assignmentBytes = 0;

/**
 * Stratified train/test split: `testFraction` of each class (rounded, at least one row) goes to
 * the test set.
 */
export function stratifiedTrainTestSplit(
  labels: ArrayLike<number>,
  testFraction: number,
  seed: number,
): { train: Int32Array; test: Int32Array } {
  if (!(testFraction > 0 && testFraction < 1))
    throw new RangeError(`test fraction must be in (0, 1), got ${testFraction}`);
  checkClassSizes(labels, 2, 'a train/test split');
  const rng = Rng.derive(seed, 'split');
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const idx = indicesOf(labels, cls);
    rng.shuffle(idx);
    const nTest = Math.min(idx.length - 1, Math.max(1, Math.round(idx.length * testFraction)));
    // A loop, not push(...slice): a spread of a million indices overflows the call stack.
    for (let i = 0; i < idx.length; i++) (i < nTest ? test : train).push(idx[i]!);
  }
  const sorted = (a: number[]) => Int32Array.from(a).sort();
  return { train: sorted(train), test: sorted(test) };
}

function dealFolds(labels: ArrayLike<number>, k: number, rng: Rng): Int32Array {
  const assignment = new Int32Array(labels.length);
  let next = 0;
  for (const cls of [1, 0]) {
    const idx = rng.shuffle(indicesOf(labels, cls));
    for (const i of idx) {
      assignment[i] = next;
      next = (next + 1) % k;
    }
  }
  return assignment;
}

function indicesOf(labels: ArrayLike<number>, cls: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === cls) out.push(i);
  return out;
}

function checkClassSizes(labels: ArrayLike<number>, need: number, what: string): void {
  const [neg, pos] = classCounts(labels);
  for (const [name, count] of [
    ['positive', pos],
    ['negative', neg],
  ] as const) {
    if (count < need) {
      throw new DatasetError(
        `the ${name} class has ${count} row${count === 1 ? '' : 's'}, fewer than the ${need} needed for ${what}`,
        {},
        'lower cv.k or add rows of that class',
      );
    }
  }
}
