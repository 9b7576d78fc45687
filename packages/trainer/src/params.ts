/**
 * The training parameters: names, domains and defaults. Pure (no TensorFlow.js), so admission
 * can check a study's parameters in any process (`@hpo/trainer/params`).
 */
import type { ParamValue, PreprocessOptions } from '@hpo/core';
import { TrialError } from './errors.js';

export type { ParamValue };

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

/** Checks one value and returns it normalised; throws a TrialError naming `key`. */
type ParamType = 'int' | 'float' | 'categorical' | 'bool';
type Check = ((v: ParamValue, key: string) => unknown) & { domain: string; type: ParamType };

const check = (type: ParamType, domain: string, fn: (v: ParamValue, key: string) => unknown): Check =>
  Object.assign(fn, { domain, type });

const int = (lo: number, hi: number): Check =>
  check('int', `integer in [${lo}, ${hi}]`, (v, key) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
      throw new TrialError(`must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`, key);
    }
    return v;
  });
const num = (lo: number, hi: number, openLow = false): Check => {
  const range = `${openLow ? '(' : '['}${lo}, ${hi}]`;
  return check('float', `number in ${range}`, (v, key) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v > hi || v < lo || (openLow && v === lo)) {
      throw new TrialError(`must be a number in ${range}, got ${JSON.stringify(v)}`, key);
    }
    return v;
  });
};
const oneOf = (...choices: string[]): Check =>
  check('categorical', choices.join(' | '), (v, key) => {
    if (typeof v !== 'string' || !choices.includes(v)) {
      throw new TrialError(`must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`, key);
    }
    return v;
  });
const bool: Check = check('bool', 'true | false', (v, key) => {
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new TrialError(`must be true or false, got ${JSON.stringify(v)}`, key);
});

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
const UNITS_PER_LAYER = int(1, 4096);

/** The checker of a parameter name (`units_<i>` included), or undefined for an unknown name. */
function checkerOf(name: string): Check | undefined {
  if (/^units_[1-9]\d*$/.test(name)) return UNITS_PER_LAYER;
  return Object.hasOwn(CHECKS, name) ? CHECKS[name as keyof typeof CHECKS] : undefined;
}

/**
 * Checks one parameter's value against its domain; throws a TrialError naming it (unknown
 * name, or a value out of its domain).
 */
export function checkParam(name: string, value: ParamValue): void {
  const c = checkerOf(name);
  if (!c) throw new TrialError(unknownParam(name), name);
  c(value, name);
}

/** Why `name` is not a parameter: "unknown parameter; did you mean 'x'?" (or the known names). */
export function unknownParam(name: string): string {
  return `unknown parameter${suggestion(name)}`;
}

/** Which models a parameter shapes: one family, both, or only tables (their preprocessing). */
type AppliesTo = 'mlp' | 'cnn' | 'mlp, cnn' | 'tables';
const MLP_ONLY = new Set(['layers', 'units', 'shrink']);
const CNN_ONLY = new Set([
  'convBlocks',
  'filters',
  'kernelSize',
  'pool',
  'padding',
  'convDropout',
  'denseUnits',
]);
const TABLES_ONLY = new Set(['imputer', 'knnK', 'categoricalImputer', 'scaler']);

function appliesTo(name: string): AppliesTo {
  if (MLP_ONLY.has(name)) return 'mlp';
  if (CNN_ONLY.has(name)) return 'cnn';
  if (TABLES_ONLY.has(name)) return 'tables';
  return 'mlp, cnn';
}

/** One training parameter as `hpo params` lists it. */
export interface ParamDescription {
  name: string;
  type: ParamType;
  /** Its values: a range (with the hard limits admission enforces) or the choices. */
  domain: string;
  default: string;
  /** The model families it shapes; 'tables' for preprocessing of tabular data. */
  appliesTo: AppliesTo;
}

/** Every training parameter with its type, domain, default and families, for `hpo params`. */
export function describeParams(): ParamDescription[] {
  const defaults = DEFAULT_PARAMS as unknown as Record<string, unknown>;
  return [
    ...Object.entries(CHECKS).map(([name, c]) => ({
      name,
      type: c.type,
      domain: c.domain,
      default: JSON.stringify(defaults[name]),
      appliesTo: appliesTo(name),
    })),
    {
      name: 'units_<i>',
      type: 'int' as const,
      domain: `${UNITS_PER_LAYER.domain} (width of hidden layer i, from 1)`,
      default: '—',
      appliesTo: 'mlp' as const,
    },
  ];
}

/** "; did you mean 'x'?" for a misspelt parameter name, or the list of names. */
function suggestion(name: string): string {
  const names = Object.keys(CHECKS);
  const scored = names
    .map((n) => ({ n, d: editDistance(n.toLowerCase(), name.toLowerCase()) }))
    .sort((a, b) => a.d - b.d);
  const best = scored[0];
  if (best && best.d <= Math.max(2, Math.floor(name.length / 3))) return `; did you mean '${best.n}'?`;
  return `; known ones are ${names.join(', ')}, units_<i>`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Fills defaults into a sampler's flat parameters and validates each; an unknown or invalid
 * parameter throws a TrialError naming it (so a typo in a search space fails the first trial
 * loudly instead of being ignored).
 */
export function resolveParams(flat: Record<string, ParamValue>): TrainParams {
  const out: TrainParams = { ...DEFAULT_PARAMS, unitsPerLayer: [] };
  for (const [key, value] of Object.entries(flat)) {
    const perLayer = /^units_([1-9]\d*)$/.exec(key);
    if (perLayer) {
      out.unitsPerLayer[Number(perLayer[1]) - 1] = UNITS_PER_LAYER(value, key) as number;
      continue;
    }
    const c = checkerOf(key);
    if (!c) throw new TrialError(unknownParam(key), key);
    (out as unknown as Record<string, unknown>)[key] = c(value, key);
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
  return checkerOf(name) !== undefined;
}
