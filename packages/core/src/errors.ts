/**
 * What went wrong, as a value every layer shares. Domain code throws `HpoError`s (or its
 * subclasses) with a `kind`; they cross threads and NATS as `WireError` data and are rebuilt on
 * the other side; only the edges translate a kind into something else (the CLI's one line and
 * exit code, the coordinator's gRPC status code).
 */

/** Every kind of failure hpo names. The edges map kinds, never classes or message text. */
export const ERROR_KINDS = [
  /** A study spec (or part of one) that does not validate. */
  'spec',
  /** A dataset that cannot be used as given (file, row, column named in the message). */
  'dataset',
  /** A training parameter outside its domain. */
  'params',
  /** A search space that cannot be sampled. */
  'search_space',
  /** Inputs a metric cannot be computed from. */
  'metrics',
  /** A saved model that cannot be loaded. */
  'model',
  /** A message that cannot be decoded (NATS payload, thread message). */
  'codec',
  /** A service setting (flag or environment variable) that is missing or malformed. */
  'config',
  /** A request argument that is malformed (other than the kinds above). */
  'invalid_argument',
  'not_found',
  'already_exists',
  /** The request is valid but the state does not allow it (e.g. no model yet). */
  'failed_precondition',
  /** A size, rate or quota limit was reached. */
  'resource_exhausted',
  'unauthenticated',
  'permission_denied',
  /** A dependency (NATS, the coordinator, the object store) cannot be reached right now. */
  'unavailable',
  /** The work was stopped on request (cancel, drop, shutdown): not a failure of the work. */
  'stopped',
  /** No answer in time. */
  'timeout',
  /** Stored data does not match its checksum. */
  'data_loss',
  /** A bug or an unexpected failure. */
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** Kinds worth retrying by default (the same request may succeed later). */
const RETRYABLE: ReadonlySet<ErrorKind> = new Set(['unavailable', 'timeout', 'resource_exhausted']);

/** An error as it crosses a thread or process boundary. */
export interface WireError {
  kind: ErrorKind;
  message: string;
  retryable: boolean;
  /** What the user can do about it (printed by the CLI after the message). */
  hint?: string;
  /** Structured context: the field path, row, column, task id… JSON values only. */
  details?: Record<string, unknown>;
}

export interface HpoErrorOptions {
  retryable?: boolean;
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The base of every error hpo raises on purpose. */
export class HpoError extends Error {
  override name = 'HpoError';
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(kind: ErrorKind, message: string, options: HpoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.retryable = options.retryable ?? RETRYABLE.has(kind);
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  /** The data form, for a thread message or a NATS payload. */
  toWire(): WireError {
    return {
      kind: this.kind,
      message: this.message,
      retryable: this.retryable,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(Object.keys(this.details).length ? { details: this.details } : {}),
    };
  }
}

/** Any thrown value as a WireError: HpoErrors keep their kind, anything else is `internal`. */
export function toWireError(err: unknown): WireError {
  if (err instanceof HpoError) return err.toWire();
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'internal', message, retryable: false };
}

/**
 * Rebuilds an error from its wire form. Unknown kinds (a newer peer) become `internal`, so a
 * malformed payload can never crash the receiver.
 */
export function fromWireError(wire: unknown): HpoError {
  const w = (wire && typeof wire === 'object' ? wire : {}) as Partial<WireError>;
  const kind = ERROR_KINDS.includes(w.kind as ErrorKind) ? (w.kind as ErrorKind) : 'internal';
  const message = typeof w.message === 'string' ? w.message : 'unknown error';
  const details = w.details && typeof w.details === 'object' ? w.details : undefined;
  return new HpoError(kind, message, {
    ...(typeof w.retryable === 'boolean' ? { retryable: w.retryable } : {}),
    ...(typeof w.hint === 'string' ? { hint: w.hint } : {}),
    ...(details ? { details } : {}),
  });
}

/** One line naming an error, for event logs and worker logs. */
export function errorText(err: unknown): string {
  if (err instanceof HpoError) return err.message;
  if (err instanceof Error) return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
  return String(err);
}

/** Where in a data file a problem was found; every field is optional but at least one is set. */
export interface DatasetLocation {
  /** Path of the file or directory being read. */
  file?: string;
  /** 1-based line number in the file (the header is line 1). */
  row?: number;
  /** Column name (or pixel index for pixel CSVs). */
  column?: string;
}

/** A dataset that cannot be used as given. The message names the file, row and column. */
export class DatasetError extends HpoError {
  override name = 'DatasetError';
  readonly file: string | undefined;
  readonly row: number | undefined;
  readonly column: string | undefined;
  /** What is wrong, without the location. */
  readonly problem: string;

  constructor(problem: string, where: DatasetLocation = {}, hint?: string) {
    super('dataset', formatLocation(where) + problem, {
      ...(hint ? { hint } : {}),
      details: { ...where },
    });
    this.problem = problem;
    this.file = where.file;
    this.row = where.row;
    this.column = where.column;
  }

  /** The same error with its file named otherwise (e.g. a temporary copy named as the upload it is). */
  relocated(rename: (file: string) => string): DatasetError {
    const where: DatasetLocation = {
      ...(this.file !== undefined ? { file: rename(this.file) } : {}),
      ...(this.row !== undefined ? { row: this.row } : {}),
      ...(this.column !== undefined ? { column: this.column } : {}),
    };
    return new DatasetError(this.problem, where, this.hint);
  }
}

/** One problem of a spec: its dotted field path (e.g. `cv.k`) and what is wrong. */
export interface SpecIssue {
  path: string;
  message: string;
}

/** A study spec (or one of its parts) that does not validate; `issues` name the fields. */
export class SpecError extends HpoError {
  override name = 'SpecError';
  /** Dotted field paths with their problems, e.g. `[{ path: 'cv.k', message: 'must be >= 2' }]`. */
  readonly issues: SpecIssue[];

  constructor(issues: SpecIssue[], source?: string) {
    const head = source ? `${source}: ` : '';
    super('spec', head + issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), {
      details: { issues, ...(source ? { source } : {}) },
    });
    this.issues = issues;
  }
}

function formatLocation(where: DatasetLocation): string {
  const parts: string[] = [];
  if (where.file) parts.push(where.file);
  if (where.row !== undefined) parts.push(`row ${where.row}`);
  if (where.column !== undefined) parts.push(`column '${where.column}'`);
  return parts.length ? `${parts.join(', ')}: ` : '';
}
