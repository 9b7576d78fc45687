import {
  applyCalibrationToLogits,
  type Column,
  type CsvTable,
  DatasetError,
  DEFAULT_MISSING,
  pipelineSchema,
  readCsvTable,
  tableColumns,
  tableFeatures,
  transformColumns,
} from '@hpo/core';
import type { TrainedModel } from './artifact.js';
import { predictLogits } from './train-loop.js';

/** Predictions for a batch of rows. */
export interface Predictions {
  /** Probability of the positive class per row. */
  probability: Float64Array;
  /** Predicted class name per row at `threshold`. */
  label: string[];
  threshold: number;
}

/** Applies the fitted pipeline and network to raw tabular columns (matched by name). */
export function predictColumns(model: TrainedModel, columns: Column[], threshold = 0.5): Predictions {
  if (!model.pipeline)
    throw new DatasetError('this model was trained on images; give it pixel rows, not a table');
  const n = columns[0]
    ? columns[0].kind === 'numeric'
      ? columns[0].values.length
      : columns[0].codes.length
    : 0;
  const x = transformColumns(model.pipeline, columns);
  return decide(model, predictLogits(model.net, x, n), threshold);
}

/** Applies the model to already-scaled pixels ([rows, h, w, c] flattened, values in [0, 1]). */
export function predictPixels(model: TrainedModel, pixels: Float32Array, threshold = 0.5): Predictions {
  const size = model.net.inputShape.reduce((a, b) => a * b, 1);
  if (pixels.length % size !== 0)
    throw new DatasetError(`pixel data is not a whole number of ${size}-value images`);
  return decide(model, predictLogits(model.net, pixels, pixels.length / size), threshold);
}

/**
 * Reads a CSV of new rows and predicts each: tabular models read the columns they were trained
 * on (extra columns, the label among them, are ignored); image models read pixel columns. The
 * parsed input comes back too, so a caller can carry input columns (ids) into its output.
 */
export function predictCsv(
  model: TrainedModel,
  file: string,
  threshold = 0.5,
): Predictions & { input: CsvTable } {
  return predictTable(model, readCsvTable(file, model.csv), threshold, file);
}

/** `predictCsv` on a table already parsed (CSV text a server received, say); `file` labels errors. */
export function predictTable(
  model: TrainedModel,
  input: CsvTable,
  threshold = 0.5,
  file = '<csv>',
): Predictions & { input: CsvTable } {
  if (model.pipeline) {
    const features = tableFeatures(input, pipelineSchema(model.pipeline), model.csv ?? {}, file);
    return { ...predictColumns(model, features, threshold), input };
  }
  const shape = model.imageShape!;
  const size = shape[0] * shape[1] * shape[2];
  const cols = tableColumns(input, model.csv ?? {}, file).filter((c) => c.name !== model.classes.label);
  if (cols.length !== size) {
    throw new DatasetError(
      `has ${cols.length} pixel columns, the model expects ${size} (${shape.join('×')})`,
      { file },
    );
  }
  const n = input.rows.length;
  const pixels = new Float32Array(n * size);
  // Scale exactly as at training time (a per-batch guess would depend on the batch).
  const scale = model.pixelScale ?? 255;
  cols.forEach((c, j) => {
    if (c.kind !== 'numeric')
      throw new DatasetError('pixel values must be numbers', { file, column: c.name });
    for (let i = 0; i < n; i++) {
      const v = c.values[i]!;
      if (Number.isNaN(v))
        throw new DatasetError('pixel value is missing', { file, row: input.lines[i]!, column: c.name });
      pixels[i * size + j] = v / scale;
    }
  });
  return { ...predictPixels(model, pixels, threshold), input };
}

function decide(model: TrainedModel, logits: Float32Array, threshold: number): Predictions {
  if (!(threshold >= 0 && threshold <= 1))
    throw new RangeError(`threshold must be a probability in [0, 1], got ${threshold}`);
  // From the logits, in float64, as the study's test evaluation computes them: an isotonic step
  // sits exactly at the chosen threshold, and Platt near 0 or 1 needs the logit's precision.
  const probability = applyCalibrationToLogits(model.calibration ?? { method: 'none' }, logits);
  const label = Array.from(probability, (p) =>
    p >= threshold ? model.classes.positive : model.classes.negative,
  );
  return { probability, label, threshold };
}

