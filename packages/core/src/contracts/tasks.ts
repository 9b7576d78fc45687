/**
 * The units of work a study hands to an executor, and what comes back: one definition for the
 * embedded path (piscina threads) and the distributed one (NATS workers). Datasets travel by
 * content hash only; where the bytes are, how a task is stopped and where a model is written are
 * the executor's business, never part of a task.
 */
import { z } from 'zod';
import { CSV_ENCODINGS } from '../dataset/dialect.js';
import type { FoldMetrics } from '../metrics/types.js';
import { METRIC_NAMES } from '../spec/study-spec.js';
import { oofSchema } from './oof.js';
import { trialParamsSchema } from './params.js';

/** A SHA-256 as 64 lowercase hex digits (datasets are named by it). */
export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const sha256Schema = z.string().regex(SHA256_HEX, 'must be a SHA-256 (64 lowercase hex digits)');

const int = z.number().int();
const nonNegative = z.number().int().min(0);
/** zod 4 numbers are finite (no NaN, no ±Infinity). */
const finite = z.number();
const probability = z.number().min(0).max(1);

/** Train one CV fold of one trial; the fold's rows are derived from (labels, k, seed, repeat, fold). */
export const foldTaskSchema = z
  .object({
    kind: z.literal('fold'),
    /** The trial this fold belongs to. */
    trial: nonNegative,
    /** SHA-256 of the dataset's canonical form. */
    datasetHash: sha256Schema,
    cv: z.object({ k: z.number().int().min(2), seed: int, repeat: nonNegative, fold: nonNegative }).strict(),
    /** The parameters to train with (fixed and sampled; defaults fill the rest). */
    params: trialParamsSchema,
    /** Seeds weight init, dropout, shuffling, inner split and resampling. */
    seed: int,
    /** Decision threshold (probability) of the threshold metrics. */
    threshold: probability,
    /**
     * Report the validation fold's `metric` after the epochs minEpochs·factor^i (ASHA's rungs), so
     * the study can stop the fold there. Absent: nothing is reported during training.
     */
    report: z
      .object({
        metric: z.enum(METRIC_NAMES),
        minEpochs: z.number().int().min(1),
        factor: z.number().int().min(2),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((t) => t.cv.fold < t.cv.k, { message: 'cv.fold must be below cv.k', path: ['cv', 'fold'] });
export type FoldTask = z.infer<typeof foldTaskSchema>;

/** Whether a fold with `report` reports after `epoch` epochs: epoch is minEpochs·factor^i, i ≥ 0. */
export function isReportEpoch(epoch: number, report: { minEpochs: number; factor: number }): boolean {
  for (let r = report.minEpochs; r <= epoch; r *= report.factor) if (r === epoch) return true;
  return false;
}

/** A fold's validation objective after `epoch` epochs (an ASHA rung), sent while it trains. */
export interface FoldReport {
  epoch: number;
  value: number;
}

/** Position of a fold among a trial's folds (repeat · k + fold). */
export function foldIndex(task: Pick<FoldTask, 'cv'>): number {
  return task.cv.repeat * task.cv.k + task.cv.fold;
}

const metricSummarySchema = z.object({ mean: finite, std: finite, ci95: z.tuple([finite, finite]) }).strict();

/** A fitted probability calibration (see core's metrics/calibration). */
export const calibrationSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('none') }).strict(),
  z.object({ method: z.literal('platt'), a: finite, b: finite }).strict(),
  z.object({ method: z.literal('isotonic'), x: z.array(finite), y: z.array(probability) }).strict(),
]);

/** A decision threshold chosen on out-of-fold predictions, with the rule and what it reached there. */
export const decisionSchema = z
  .object({
    threshold: probability,
    rule: z.string(),
    precision: probability,
    recall: probability,
    f1: probability,
    reached: z.boolean(),
  })
  .strict();

const beforeAfter = z.object({ before: finite, after: finite }).strict();

/** Brier score and expected calibration error before and after calibration. */
export const calibrationReportSchema = z
  .object({ method: z.enum(['none', 'platt', 'isotonic']), brier: beforeAfter, ece: beforeAfter })
  .strict();

/** The pooled out-of-fold predictions of the refit trial: what the threshold and calibration were fitted on. */
export const outOfFoldReportSchema = z
  .object({ rows: nonNegative, rocAuc: probability, calibration: calibrationReportSchema })
  .strict();
export type OutOfFoldReport = z.infer<typeof outOfFoldReportSchema>;

