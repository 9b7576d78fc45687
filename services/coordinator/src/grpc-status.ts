/**
 * The one place where hpo's errors become gRPC status codes. Domain code throws HpoErrors with a
 * kind and never knows about status codes; every handler's error goes through `toStatus`.
 */
import { status } from '@grpc/grpc-js';
import { type ErrorKind, HpoError } from '@hpo/core';

const CODES: Record<ErrorKind, status> = {
  spec: status.INVALID_ARGUMENT,
  dataset: status.INVALID_ARGUMENT,
  params: status.INVALID_ARGUMENT,
  search_space: status.INVALID_ARGUMENT,
  metrics: status.INVALID_ARGUMENT,
  codec: status.INVALID_ARGUMENT,
  config: status.INVALID_ARGUMENT,
  invalid_argument: status.INVALID_ARGUMENT,
  model: status.FAILED_PRECONDITION,
  failed_precondition: status.FAILED_PRECONDITION,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  unavailable: status.UNAVAILABLE,
  stopped: status.CANCELLED,
  timeout: status.DEADLINE_EXCEEDED,
  data_loss: status.DATA_LOSS,
  internal: status.INTERNAL,
};

/** What each kind's message is prefixed with, so a client's one line says what was wrong. */
const PREFIX: Partial<Record<ErrorKind, string>> = {
  spec: 'invalid study spec: ',
  dataset: 'dataset error: ',
  search_space: 'invalid search space: ',
};

/**
 * Maps any error to a status code and message. An error that is not an HpoError is a bug or a
 * dependency's failure: its text (paths, NATS internals) stays in the coordinator's log.
 */
export function toStatus(err: unknown): { code: status; details: string } {
  if (err instanceof HpoError && err.kind !== 'internal')
    return { code: CODES[err.kind], details: `${PREFIX[err.kind] ?? ''}${err.message}` };
  return { code: status.INTERNAL, details: "internal error; the coordinator's log says more" };
}
