/** Independent uniform sampling (in log space where declared): the baseline every sampler must beat. */
import { Rng } from '@hpo/core';
import type { Params } from '../space/search-space.js';
import { BaseSampler } from './sampler.js';

export class RandomSampler extends BaseSampler {
  protected suggest(number: number): Params {
    const rng = Rng.derive(this.seed, 'random', number);
    return this.space.fromUnit(this.space.params.map(() => rng.next()));
  }
}
