/**
 * One-dimensional parameter distributions. Each validates itself on construction and maps
 * values to and from the unit interval (log-scaled where declared; discrete values own equal
 * slices of the interval, so rounding a unit coordinate gives a uniform choice).
 */
import { SearchSpaceError } from '../errors.js';

/** A parameter value as the orchestrator sees it. */
export type ParamValue = number | string | boolean;

/** Float in [low, high]; optionally log-scaled or on a grid of `step`. */
export class FloatDistribution {
  readonly kind = 'float';
  private readonly lo: number;
  private readonly hi: number;

  constructor(
    readonly low: number,
    readonly high: number,
    readonly log = false,
    readonly step?: number,
    path = 'param',
  ) {
    checkFinite(low, `${path}.low`);
    checkFinite(high, `${path}.high`);
    if (low >= high) throw new SearchSpaceError(`${path}.low`, `low (${low}) must be < high (${high})`);
    if (log && low <= 0) throw new SearchSpaceError(`${path}.low`, `log scale needs low > 0, got ${low}`);
    if (step !== undefined) {
      checkStep(low, high, step, path);
      if (log) throw new SearchSpaceError(`${path}.step`, 'step cannot be combined with log scale');
    }
    const half = step === undefined ? 0 : step / 2;
    this.lo = log ? Math.log(low) : low - half;
    this.hi = log ? Math.log(high) : high + half;
  }

  /** True when the values form a finite grid. */
  get discrete(): boolean {
    return this.step !== undefined;
  }

  toUnit(v: number): number {
    const x = this.log ? Math.log(v) : v;
    return clamp01((x - this.lo) / (this.hi - this.lo));
  }

  fromUnit(u: number): number {
    const x = this.lo + clamp01(u) * (this.hi - this.lo);
    let v = this.log ? Math.exp(x) : x;
    if (this.step !== undefined) v = this.low + Math.round((v - this.low) / this.step) * this.step;
    return Math.min(this.high, Math.max(this.low, v));
  }

  contains(v: ParamValue): boolean {
    if (typeof v !== 'number' || !(v >= this.low && v <= this.high)) return false;
    return this.step === undefined || onGrid(v, this.low, this.step);
  }

  /** All grid values (step floats only) or `n` evenly spaced values in the (log) range. */
  values(n: number): number[] {
    if (this.step !== undefined) return gridValues(this.low, this.high, this.step);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = n === 1 ? 0.5 : i / (n - 1);
      const t = this.log ? Math.log(this.low) : this.low;
      const s = this.log ? Math.log(this.high) : this.high;
      const v = this.log ? Math.exp(t + x * (s - t)) : t + x * (s - t);
      out.push(Math.min(this.high, Math.max(this.low, v)));
    }
    return out;
  }
}

/** Integer in [low, high] with `step` (default 1); optionally log-scaled (step 1 only). */
export class IntDistribution {
  readonly kind = 'int';
  readonly discrete = true;
  private readonly lo: number;
  private readonly hi: number;

  constructor(
    readonly low: number,
    readonly high: number,
    readonly log = false,
    readonly step = 1,
    path = 'param',
  ) {
    if (!Number.isInteger(low)) throw new SearchSpaceError(`${path}.low`, `must be an integer, got ${low}`);
    if (!Number.isInteger(high))
      throw new SearchSpaceError(`${path}.high`, `must be an integer, got ${high}`);
    if (low >= high) throw new SearchSpaceError(`${path}.low`, `low (${low}) must be < high (${high})`);
    if (log && low <= 0) throw new SearchSpaceError(`${path}.low`, `log scale needs low > 0, got ${low}`);
    if (!Number.isInteger(step))
      throw new SearchSpaceError(`${path}.step`, `must be an integer, got ${step}`);
    checkStep(low, high, step, path);
    if (log && step !== 1) throw new SearchSpaceError(`${path}.step`, 'log scale needs step 1');
    this.lo = log ? Math.log(low - 0.5) : low - step / 2;
    this.hi = log ? Math.log(high + 0.5) : high + step / 2;
  }

  toUnit(v: number): number {
    const x = this.log ? Math.log(v) : v;
    return clamp01((x - this.lo) / (this.hi - this.lo));
  }

  fromUnit(u: number): number {
    const x = this.lo + clamp01(u) * (this.hi - this.lo);
    const v = this.log ? Math.exp(x) : x;
    const r = this.low + Math.round((v - this.low) / this.step) * this.step;
    return Math.min(this.high, Math.max(this.low, r));
  }

  contains(v: ParamValue): boolean {
    return (
      typeof v === 'number' &&
      Number.isInteger(v) &&
      v >= this.low &&
      v <= this.high &&
      onGrid(v, this.low, this.step)
    );
  }

  /** Every admissible value, in order. */
  values(): number[] {
    return gridValues(this.low, this.high, this.step);
  }
}

/** One of a fixed list of strings, numbers or booleans. */
export class CategoricalDistribution {
  readonly kind = 'categorical';
  readonly discrete = true;

  constructor(
    readonly choices: readonly ParamValue[],
    path = 'param',
  ) {
    if (!Array.isArray(choices) || choices.length === 0) {
      throw new SearchSpaceError(`${path}.choices`, 'needs at least one choice');
    }
    const seen = new Set<string>();
    choices.forEach((c, i) => {
      const t = typeof c;
      if (t !== 'string' && t !== 'number' && t !== 'boolean') {
        throw new SearchSpaceError(`${path}.choices[${i}]`, `must be a string, number or boolean`);
      }
      const key = `${t}:${String(c)}`;
      if (seen.has(key))
        throw new SearchSpaceError(`${path}.choices[${i}]`, `duplicate choice ${JSON.stringify(c)}`);
      seen.add(key);
    });
  }

  indexOf(v: ParamValue): number {
    return this.choices.indexOf(v);
  }

  contains(v: ParamValue): boolean {
    return this.indexOf(v) >= 0;
  }

  toUnit(v: ParamValue): number {
    return (this.indexOf(v) + 0.5) / this.choices.length;
  }

  fromUnit(u: number): ParamValue {
    const i = Math.min(this.choices.length - 1, Math.floor(clamp01(u) * this.choices.length));
    return this.choices[i]!;
  }

  values(): ParamValue[] {
    return [...this.choices];
  }
}

export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

function checkFinite(v: number, path: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new SearchSpaceError(path, `must be a finite number, got ${v}`);
}

function checkStep(low: number, high: number, step: number, path: string): void {
  if (!(typeof step === 'number' && Number.isFinite(step) && step > 0)) {
    throw new SearchSpaceError(`${path}.step`, `must be > 0, got ${step}`);
  }
  if (!onGrid(high, low, step)) {
    throw new SearchSpaceError(`${path}.step`, `step ${step} does not divide the range [${low}, ${high}]`);
  }
}

function onGrid(v: number, low: number, step: number): boolean {
  const k = (v - low) / step;
  return Math.abs(k - Math.round(k)) < 1e-8 * Math.max(1, Math.abs(k));
}

function gridValues(low: number, high: number, step: number): number[] {
  const n = Math.round((high - low) / step);
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(Math.min(high, low + i * step));
  return out;
}

export function clamp01(u: number): number {
  return Math.min(1, Math.max(0, u));
}
