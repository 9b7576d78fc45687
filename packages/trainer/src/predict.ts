import {
  applyCalibration,
  type Column,
  type CsvTable,
  DatasetError,
  pipelineSchema,
  readCsvTable,
  tableColumns,
  tableFeatures,
  transformColumns,
} from '@hpo/core';
import type { TrainedModel } from './artifact.js';
import { predictProba } from './train-loop.js';

/** Predictions for a batch of rows. */
export interface Predictions {
  /** Probability of the positive class per row. */
  probability: Float32Array;
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
  return decide(model, predictProba(model.net, x, n), threshold);
}

/** Applies the model to already-scaled pixels ([rows, h, w, c] flattened, values in [0, 1]). */
export function predictPixels(model: TrainedModel, pixels: Float32Array, threshold = 0.5): Predictions {
  const size = model.net.inputShape.reduce((a, b) => a * b, 1);
  if (pixels.length % size !== 0)
    throw new DatasetError(`pixel data is not a whole number of ${size}-value images`);
  return decide(model, predictProba(model.net, pixels, pixels.length / size), threshold);
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
  const input = readCsvTable(file);
  if (model.pipeline) {
    const features = tableFeatures(input, pipelineSchema(model.pipeline), {}, file);
    return { ...predictColumns(model, features, threshold), input };
  }
  const shape = model.imageShape!;
  const size = shape[0] * shape[1] * shape[2];
  const cols = tableColumns(input, {}, file).filter((c) => c.name !== model.classes.label);
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

function decide(model: TrainedModel, raw: Float32Array, threshold: number): Predictions {
  if (!(threshold >= 0 && threshold <= 1))
    throw new RangeError(`threshold must be a probability in [0, 1], got ${threshold}`);
  const probability =
    model.calibration && model.calibration.method !== 'none'
      ? Float32Array.from(applyCalibration(model.calibration, raw))
      : raw;
  const label = Array.from(probability, (p) =>
    p >= threshold ? model.classes.positive : model.classes.negative,
  );
  return { probability, label, threshold };
}
