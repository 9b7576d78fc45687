import { z } from 'zod';
import { paramValueSchema } from '../contracts/params.js';
import { DEFAULT_MISSING } from '../dataset/csv.js';
import { CSV_ENCODINGS } from '../dataset/dialect.js';

/** Names of the metrics a study can optimise; all are computed for every fold. */
export const METRIC_NAMES = [
  'rocAuc',
  'prAuc',
  'f1',
  'precision',
  'recall',
  'accuracy',
  'balancedAccuracy',
  'logLoss',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

const paramValue = paramValueSchema;
const condition = z.object({ parent: z.string(), in: z.array(paramValue).min(1) }).strict();
const floatParam = z
  .object({
    type: z.literal('float'),
    low: z.number(),
    high: z.number(),
    log: z.boolean().optional(),
    step: z.number().positive().optional(),
    when: condition.optional(),
  })
  .strict();
const intParam = z
  .object({
    type: z.literal('int'),
    low: z.number().int(),
    high: z.number().int(),
    log: z.boolean().optional(),
    step: z.number().int().positive().optional(),
    when: condition.optional(),
  })
  .strict();
const categoricalParam = z
  .object({ type: z.literal('categorical'), choices: z.array(paramValue).min(1), when: condition.optional() })
  .strict();

/** One searched parameter: float / int ranges or categorical choices, optionally conditional. */
export const paramSpecSchema = z.discriminatedUnion('type', [floatParam, intParam, categoricalParam]);

/** The study spec: what `hpo tune` and `CreateStudy` accept (YAML or JSON). */
export const studySpecSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash or underscore, at most 64')
      .describe('Study name; also the default output folder name.'),
    description: z.string().optional(),
    dataset: z
      .object({
        path: z
          .string()
          .min(1)
          .describe(
            'CSV file, image folder (one subfolder per class) or pixel CSV; relative to the spec file.',
          ),
        kind: z.enum(['tabular', 'images', 'pixels']).default('tabular'),
        label: z.string().min(1).optional().describe('Label column (tabular, pixels).'),
        test: z
          .string()
          .min(1)
          .optional()
          .describe(
            'A separate file of held-out test rows, read with the same options; never used in tuning, the refit model is evaluated on it once. Relative to the spec file.',
          ),
        positive: z
          .union([z.string(), z.number(), z.boolean()])
          .transform(String)
          .optional()
          .describe('Label value of the positive class.'),
        columns: z.record(z.string(), z.enum(['numeric', 'categorical', 'ignore'])).optional(),
        missing: z
          .array(z.string())
          .optional()
          .describe(
            `Cell values read as missing (default: ${DEFAULT_MISSING.map((m) => `'${m}'`).join(', ')}).`,
          ),
        delimiter: z
          .enum([',', ';', '\t', 'tab', '|'])
          .optional()
          .describe('CSV field delimiter; detected among , ; tab | when omitted.'),
        encoding: z
          .enum(CSV_ENCODINGS)
          .optional()
          .describe('CSV text encoding; a byte-order mark decides when omitted, else UTF-8.'),
        decimal: z
          .enum(['.', ','])
          .optional()
          .describe("Decimal separator of numbers in the CSV (default '.')."),
        resize: z
          .tuple([z.number().int().positive().max(2048), z.number().int().positive().max(2048)])
          .optional(),
        channels: z.union([z.literal(1), z.literal(3)]).optional(),
        shape: z
          .tuple([
            z.number().int().positive().max(4096),
            z.number().int().positive().max(4096),
            z.number().int().positive().max(4),
          ])
          .optional(),
      })
      .strict(),
    model: z
      .enum(['mlp', 'cnn'])
      .optional()
      .describe("Model family; omit and search 'family' to choose between them."),
    objective: z
      .object({
        metric: z.enum(METRIC_NAMES).default('rocAuc'),
        direction: z.enum(['maximize', 'minimize']).optional(),
      })
      .strict()
      .default({ metric: 'rocAuc' }),
    cv: z
      .object({
        k: z.number().int().min(2).max(50).default(5),
        repeats: z.number().int().min(1).max(20).default(1),
        seed: z.number().int().default(42),
        holdout: z
          .number()
          .gt(0)
          .max(0.5)
          .optional()
          .describe(
            'Share of rows held out as a test set (stratified, seeded by cv.seed) before tuning: never used by any fold, the refit model is evaluated on it once.',
          ),
      })
      .strict()
      .default({ k: 5, repeats: 1, seed: 42 }),
    search: z
      .object({
        space: z.record(z.string(), paramSpecSchema).default({}),
        fixed: z.record(z.string(), paramValue).default({}),
      })
      .strict(),
    sampler: z
      .object({
        type: z.enum(['gp', 'tpe', 'random', 'grid']).default('tpe'),
        seed: z.number().int().optional(),
        startupTrials: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe(
            'Trials drawn before the model is used: a Latin-hypercube design for gp (default 8), random for tpe (default 10).',
          ),
        gridResolution: z.number().int().min(2).optional(),
      })
      .strict()
      .default({ type: 'tpe' }),
    pruner: z
      .object({
        type: z
          .enum(['none', 'median', 'paired', 'asha'])
          .default('none')
          .describe(
            'median / paired: stop a trial after whole folds that fall behind earlier trials. asha: successive halving over epochs; the leading rungFolds folds report their validation objective at epochs minEpochs·η^i, and a trial stops at a rung unless it is in the top 1/η of the trials seen there (compared on the same folds).',
          ),
        warmupTrials: z.number().int().min(0).default(3),
        minFolds: z.number().int().min(1).default(1),
        alpha: z.number().gt(0).lt(0.5).default(0.05),
        reductionFactor: z
          .number()
          .int()
          .min(2)
          .max(10)
          .default(3)
          .describe('asha: η, the share 1/η of the trials at a rung that train on to the next one.'),
        minEpochs: z
          .number()
          .int()
          .min(1)
          .default(1)
          .describe('asha: the first rung, in epochs; later rungs are minEpochs·η, minEpochs·η², …'),
        rungFolds: z
          .number()
          .int()
          .min(1)
          .default(2)
          .describe(
            "asha: the leading folds that report at the rungs (at most cv.k · cv.repeats). A trial's value at a rung is their mean, judged once all of them reached it, against other trials' on the same folds; fewer decide sooner, more on less noise.",
          ),
        folds: z
          .enum(['none', 'median', 'paired'])
          .default('none')
          .describe(
            'asha: a fold pruner applied too, after each whole fold (with warmupTrials, minFolds, alpha). ASHA judges during training, the fold pruner after each fold; whichever stops the trial first does.',
          ),
      })
      .strict()
      .default({
        type: 'none',
        warmupTrials: 3,
        minFolds: 1,
        alpha: 0.05,
        reductionFactor: 3,
        minEpochs: 1,
        rungFolds: 2,
        folds: 'none',
      }),
    budget: z
      .object({
        trials: z.number().int().min(1).max(100000),
        parallelism: z.number().int().min(1).max(256).default(1),
        timeLimitSeconds: z
          .number()
          .positive()
          .optional()
          .describe(
            'Wall-clock limit: at the limit no new trial or fold starts, folds still queued or training are stopped, and open trials are left unfinished (hpo tune --resume continues them).',
          ),
        maxFailedTrials: z
          .number()
          .int()
          .min(0)
          .default(5)
          .describe('The study stops, like at the time limit, once more trials than this have failed.'),
        reproducible: z
          .boolean()
          .default(true)
          .describe(
            'With parallelism > 1: trial k is sampled knowing exactly trials 0..k-parallelism-1 (waiting for a slow one if needed), so the same spec and seed give the same trials however the folds are scheduled. false: sample from whatever has finished (no waiting, not reproducible).',
          ),
        weight: z
          .number()
          .min(0.01)
          .max(100)
          .default(1)
          .describe(
            "On a shared coordinator: this study's share of the workers relative to the others while several wait for slots (2 = twice a weight-1 study's). hpo submit --weight sets it.",
          ),
      })
      .strict(),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Decision threshold (probability) for F1, precision, recall.'),
    decision: z
      .discriminatedUnion('rule', [
        z.object({ rule: z.literal('bestF1') }).strict(),
        z.object({ rule: z.literal('recall'), target: z.number().gt(0).max(1) }).strict(),
        z.object({ rule: z.literal('precision'), target: z.number().gt(0).max(1) }).strict(),
        z
          .object({
            rule: z.literal('cost'),
            falsePositiveCost: z.number().positive(),
            falseNegativeCost: z.number().positive(),
          })
          .strict(),
      ])
      .default({ rule: 'bestF1' })
      .describe(
        "How the model's decision threshold is chosen on the best trial's pooled out-of-fold predictions (used by hpo predict --threshold auto).",
      ),
    calibration: z
      .enum(['none', 'platt', 'isotonic'])
      .default('none')
      .describe(
        "Probability calibration fitted on the best trial's pooled out-of-fold predictions and applied at predict.",
      ),
    seed: z
      .number()
      .int()
      .default(0)
      .describe('Seeds weight initialisation, shuffling and resampling per fold.'),
    output: z
      .string()
      .optional()
      .describe('Study directory; relative to the spec file. Default runs/<name>.'),
  })
  .strict();

/** A study spec as written by the user (defaults not yet filled). */
export type StudySpecInput = z.input<typeof studySpecSchema>;
/** A validated study spec with every default filled. */
export type StudySpec = z.output<typeof studySpecSchema>;
export type ParamSpecInput = z.infer<typeof paramSpecSchema>;

/** The objective's direction: explicit, or from the metric (log loss is minimised, the rest maximised). */
export function objectiveDirection(spec: Pick<StudySpec, 'objective'>): 'maximize' | 'minimize' {
  return spec.objective.direction ?? (spec.objective.metric === 'logLoss' ? 'minimize' : 'maximize');
}
