import { type ErrorKind, HpoError } from '@hpo/core/errors';

/** A bad command line (exit code 2). */
export class UsageError extends HpoError {
  override name = 'UsageError';
  constructor(message: string, hint?: string) {
    super('invalid_argument', message, hint ? { hint } : {});
  }
}

/** A failure to report in one line with a hint (exit code 1). */
export class CliError extends HpoError {
  override name = 'CliError';
  constructor(message: string, hint?: string, kind: ErrorKind = 'failed_precondition') {
    super(kind, message, hint ? { hint } : {});
  }
}

/** Exit codes: 0 ok, 1 failure, 2 usage. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** What the line starts with, and the hint when the error has none, per kind. */
const BY_KIND: Partial<Record<ErrorKind, { prefix?: string; hint?: string }>> = {
  spec: {
    prefix: 'invalid study spec: ',
    hint: 'run `hpo schema` for the spec format, `hpo params` for parameters',
  },
  dataset: { prefix: 'dataset error: ' },
  search_space: { prefix: 'invalid search space: ', hint: 'run `hpo schema` for the spec format' },
  model: { prefix: 'model error: ' },
  data_loss: { prefix: 'data error: ' },
};

/** One line for stderr plus an optional hint, and the exit code, for any error. */
export function describeError(err: unknown): { line: string; hint?: string; code: number } {
  if (err instanceof UsageError)
    return { line: err.message, code: EXIT.usage, ...(err.hint ? { hint: err.hint } : {}) };
  if (err instanceof HpoError) {
    const how = BY_KIND[err.kind] ?? {};
    const hint = err.hint ?? how.hint;
    return { line: `${how.prefix ?? ''}${err.message}`, code: EXIT.failure, ...(hint ? { hint } : {}) };
  }
  if (err instanceof Error) return { line: err.message.split('\n')[0]!, code: EXIT.failure };
  return { line: String(err), code: EXIT.failure };
}