/** A value of one field of a row given to `predictRows`: missing as null, NaN or a missing marker ('', 'NA', …). */
export type RowValue = string | number | boolean | null | undefined;

/** One prediction of `predictRows`. */
export interface RowPrediction {
  /** Probability of the positive class (calibrated when the model carries a calibration). */
  probability: number;
  /** The class at the threshold. */
  label: string;
}

/**
 * Predicts rows given as objects (a Node service's JSON, say): tabular models read the fields
 * they were trained on by name (other fields are ignored), image models read a `pixels` array
 * of raw values (scaled as at training). Every problem is a DatasetError naming the row (from
 * 1) and the field.
 */
export function predictRows(
  model: TrainedModel,
  rows: readonly Record<string, unknown>[],
  threshold = 0.5,
): RowPrediction[] {
  const p = model.pipeline
    ? predictColumns(model, rowsToColumns(model, rows), threshold)
    : predictPixelRows(model, rows, threshold);
  return Array.from(p.probability, (probability, i) => ({ probability, label: p.label[i]! }));
}

const where = (i: number, field: string) => ({ file: 'rows', row: i + 1, column: field });

/**
 * Row objects → the model's columns, through the CSV reader: each field becomes the cell a CSV
 * of the same row would hold (null, undefined and NaN an empty cell, which is missing here), so
 * a row sent as JSON is typed, trimmed and checked exactly as the same row in a CSV, missing
 * markers and decimal comma included.
 */
function rowsToColumns(model: TrainedModel, rows: readonly Record<string, unknown>[]): Column[] {
  const schema = pipelineSchema(model.pipeline!);
  for (const { name } of schema) {
    if (!rows.some((r) => Object.hasOwn(r, name)))
      throw new DatasetError(
        `no row has the field '${name}', which the model reads (give null for a missing value)`,
        { file: 'rows', column: name },
      );
  }
  const decimal = model.csv?.decimal ?? '.';
  const cell = (r: Record<string, unknown>, i: number, name: string): string => {
    // Own fields only: a column named like an Object method must not read the prototype's. A
    // field left out (or misspelt) is an error, not a missing value: missing is null.
    if (!Object.hasOwn(r, name))
      throw new DatasetError(`the field '${name}' is absent (give null for a missing value)`, where(i, name));
    const v = r[name];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) return '';
    if (typeof v === 'string') return v.trim();
    if (typeof v === 'number') return decimal === ',' ? String(v).replace('.', ',') : String(v);
    if (typeof v === 'boolean') return String(v);
    throw new DatasetError(`expected a number, string or boolean, got ${show(v)}`, where(i, name));
  };
  const table: CsvTable = {
    header: schema.map((c) => c.name),
    rows: rows.map((r, i) => schema.map(({ name }) => cell(r, i, name))),
    lines: rows.map((_, i) => i + 1),
    delimiter: ',',
    decimal,
  };
  const missing = [...(model.csv?.missing ?? DEFAULT_MISSING), ''];
  return tableFeatures(table, schema, { missing }, 'rows');
}

/** A value for an error message: JSON, cut to 60 characters (a request can be megabytes). */
function show(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = Object.prototype.toString.call(v);
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function predictPixelRows(
  model: TrainedModel,
  rows: readonly Record<string, unknown>[],
  threshold: number,
): Predictions {
  const size = model.net.inputShape.reduce((a, b) => a * b, 1);
  const scale = model.pixelScale ?? 255;
  const pixels = new Float32Array(rows.length * size);
  rows.forEach((r, i) => {
    const px = r.pixels;
    if (!Array.isArray(px) || px.length !== size)
      throw new DatasetError(
        `'pixels' must be an array of ${size} numbers (${model.imageShape!.join('×')})`,
        where(i, 'pixels'),
      );
    px.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new DatasetError(`pixel ${j} is ${show(v)}, expected a number`, where(i, 'pixels'));
      pixels[i * size + j] = v / scale;
    });
  });
  return predictPixels(model, pixels, threshold);
}
