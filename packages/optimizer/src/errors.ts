/** Errors raised by @hpo/optimizer, each carrying what a caller needs to act on it. */
import { HpoError } from '@hpo/core';

/** A search-space definition is invalid; `path` names the offending field, e.g. `space.lr.low`. */
export class SearchSpaceError extends HpoError {
  override name = 'SearchSpaceError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('search_space', `${path}: ${message}`, { details: { path } });
  }
}

/** A sampler was used out of order: unknown trial number, a second `tell`, a bad replay record. */
export class SamplerStateError extends HpoError {
  override name = 'SamplerStateError';
  constructor(
    message: string,
    readonly trialNumber?: number,
  ) {
    super('internal', message, trialNumber === undefined ? {} : { details: { trial: trialNumber } });
  }
}

/** The sampler has no new parameters to offer (the grid is used up). */
export class SamplerExhaustedError extends HpoError {
  override name = 'SamplerExhaustedError';
  constructor(message = 'the sampler has no new parameters to offer') {
    super('failed_precondition', message);
  }
}
