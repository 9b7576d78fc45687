import { objectiveDirection, type StudySpec } from '@hpo/core';
import {
  GpSampler,
  GridSampler,
  MedianPruner,
  PairedPruner,
  type Pruner,
  RandomSampler,
  type Sampler,
  TpeSampler,
} from '@hpo/optimizer';

/**
 * The study's sampler, or undefined when nothing is searched (every parameter fixed). Throws a
 * SearchSpaceError (path relative to the space) for a space it cannot sample; admission turns
 * that into a SpecError before any study starts.
 */
export function makeSampler(spec: StudySpec): Sampler | undefined {
  const space = spec.search.space;
  if (Object.keys(space).length === 0) return undefined;
  const options = { seed: spec.sampler.seed ?? spec.seed, direction: objectiveDirection(spec) };
  const startup =
    spec.sampler.startupTrials !== undefined ? { nStartupTrials: spec.sampler.startupTrials } : {};
  switch (spec.sampler.type) {
    case 'tpe':
      return new TpeSampler(space, { ...options, ...startup });
    case 'gp':
      return new GpSampler(space, { ...options, ...startup });
    case 'random':
      return new RandomSampler(space, options);
    case 'grid':
      return new GridSampler(space, {
        ...options,
        ...(spec.sampler.gridResolution ? { resolution: spec.sampler.gridResolution } : {}),
      });
  }
}

/** The study's fold pruner, or undefined for `none`. */
export function makePruner(spec: StudySpec): Pruner | undefined {
  const direction = objectiveDirection(spec);
  switch (spec.pruner.type) {
    case 'none':
      return undefined;
    case 'median':
      return new MedianPruner({
        direction,
        nWarmupTrials: spec.pruner.warmupTrials,
        nWarmupFolds: spec.pruner.minFolds,
      });
    case 'paired':
      return new PairedPruner({
        direction,
        alpha: spec.pruner.alpha,
        minFolds: Math.max(2, spec.pruner.minFolds),
      });
  }
}