/** What a saved model's `metadata.json` records about where it came from. */
export const modelMetadataSchema = z
  .object({
    study: z.string(),
    trial: nonNegative,
    params: trialParamsSchema,
    objective: z.object({
      metric: z.enum(METRIC_NAMES),
      direction: z.enum(['maximize', 'minimize']),
      value: finite,
    }),
    cv: z.object({
      k: int,
      repeats: int,
      seed: int,
      /** Mean, spread and 95% interval of every metric over the trial's folds. */
      metrics: z.record(z.string(), metricSummarySchema),
    }),
    /** Decision thresholds (probabilities): `default` and the cross-validated best-F1 one. */
    thresholds: z.object({ default: probability, bestF1: probability.optional() }),
    /** The threshold chosen on the pooled out-of-fold predictions (`hpo predict --threshold auto`). */
    decision: decisionSchema.optional(),
    /** Applied to the network's probability before any threshold. */
    calibration: calibrationSchema.optional(),
    /** What the decision and calibration were fitted on. */
    outOfFold: outOfFoldReportSchema.optional(),
    /** How the training CSV was read (the spec's settings), so predict reads new rows alike. */
    csv: z
      .object({
        delimiter: z.string().optional(),
        encoding: z.enum(CSV_ENCODINGS).optional(),
        decimal: z.enum(['.', ',']).optional(),
        missing: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
    datasetHash: sha256Schema,
    seed: int,
  })
  .strict();
export type ModelMetadata = z.infer<typeof modelMetadataSchema>;

/** Train the chosen trial on every row and save the model. */
export const refitTaskSchema = z
  .object({
    kind: z.literal('refit'),
    trial: nonNegative,
    datasetHash: sha256Schema,
    /** Held-out rows never used in tuning: the refit model is evaluated on them once. */
    testDatasetHash: sha256Schema.optional(),
    params: trialParamsSchema,
    seed: int,
    metadata: modelMetadataSchema,
  })
  .strict();
export type RefitTask = z.infer<typeof refitTaskSchema>;

export type Task = FoldTask | RefitTask;
export const taskSchema = z.union([foldTaskSchema, refitTaskSchema]);

/** The TensorFlow.js backend that trained, and why it was chosen. */
export const backendInfoSchema = z
  .object({
    name: z.enum(['tensorflow', 'wasm', 'cpu']),
    /** Threads the backend computes with (wasm: 1 unless its threaded build loaded). */
    threads: z.number().int().min(1),
    /** Why this one: forced by HPO_TF_BACKEND, or which faster ones are not there. */
    reason: z.string(),
    tfjsVersion: z.string(),
  })
  .strict();
export type BackendInfo = z.infer<typeof backendInfoSchema>;
export type BackendName = BackendInfo['name'];

/** One line naming a backend, e.g. `TensorFlow.js wasm backend (tfjs 4.22.0, 1 thread; …)`. */
export function describeBackend(b: BackendInfo): string {
  return `TensorFlow.js ${b.name} backend (tfjs ${b.tfjsVersion}, ${b.threads} thread${b.threads === 1 ? '' : 's'}; ${b.reason})`;
}

/** Everything measured on one validation fold (see core's metrics for each field's meaning). */
export const foldMetricsSchema = z
  .object({
    rocAuc: probability,
    prAuc: probability,
    f1: probability,
    precision: probability,
    recall: probability,
    accuracy: probability,
    balancedAccuracy: probability,
    logLoss: z.number().min(0),
    threshold: probability,
    bestF1Threshold: probability,
    bestF1: probability,
    confusion: z.object({ tp: nonNegative, fp: nonNegative, tn: nonNegative, fn: nonNegative }).strict(),
    curves: z
      .object({
        roc: z.object({ fpr: z.array(finite), tpr: z.array(finite) }).strict(),
        pr: z.object({ precision: z.array(finite), recall: z.array(finite) }).strict(),
      })
      .strict(),
    flags: z.object({ singleClass: z.boolean(), noPredictedPositives: z.boolean() }).strict(),
  })
  .strict();

// The schema and core's FoldMetrics interface describe the same object.
true satisfies z.infer<typeof foldMetricsSchema> extends FoldMetrics
  ? FoldMetrics extends z.infer<typeof foldMetricsSchema>
    ? true
    : false
  : false;

/**
 * A fold's metrics as its result carries them: without the ROC and PR points, which the report
 * draws from the fold's out-of-fold block (`oof`) instead. They were two thirds of a small fold's
 * result, carried by every result and event through NATS, the coordinator and the study log.
 * Logs written before this still have them, and are read as they are.
 */
export const foldResultMetricsSchema = foldMetricsSchema.extend({
  curves: foldMetricsSchema.shape.curves.optional(),
});

/** What a trained fold reports. */
export const foldResultSchema = z
  .object({
    metrics: foldResultMetricsSchema,
    epochs: nonNegative,
    bestEpoch: nonNegative,
    stoppedEarly: z.boolean(),
    /** Training throughput (samples/s). */
    samplesPerSecond: z.number().min(0),
    /** Milliseconds spent in each phase. */
    timings: z.object({ preprocessMs: finite, trainMs: finite, predictMs: finite, totalMs: finite }).strict(),
    backend: backendInfoSchema,
    nTrain: nonNegative,
    nValid: nonNegative,
    /** The validation labels and probabilities, for the pooled out-of-fold threshold and calibration. */
    oof: oofSchema.optional(),
  })
  .strict();
export type FoldResult = z.infer<typeof foldResultSchema>;

/** One file of a stored model: its name, SHA-256 and size (bytes). */
export const modelFileSchema = z
  .object({ name: z.string().min(1).max(256), sha256: sha256Schema, bytes: nonNegative })
  .strict();
export type ModelFileDigest = z.infer<typeof modelFileSchema>;

/** What a refit reports: where the executor stored the model, and its files. */
export const refitResultSchema = z
  .object({
    epochs: nonNegative,
    backend: backendInfoSchema,
    /**
     * Where the model's files are: a directory (embedded), or `<bucket>/<study>` in the
     * coordinator's object store (distributed).
     */
    location: z.string().min(1),
    /**
     * The files within `location` (model.json, weights.bin, preprocessing.json, metadata.json)
     * with their SHA-256, recorded in the study's log so that a file changed afterwards is noticed.
     */
    files: z.array(modelFileSchema).min(1),
    /** The refit model on the held-out test rows, when the study has them. */
    test: z.lazy(() => testReportSchema).optional(),
  })
  .strict();
export type RefitResult = z.infer<typeof refitResultSchema>;

/**
 * The refit model evaluated once on the held-out rows: every metric at the chosen threshold on
 * calibrated probabilities, and calibration measured before and after.
 */
export const testReportSchema = z
  .object({
    rows: nonNegative,
    threshold: probability,
    metrics: foldMetricsSchema,
    calibration: calibrationReportSchema,
  })
  .strict();
export type TestReport = z.infer<typeof testReportSchema>;
