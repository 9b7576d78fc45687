import { DatasetError, MetricsError, SpecError } from '@hpo/core';
import { SearchSpaceError } from '@hpo/optimizer';
import { ModelError, TrialError } from '@hpo/trainer';

/** A bad command line (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A failure to report in one line with a hint (exit code 1). */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Exit codes: 0 ok, 1 failure, 2 usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** One line for stderr plus an optional hint, and the exit code, for any error. */
export function describeError(err: unknown): { line: string; hint?: string; code: number } {
  if (err instanceof UsageError)
    return { line: err.message, code: EXIT.usage, ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof CliError)
    return { line: err.message, code: EXIT.failure, ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof SpecError)
    return {
      line: `invalid study spec: ${err.message}`,
      hint: 'run `hpo schema` for the spec format',
      code: EXIT.failure,
    };
  if (err instanceof DatasetError)
    return {
      line: `dataset error: ${err.message}`,
      code: EXIT.failure,
      ...(err.hint ? { hint: err.hint } : {}),
    };
  if (err instanceof SearchSpaceError)
    return { line: `invalid search space: ${err.message}`, code: EXIT.failure };
  if (err instanceof ModelError) return { line: `model error: ${err.message}`, code: EXIT.failure };
  if (err instanceof TrialError || err instanceof MetricsError)
    return { line: err.message, code: EXIT.failure };
  if (err instanceof Error) return { line: err.message.split('\n')[0]!, code: EXIT.failure };
  return { line: String(err), code: EXIT.failure };
}
