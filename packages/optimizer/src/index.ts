// The public API of @hpo/optimizer. Other packages import only from here.
export { SamplerExhaustedError, SamplerStateError, SearchSpaceError } from './errors.js';
export { AshaPruner, type AshaPrunerOptions, ashaRungs } from './pruners/asha.js';
export { MedianPruner, type MedianPrunerOptions } from './pruners/median.js';
export { PairedPruner, type PairedPrunerOptions } from './pruners/paired.js';
export type { Pruner, PrunerOptions } from './pruners/pruner.js';
export type { AcquisitionKind } from './samplers/gp/acquisition.js';
export { DEFAULT_LENGTHSCALE_PRIOR, type LengthscalePrior } from './samplers/gp/gp-model.js';
export { GpSampler, type GpSamplerOptions } from './samplers/gp/gp-sampler.js';
export { GridSampler, type GridSamplerOptions } from './samplers/grid.js';
export { RandomSampler } from './samplers/random.js';
export type {
  AskedTrial,
  Direction,
  Outcome,
  Sampler,
  SamplerOptions,
  TrialRecord,
} from './samplers/sampler.js';
export { TpeSampler, type TpeSamplerOptions } from './samplers/tpe.js';
export {
  CategoricalDistribution,
  type Distribution,
  FloatDistribution,
  IntDistribution,
  type ParamValue,
} from './space/distributions.js';
export { UnitEncoding } from './space/encoding.js';
export {
  type Condition,
  type ParamSpec,
  type Params,
  SearchSpace,
  type SpaceSpec,
} from './space/search-space.js';
export { studentTCdf } from './stats/student-t.js';
