import type { PreprocessOptions } from '@hpo/core';
import { TrialError } from './errors.js';

/** A parameter value as samplers produce it. */
export type ParamValue = number | string | boolean;

/** Everything that defines one training run; every field has a default (see DEFAULT_PARAMS). */
export interface TrainParams {
  family: 'mlp' | 'cnn';
  /** MLP hidden layers. */
  layers: number;
  /** Width of the first hidden layer (units). */
  units: number;
  /** Each later layer is `shrink` × the previous width (at least 4 units), unless `units_<i>` is given. */
  shrink: number;
  /** Per-layer widths, 1-based (`units_1`, `units_2`, ...), overriding units/shrink. */
  unitsPerLayer: (number | undefined)[];
  activation: 'relu' | 'elu' | 'selu' | 'tanh' | 'swish' | 'sigmoid';
  /** Dropout rate after each hidden layer (probability). */
  dropout: number;
  /** L2 penalty on kernel weights. */
  l2: number;
  batchNorm: boolean;
  /** CNN conv blocks (conv → optional pool → optional dropout); block i has filters · 2^i filters. */
  convBlocks: number;
  filters: number;
  kernelSize: number;
  pool: 'max' | 'avg' | 'none';
  /** Convolution padding: 'same' keeps the size, 'valid' (Keras' default) shrinks it by kernelSize − 1. */
  padding: 'same' | 'valid';
  convDropout: number;
  /** Width of the CNN's dense head (units; 0 = none). */
  denseUnits: number;
  optimizer: 'adam' | 'sgd' | 'rmsprop';
  learningRate: number;
  batchSize: number;
  /** Maximum epochs; early stopping usually ends sooner. */
  epochs: number;
  /** Epochs without improvement of the inner-validation loss before stopping. */
  patience: number;
  /** Share of the training fold held out (stratified) for early stopping; 0 disables it. */
  validationFraction: number;
  classWeight: 'none' | 'balanced';
  resample: 'none' | 'smote' | 'undersample';
  smoteK: number;
  imputer: PreprocessOptions['numericImputer'];
  knnK: number;
  categoricalImputer: PreprocessOptions['categoricalImputer'];
  scaler: PreprocessOptions['scaler'];
}

export const DEFAULT_PARAMS: Readonly<TrainParams> = {
  family: 'mlp',
  layers: 2,
  units: 64,
  shrink: 0.5,
  unitsPerLayer: [],
  activation: 'relu',
  dropout: 0,
  l2: 0,
  batchNorm: false,
  convBlocks: 2,
  filters: 32,
  kernelSize: 3,
  pool: 'max',
  padding: 'same',
  convDropout: 0,
  denseUnits: 128,
  optimizer: 'adam',
  learningRate: 1e-3,
  batchSize: 32,
  epochs: 50,
  patience: 5,
  validationFraction: 0.1,
  classWeight: 'none',
  resample: 'none',
  smoteK: 5,
  imputer: 'median',
  knnK: 5,
  categoricalImputer: 'constant',
  scaler: 'standard',
};

type Check = (v: ParamValue, key: string) => unknown;

const int =
  (lo: number, hi: number): Check =>
  (v, key) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      throw new TrialError(`must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`, key);
    }
    return v;
  };
const num =
  (lo: number, hi: number, openLow = false): Check =>
  (v, key) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v > hi || v < lo || (openLow && v === lo)) {
      throw new TrialError(
        `must be a number in ${openLow ? '(' : '['}${lo}, ${hi}], got ${JSON.stringify(v)}`,
        key,
      );
    }
    return v;
  };
const oneOf =
  (...choices: string[]): Check =>
  (v, key) => {
    if (typeof v !== 'string' || !choices.includes(v)) {
      throw new TrialError(`must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`, key);
    }
    return v;
  };
const bool: Check = (v, key) => {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new TrialError(`must be true or false, got ${JSON.stringify(v)}`, key);
};

const CHECKS: Record<Exclude<keyof TrainParams, 'unitsPerLayer'>, Check> = {
  family: oneOf('mlp', 'cnn'),
  layers: int(1, 16),
  units: int(1, 4096),
  shrink: num(0, 1, true),
  activation: oneOf('relu', 'elu', 'selu', 'tanh', 'swish', 'sigmoid'),
  dropout: num(0, 0.95),
  l2: num(0, 10),
  batchNorm: bool,
  convBlocks: int(1, 6),
  filters: int(1, 512),
  kernelSize: int(1, 11),
  pool: oneOf('max', 'avg', 'none'),
  padding: oneOf('same', 'valid'),
  convDropout: num(0, 0.95),
  denseUnits: int(0, 4096),
  optimizer: oneOf('adam', 'sgd', 'rmsprop'),
  learningRate: num(0, 10, true),
  batchSize: int(1, 65536),
  epochs: int(1, 10000),
  patience: int(1, 10000),
  validationFraction: num(0, 0.5),
  classWeight: oneOf('none', 'balanced'),
  resample: oneOf('none', 'smote', 'undersample'),
  smoteK: int(1, 100),
  imputer: oneOf('mean', 'median', 'most_frequent', 'knn'),
  knnK: int(1, 100),
  categoricalImputer: oneOf('constant', 'most_frequent'),
  scaler: oneOf('standard', 'minmax', 'none'),
};

/**
 * Fills defaults into a sampler's flat parameters and validates each; an unknown or invalid
 * parameter throws a TrialError naming it (so a typo in a search space fails the first trial
 * loudly instead of being ignored).
 */
export function resolveParams(flat: Record<string, ParamValue>): TrainParams {
  const out: TrainParams = { ...DEFAULT_PARAMS, unitsPerLayer: [] };
  for (const [key, value] of Object.entries(flat)) {
    const perLayer = /^units_(\d+)$/.exec(key);
    if (perLayer) {
      out.unitsPerLayer[Number(perLayer[1]) - 1] = int(1, 4096)(value, key) as number;
      continue;
    }
    const check = CHECKS[key as keyof typeof CHECKS];
    if (!check)
      throw new TrialError(
        `unknown parameter; known ones are ${Object.keys(CHECKS).join(', ')}, units_<i>`,
        key,
      );
    (out as unknown as Record<string, unknown>)[key] = check(value, key);
  }
  if (out.family === 'cnn' && out.kernelSize % 2 === 0)
    throw new TrialError('must be odd for same padding', 'kernelSize');
  return out;
}

/** Hidden layer widths of an MLP (units). */
export function mlpWidths(p: TrainParams): number[] {
  const widths: number[] = [];
  let w = p.units;
  for (let i = 0; i < p.layers; i++) {
    widths.push(p.unitsPerLayer[i] ?? Math.max(4, Math.round(w)));
    w *= p.shrink;
  }
  return widths;
}

/** The flat form of resolved params (what resolveParams accepts), e.g. for saving with a model. */
export function flattenParams(p: TrainParams): Record<string, ParamValue> {
  const { unitsPerLayer, ...rest } = p;
  const flat: Record<string, ParamValue> = { ...rest };
  unitsPerLayer.forEach((u, i) => {
    if (u !== undefined) flat[`units_${i + 1}`] = u;
  });
  return flat;
}

/** Whether `name` is a parameter resolveParams accepts (including `units_<i>`). */
export function isTrainParam(name: string): boolean {
  return /^units_\d+$/.test(name) || name in CHECKS;
}
