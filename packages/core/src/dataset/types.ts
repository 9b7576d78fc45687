/** A numeric feature column; missing values are NaN. */
export interface NumericColumn {
  kind: 'numeric';
  name: string;
  values: Float64Array;
}

/** A categorical feature column: codes index `categories`; -1 marks a missing value. */
export interface CategoricalColumn {
  kind: 'categorical';
  name: string;
  categories: string[];
  codes: Int32Array;
}

export type Column = NumericColumn | CategoricalColumn;

/** The two classes of a binary dataset; label 1 is `positive`. */
export interface ClassNames {
  /** Name of the label column (tabular) or `'class'` (image folders). */
  label: string;
  positive: string;
  negative: string;
}

/** What reading a CSV found: its dialect and each column's kind, for the study's column summary. */
export interface CsvReport {
  file: string;
  rows: number;
  dialect: { encoding: string; bom: boolean; delimiter: string; decimal: '.' | ',' };
  columns: {
    name: string;
    kind: 'numeric' | 'categorical' | 'ignored' | 'label';
    /** Whether dataset.columns (or dataset.label) said so, or the reader inferred it. */
    source: 'inferred' | 'declared';
    /** Cells read as missing. */
    missing: number;
    /** Distinct values of a categorical column. */
    categories?: number;
  }[];
}

/** A table of feature columns with a 0/1 label per row. */
export interface TabularDataset {
  kind: 'tabular';
  classes: ClassNames;
  columns: Column[];
  /** 1 = positive class, 0 = negative; length = number of rows. */
  labels: Uint8Array;
  /** How the CSV it came from was read (absent for datasets decoded from the canonical form). */
  report?: CsvReport;
}

/** Images of one shape, pixels scaled to [0, 1], row-major NHWC. */
export interface ImageDataset {
  kind: 'images';
  classes: ClassNames;
  /** [height, width, channels]. */
  shape: [number, number, number];
  pixels: Float32Array;
  /**
   * What raw pixel values were divided by to get `pixels` (255 for decoded images and 0–255
   * pixel CSVs, 1 for CSVs already in [0, 1]): a model applies the same to new pixels.
   */
  pixelScale: number;
  labels: Uint8Array;
}

export type Dataset = TabularDataset | ImageDataset;

/** Number of rows (samples) in a dataset. */
export function rowCount(ds: Dataset): number {
  return ds.labels.length;
}

/** Counts of [negative, positive] labels. */
export function classCounts(labels: ArrayLike<number>): [number, number] {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i] === 1 ? 1 : 0;
  return [labels.length - pos, pos];
}

/** The rows `indices` of a dataset, as a new dataset (categories are kept whole). */
export function selectRows<D extends Dataset>(ds: D, indices: ArrayLike<number>): D {
  const n = indices.length;
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = ds.labels[indices[i]!]!;
  if (ds.kind === 'images') {
    const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
    const pixels = new Float32Array(n * size);
    for (let i = 0; i < n; i++) {
      const src = indices[i]! * size;
      pixels.set(ds.pixels.subarray(src, src + size), i * size);
    }
    return { ...ds, pixels, labels };
  }
  const columns: Column[] = ds.columns.map((c) => {
    if (c.kind === 'numeric') {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = c.values[indices[i]!]!;
      return { ...c, values };
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = c.codes[indices[i]!]!;
    return { ...c, codes };
  });
  return { ...ds, columns, labels } as D;
}

/** Whether a typed array lives on a SharedArrayBuffer (threads see it without a copy). */
function isShared(a: ArrayBufferView): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;
}

/** A copy of `a` on a SharedArrayBuffer, or `a` itself when it is on one already. */
function shared<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(a: T): T {
  if (isShared(a)) return a;
  const ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const out = new ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as never);
  return out;
}

/**
 * The dataset with every typed array on a SharedArrayBuffer: posted to a thread, it is shared,
 * not copied. Arrays already shared are kept, so a dataset read shared costs nothing here.
 */
export function sharedDataset<D extends Dataset>(ds: D): D {
  if (ds.kind === 'images') return { ...ds, pixels: shared(ds.pixels), labels: shared(ds.labels) };
  const columns = ds.columns.map((c) =>
    c.kind === 'numeric' ? { ...c, values: shared(c.values) } : { ...c, codes: shared(c.codes) },
  );
  return { ...ds, columns, labels: shared(ds.labels) } as D;
}
