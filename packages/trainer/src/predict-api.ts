/**
 * `@hpo/trainer/predict`: the predict library for Node services. Load a model directory that
 * `hpo tune` or `hpo export` wrote, then predict rows:
 *
 *   import { loadModel, predict } from '@hpo/trainer/predict';
 *   const model = await loadModel('runs/churn-quickstart/model');
 *   predict(model, [{ tenure_months: 3, contract: 'month-to-month', … }], { threshold: 'auto' });
 *   // → [{ probability: 0.71, label: 'yes' }]
 *
 * It runs the network on TensorFlow.js (the same backend choice as training) and applies the
 * saved preprocessing and calibration; it loads nothing of the orchestrator, gRPC or NATS.
 */
import { loadModel as loadSavedModel, type SavedModelMetadata, type TrainedModel } from './artifact.js';
import { predictRows, type RowPrediction } from './predict.js';

export { checkModelDir, type SavedModelMetadata, type TrainedModel } from './artifact.js';
export { describeBackend, initBackend } from './backend.js';
export { ModelError } from './errors.js';
export { type Predictions, predictCsv, predictTable, type RowPrediction, type RowValue } from './predict.js';

/** A loaded model with its metadata. */
export type LoadedModel = TrainedModel & { metadata: SavedModelMetadata };

/** Loads a model directory; every problem is a ModelError naming the directory. */
export function loadModel(dir: string): Promise<LoadedModel> {
  return loadSavedModel(dir);
}

/**
 * Which threshold: a probability, 'auto' (the one the study chose out of fold by its decision
 * rule), 'best-f1' (the folds' mean best-F1 threshold); default the model's default (0.5).
 */
export type ThresholdChoice = number | 'auto' | 'best-f1';

/** The threshold a choice means for this model, and in words where it came from. */
export function resolveThreshold(
  model: LoadedModel,
  choice?: ThresholdChoice,
): { threshold: number; source: string } {
  const meta = model.metadata;
  if (choice === undefined) return { threshold: meta.thresholds?.default ?? 0.5, source: 'default' };
  if (choice === 'auto') {
    if (!meta.decision)
      throw new RangeError("this model has no decision threshold recorded; pass a number or 'best-f1'");
    return { threshold: meta.decision.threshold, source: meta.decision.rule };
  }
  if (choice === 'best-f1') {
    if (meta.thresholds?.bestF1 === undefined)
      throw new RangeError('this model has no best-F1 threshold recorded');
    return { threshold: meta.thresholds.bestF1, source: 'best-F1 of the folds' };
  }
  if (!(choice >= 0 && choice <= 1))
    throw new RangeError(`threshold must be a probability in [0, 1], got ${choice}`);
  return { threshold: choice, source: 'given' };
}

/** Probability and class of each row (objects keyed by column name; image models: `{ pixels }`). */
export function predict(
  model: LoadedModel,
  rows: readonly Record<string, unknown>[],
  options: { threshold?: ThresholdChoice } = {},
): RowPrediction[] {
  return predictRows(model, rows, resolveThreshold(model, options.threshold).threshold);
}
