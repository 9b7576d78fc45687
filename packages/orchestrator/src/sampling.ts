import { objectiveDirection, SpecError, type StudySpec } from '@hpo/core';
import {
  GpSampler,
  GridSampler,
  MedianPruner,
  PairedPruner,
  type Pruner,
  RandomSampler,
  type Sampler,
  SearchSpaceError,
  TpeSampler,
} from '@hpo/optimizer';
import { isTrainParam } from '@hpo/trainer';

/** The study's sampler, or undefined when nothing is searched (every parameter fixed). */
export function makeSampler(spec: StudySpec): Sampler | undefined {
  const space = spec.search.space;
  if (Object.keys(space).length === 0) return undefined;
  const options = { seed: spec.sampler.seed ?? spec.seed, direction: objectiveDirection(spec) };
  const startup =
    spec.sampler.startupTrials !== undefined ? { nStartupTrials: spec.sampler.startupTrials } : {};
  try {
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
  } catch (err) {
    if (err instanceof SearchSpaceError) {
      // The error's path is relative to the space (`space.lr.low`); the spec nests it in `search`.
      throw new SpecError([{ path: `search.${err.path}`, message: err.message.slice(err.path.length + 2) }]);
    }
    throw err;
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

/** Rejects searched or fixed parameters the trainer does not know, naming the field. */
export function checkParamNames(spec: StudySpec): void {
  const issues: { path: string; message: string }[] = [];
  for (const [where, names] of [
    ['search.space', Object.keys(spec.search.space)],
    ['search.fixed', Object.keys(spec.search.fixed)],
  ] as const) {
    for (const name of names) {
      if (!isTrainParam(name))
        issues.push({ path: `${where}.${name}`, message: 'is not a training parameter (see `hpo params`)' });
    }
  }
  if (issues.length) throw new SpecError(issues);
}
