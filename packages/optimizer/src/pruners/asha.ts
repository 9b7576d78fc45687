/**
 * Asynchronous successive halving (ASHA) over training epochs, fold-aware. Each fold of a trial
 * reports its validation objective at the rungs minEpochs·η^i; a trial's value at a rung is the
 * mean over its folds that reached it, and the trial trains on only while it is in the top 1/η
 * of the trials seen at that rung. Asynchronous: a decision never waits for a rung to fill.
 */
import { isReportEpoch } from '@hpo/core';
import type { PrunerOptions } from './pruner.js';

export interface AshaPrunerOptions extends PrunerOptions {
  /** η: the share 1/η of the trials at a rung that go on (default 3). */
  reductionFactor?: number;
  /** The first rung, in epochs (default 1). */
  minEpochs?: number;
}

/** The rungs (epochs) of a run of `maxEpochs` epochs: minEpochs·η^i below maxEpochs. */
export function ashaRungs(minEpochs: number, reductionFactor: number, maxEpochs: number): number[] {
  const out: number[] = [];
  for (let r = minEpochs; r < maxEpochs; r *= reductionFactor) out.push(r);
  return out;
}

export class AshaPruner {
  readonly reductionFactor: number;
  readonly minEpochs: number;
  private readonly sign: number;

  constructor(options: AshaPrunerOptions = {}) {
    this.sign = options.direction === 'maximize' ? -1 : 1;
    this.reductionFactor = options.reductionFactor ?? 3;
    this.minEpochs = options.minEpochs ?? 1;
    if (!(Number.isInteger(this.reductionFactor) && this.reductionFactor >= 2))
      throw new RangeError(`reductionFactor must be an integer >= 2, got ${this.reductionFactor}`);
    if (!(Number.isInteger(this.minEpochs) && this.minEpochs >= 1))
      throw new RangeError(`minEpochs must be an integer >= 1, got ${this.minEpochs}`);
  }

  /** Whether `epoch` is one of the rungs. */
  isRung(epoch: number): boolean {
    return isReportEpoch(epoch, { minEpochs: this.minEpochs, factor: this.reductionFactor });
  }

  /**
   * Whether a trial whose value at a rung is `value` stops there, given the values at that rung of
   * the other trials seen there. Fewer than η trials at the rung (itself included): it goes on.
   * Otherwise it goes on only if fewer than ⌊n/η⌋ (at least one) of the n trials are strictly better.
   */
  shouldPrune(value: number, others: readonly number[]): boolean {
    const n = others.length + 1;
    if (n < this.reductionFactor) return false;
    if (!Number.isFinite(value)) return true;
    const own = this.sign * value;
    let better = 0;
    for (const o of others) if (this.sign * o < own) better++;
    return better >= Math.max(1, Math.floor(n / this.reductionFactor));
  }
}
