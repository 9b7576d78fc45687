import { DatasetError } from '../errors.js';
import { quoteList } from './csv.js';
import type { ClassNames } from './types.js';

/** Pairs of label values whose positive class is obvious; matched case-insensitively. */
const KNOWN_PAIRS: [string, string][] = [
  ['0', '1'],
  ['-1', '1'],
  ['false', 'true'],
  ['no', 'yes'],
  ['n', 'y'],
  ['negative', 'positive'],
  ['neg', 'pos'],
];

/**
 * Maps raw label values to 0/1. Exactly two distinct values must occur; the positive one is
 * `positive` when given, else inferred from a known pair (0/1, false/true, no/yes, ...).
 */
export function resolveClasses(
  raw: (string | undefined)[],
  labelName: string,
  positive: string | undefined,
  file: string,
): { classes: ClassNames; labels: Uint8Array } {
  const counts = new Map<string, number>();
  raw.forEach((v, i) => {
    if (v === undefined) {
      throw new DatasetError('label is missing', { file, row: i + 1, column: labelName });
    }
    counts.set(v, (counts.get(v) ?? 0) + 1);
  });
  const { classes } = resolveClassValues(counts, labelName, positive, file);
  const labels = new Uint8Array(raw.length);
  raw.forEach((v, i) => {
    labels[i] = v === classes.positive ? 1 : 0;
  });
  return { classes, labels };
}

/**
 * The two classes from the count of each label value (see resolveClasses): exactly two values,
 * the positive one given or inferred from a known pair.
 */
export function resolveClassValues(
  counts: Map<string, number>,
  labelName: string,
  positive: string | undefined,
  file: string,
): { classes: ClassNames } {
  const values = [...counts.keys()];
  if (values.length !== 2) {
    const found = values.map((v) => `${v} (${counts.get(v)} rows)`);
    throw new DatasetError(
      `labels must take exactly two values for binary classification, found ${values.length}: ${quoteList(found)}`,
      { file, column: labelName },
      values.length > 2
        ? 'map the classes to two values, or filter the rows'
        : 'the dataset needs both classes',
    );
  }
  const pos = positive ?? inferPositive(values as [string, string]);
  if (pos === undefined) {
    throw new DatasetError(
      `cannot tell which label is the positive class among ${quoteList(values)}`,
      { file, column: labelName },
      'set dataset.positive to one of them',
    );
  }
  if (!counts.has(pos)) {
    throw new DatasetError(`positive class '${pos}' does not occur; labels are ${quoteList(values)}`, {
      file,
      column: labelName,
    });
  }
  const neg = values.find((v) => v !== pos)!;
  return { classes: { label: labelName, positive: pos, negative: neg } };
}

function inferPositive(values: [string, string]): string | undefined {
  const lower = values.map((v) => v.toLowerCase());
  for (const [neg, pos] of KNOWN_PAIRS) {
    if (lower.includes(neg) && lower.includes(pos)) return values[lower.indexOf(pos)];
  }
  // Numeric labels like 0.0 / 1.0.
  const nums = values.map(Number);
  if (nums.every(Number.isFinite) && nums.includes(1) && (nums.includes(0) || nums.includes(-1))) {
    return values[nums.indexOf(1)];
  }
  return undefined;
}
