/**
 * The ask/tell contract shared by every sampler. Samplers are pure: the study feeds them trial
 * outcomes and they return parameters; they never touch storage. Every random choice for trial
 * `n` draws from a stream derived from (seed, n), so a fresh sampler that replays the recorded
 * trials continues exactly where the original left off.
 */
import { SamplerStateError } from '../errors.js';
import type { Params, SearchSpace, SpaceSpec } from '../space/search-space.js';
import { SearchSpace as Space } from '../space/search-space.js';

/** How a trial ended. `pruned` may carry the running value at the time it was stopped. */
export type Outcome =
  | { state: 'complete'; value: number }
  | { state: 'failed' }
  | { state: 'pruned'; value?: number };

export type Direction = 'minimize' | 'maximize';

/** A trial as the sampler knows it; no `outcome` means it is still pending. */
export interface TrialRecord {
  number: number;
  params: Params;
  outcome?: Outcome;
}

export interface AskedTrial {
  number: number;
  params: Params;
}

export interface Sampler {
  /** Suggests parameters for a new trial, which stays pending until `tell`. */
  ask(): AskedTrial;
  /** Records how trial `number` ended. */
  tell(number: number, outcome: Outcome): void;
  /** Rebuilds state from recorded trials (in any order); records without an outcome are pending. */
  replay(records: Iterable<TrialRecord>): void;
  /** Every trial known to the sampler, ordered by number. */
  trials(): TrialRecord[];
}

export interface SamplerOptions {
  /** Seed of every random choice; same seed and history give the same suggestions. */
  seed?: number | string;
  /** Whether lower (default) or higher objective values are better. */
  direction?: Direction;
  /**
   * Objective value assigned to failed trials, in the objective's own units. Unset (default):
   * failed trials are treated as missing and never shape the model.
   */
  failedValue?: number;
}

/** A trial reduced to what a model needs: its parameters and a loss (lower is better). */
export interface Observation {
  number: number;
  params: Params;
  loss: number;
  /** True when the loss is imputed (pruned or failed), not measured. */
  imputed: boolean;
}

/** Bookkeeping shared by all samplers: trial numbers, pending set, outcomes, replay. */
export abstract class BaseSampler implements Sampler {
  readonly space: SearchSpace;
  protected readonly seed: number | string;
  protected readonly direction: Direction;
  protected readonly failedValue: number | undefined;
  private readonly records = new Map<number, TrialRecord>();
  private nextNumber = 0;

  constructor(space: SearchSpace | SpaceSpec, options: SamplerOptions = {}) {
    this.space = space instanceof Space ? space : new Space(space);
    this.seed = options.seed ?? 0;
    this.direction = options.direction ?? 'minimize';
    this.failedValue = options.failedValue;
  }

  /** Parameters for trial `number`; the trial is not yet registered while this runs. */
  protected abstract suggest(number: number): Params;

  ask(): AskedTrial {
    const number = this.nextNumber;
    const params = this.suggest(number);
    this.records.set(number, { number, params });
    this.nextNumber = number + 1;
    return { number, params: { ...params } };
  }

  tell(number: number, outcome: Outcome): void {
    const rec = this.records.get(number);
    if (!rec) throw new SamplerStateError(`trial ${number} was never asked`, number);
    if (rec.outcome) throw new SamplerStateError(`trial ${number} was already told`, number);
    if (outcome.state === 'complete' && !Number.isFinite(outcome.value)) {
      throw new SamplerStateError(
        `trial ${number}: complete value must be finite, got ${outcome.value}`,
        number,
      );
    }
    rec.outcome = outcome;
  }

  replay(records: Iterable<TrialRecord>): void {
    for (const r of records) {
      if (!Number.isInteger(r.number) || r.number < 0) {
        throw new SamplerStateError(`replay: bad trial number ${r.number}`, r.number);
      }
      if (this.records.has(r.number))
        throw new SamplerStateError(`replay: trial ${r.number} is already known`, r.number);
      this.space.validate(r.params, `trial[${r.number}].params`);
      this.records.set(r.number, {
        number: r.number,
        params: { ...r.params },
        ...(r.outcome ? { outcome: r.outcome } : {}),
      });
      this.nextNumber = Math.max(this.nextNumber, r.number + 1);
    }
  }

  trials(): TrialRecord[] {
    return [...this.records.values()].sort((a, b) => a.number - b.number);
  }

  /** Trials asked but not yet told. */
  protected pending(): TrialRecord[] {
    return this.trials().filter((r) => !r.outcome);
  }

  /**
   * Told trials as losses (lower is better). Pruned trials count as observed-but-bad: their loss
   * is the worse of their own running value and the worst completed loss. Failed trials are left
   * out unless `failedValue` is set.
   */
  protected observations(): Observation[] {
    const sign = this.direction === 'maximize' ? -1 : 1;
    const told = this.trials().filter((r) => r.outcome);
    let worst = Number.NEGATIVE_INFINITY;
    for (const r of told)
      if (r.outcome!.state === 'complete')
        worst = Math.max(worst, sign * (r.outcome as { value: number }).value);
    const out: Observation[] = [];
    for (const r of told) {
      const o = r.outcome!;
      if (o.state === 'complete')
        out.push({ number: r.number, params: r.params, loss: sign * o.value, imputed: false });
      else if (o.state === 'pruned') {
        const own =
          o.value !== undefined && Number.isFinite(o.value) ? sign * o.value : Number.NEGATIVE_INFINITY;
        const loss = Math.max(own, worst);
        if (Number.isFinite(loss)) out.push({ number: r.number, params: r.params, loss, imputed: true });
      } else if (this.failedValue !== undefined) {
        out.push({ number: r.number, params: r.params, loss: sign * this.failedValue, imputed: true });
      }
    }
    return out;
  }
}
