import { status } from '@grpc/grpc-js';
import { DatasetError, MetricsError, SpecError } from '@hpo/core';
import { SearchSpaceError } from '@hpo/optimizer';
import { TrialError } from '@hpo/trainer';

/** An error with the gRPC status code a client can act on. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new ApiError(status.NOT_FOUND, what);
export const invalid = (what: string) => new ApiError(status.INVALID_ARGUMENT, what);

/** Maps any error to a status code and message; the one place handlers' errors are translated. */
export function toStatus(err: unknown): { code: status; details: string } {
  if (err instanceof ApiError) return { code: err.code, details: err.message };
  if (err instanceof SpecError)
    return { code: status.INVALID_ARGUMENT, details: `invalid study spec: ${err.message}` };
  if (err instanceof DatasetError)
    return { code: status.INVALID_ARGUMENT, details: `dataset error: ${err.message}` };
  if (err instanceof SearchSpaceError)
    return { code: status.INVALID_ARGUMENT, details: `invalid search space: ${err.message}` };
  if (err instanceof TrialError || err instanceof MetricsError)
    return { code: status.INVALID_ARGUMENT, details: err.message };
  return { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}
