/**
 * Exhaustive grid: every combination of categorical and int values (and `resolution` evenly
 * spaced values per continuous float), visiting only parameters that are active. Points are
 * visited in a seeded random order, skipping any already asked, pending or replayed.
 */
import { Rng } from '@hpo/core';
import { SamplerExhaustedError } from '../errors.js';
import type { ParamValue } from '../space/distributions.js';
import type { Params, SearchSpace, SpaceSpec } from '../space/search-space.js';
import { BaseSampler, type SamplerOptions } from './sampler.js';

export interface GridSamplerOptions extends SamplerOptions {
  /** Values per continuous float parameter (default 5). */
  resolution?: number;
  /** Refuse grids larger than this many points (default 1e6). */
  maxPoints?: number;
}

export class GridSampler extends BaseSampler {
  private readonly grid: Params[];

  constructor(space: SearchSpace | SpaceSpec, options: GridSamplerOptions = {}) {
    super(space, options);
    const resolution = options.resolution ?? 5;
    if (!(Number.isInteger(resolution) && resolution >= 1))
      throw new RangeError(`resolution must be a positive integer`);
    this.grid = enumerate(this.space, resolution, options.maxPoints ?? 1e6);
    Rng.derive(this.seed, 'grid').shuffle(this.grid);
  }

  /** Total number of grid points. */
  get size(): number {
    return this.grid.length;
  }

  /** Grid points not yet asked. */
  remaining(): number {
    const used = this.usedKeys();
    return this.grid.filter((p) => !used.has(key(p))).length;
  }

  isExhausted(): boolean {
    return this.remaining() === 0;
  }

  protected suggest(): Params {
    const used = this.usedKeys();
    const next = this.grid.find((p) => !used.has(key(p)));
    if (!next) throw new SamplerExhaustedError(`grid exhausted: all ${this.grid.length} points were asked`);
    return { ...next };
  }

  private usedKeys(): Set<string> {
    return new Set(this.trials().map((t) => key(t.params)));
  }
}

function enumerate(space: SearchSpace, resolution: number, maxPoints: number): Params[] {
  const out: Params[] = [];
  const walk = (i: number, acc: Params): void => {
    if (i === space.params.length) {
      if (out.length >= maxPoints) throw new RangeError(`grid has more than ${maxPoints} points`);
      out.push({ ...acc });
      return;
    }
    const p = space.params[i]!;
    if (!space.isActive(p.name, acc)) {
      walk(i + 1, acc);
      return;
    }
    const d = p.dist;
    const values: ParamValue[] = d.kind === 'float' ? d.values(resolution) : d.values();
    for (const v of values) {
      acc[p.name] = v;
      walk(i + 1, acc);
    }
    delete acc[p.name];
  };
  walk(0, {});
  return out;
}

function key(p: Params): string {
  return JSON.stringify(
    Object.keys(p)
      .sort()
      .map((k) => [k, p[k]]),
  );
}
