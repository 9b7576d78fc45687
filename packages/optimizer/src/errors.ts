/** Errors raised by @hpo/optimizer, each carrying what a caller needs to act on it. */

/** A search-space definition is invalid; `path` names the offending field, e.g. `space.lr.low`. */
export class SearchSpaceError extends Error {
  override readonly name = 'SearchSpaceError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** A sampler was used out of order: unknown trial number, a second `tell`, a bad replay record. */
export class SamplerStateError extends Error {
  override readonly name = 'SamplerStateError';
  constructor(
    message: string,
    readonly trialNumber?: number,
  ) {
    super(message);
  }
}

/** The sampler has no new parameters to offer (the grid is used up). */
export class SamplerExhaustedError extends Error {
  override readonly name = 'SamplerExhaustedError';
}
