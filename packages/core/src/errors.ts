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
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  readonly file: string | undefined;
  readonly row: number | undefined;
  readonly column: string | undefined;
  /** What the user can do about it, printed by the CLI after the message. */
  readonly hint: string | undefined;

  constructor(problem: string, where: DatasetLocation = {}, hint?: string) {
    super(formatLocation(where) + problem);
    this.file = where.file;
    this.row = where.row;
    this.column = where.column;
    this.hint = hint;
  }
}

/** A study spec (or one of its parts) that does not validate; `path` is the field path. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  /** Dotted field paths with their problems, e.g. `[{ path: 'cv.k', message: 'must be >= 2' }]`. */
  readonly issues: { path: string; message: string }[];

  constructor(issues: { path: string; message: string }[], source?: string) {
    const head = source ? `${source}: ` : '';
    super(head + issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '));
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
