import { objectiveDirection, type StudySpec } from '@hpo/core';
import {
  AshaPruner,
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

/**
 * The study's fold pruner (judged after whole folds), or undefined for none: `pruner.type`, or
 * with ASHA `pruner.folds`.
 */
export function makePruner(spec: StudySpec): Pruner | undefined {
  const direction = objectiveDirection(spec);
  const type = spec.pruner.type === 'asha' ? spec.pruner.folds : spec.pruner.type;
  switch (type) {
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

/** The study's ASHA pruner over epochs (`pruner.type: asha`), else undefined. */
export function makeAsha(spec: StudySpec): AshaPruner | undefined {
  if (spec.pruner.type !== 'asha') return undefined;
  return new AshaPruner({
    direction: objectiveDirection(spec),
    reductionFactor: spec.pruner.reductionFactor,
    minEpochs: spec.pruner.minEpochs,
  });
}
