import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DatasetError } from '../errors.js';
import { resolveClasses } from './labels.js';
import type { CategoricalColumn, Column, NumericColumn, TabularDataset } from './types.js';

/** How a column is read: inferred by default, or forced by the user. */
export type ColumnKind = 'numeric' | 'categorical' | 'ignore';

/** Options for reading a tabular CSV (first line is the header). */
export interface CsvOptions {
  /** Name of the label column. */
  label: string;
  /** Label value of the positive class; inferred for 0/1, true/false, yes/no. */
  positive?: string;
  /** Per-column overrides of the inferred kind. */
  columns?: Record<string, ColumnKind>;
  /** Cell values that mean "missing" (compared case-insensitively after trimming). */
  missing?: string[];
  /** Field delimiter; default ','. */
  delimiter?: string;
}

/** Values recognised as missing by default. */
export const DEFAULT_MISSING = ['', 'na', 'n/a', 'nan', '?', 'null', 'none'];

/** Share of numeric cells above which a column with a stray non-number is reported, not made categorical. */
const NUMERIC_TYPO_SHARE = 0.9;

/** Reads a CSV file into a dataset; every problem is a DatasetError naming file, row and column. */
export function readCsvDataset(file: string, options: CsvOptions): TabularDataset {
  return parseCsvDataset(readText(file), options, file);
}

/** Parses CSV text into a dataset (see readCsvDataset); `file` only labels errors. */
export function parseCsvDataset(text: string, options: CsvOptions, file = '<csv>'): TabularDataset {
  const table = parseRows(text, file, options.delimiter);
  const labelIndex = table.header.indexOf(options.label);
  if (labelIndex < 0) {
    throw new DatasetError(
      `label column '${options.label}' not found; columns are ${quoteList(table.header)}`,
      { file },
      'set dataset.label to one of the header names',
    );
  }
  const missing = missingSet(options.missing);
  const rawLabels: (string | undefined)[] = table.rows.map((r) => {
    const v = r[labelIndex]!.trim();
    return missing.has(v.toLowerCase()) ? undefined : v;
  });
  const { classes, labels } = resolveClasses(rawLabels, options.label, options.positive, file, table.lines);
  const kinds: Record<string, ColumnKind> = { ...options.columns, [options.label]: 'ignore' };
  checkOverrides(options.columns ?? {}, table.header, file);
  const columns = readColumns(table, kinds, missing, file);
  return { kind: 'tabular', classes, columns, labels };
}

/** Reads feature columns of a CSV with a fixed schema (used at predict time); a label column is ignored. */
export function readCsvFeatures(
  file: string,
  schema: { name: string; kind: 'numeric' | 'categorical' }[],
  options: { missing?: string[]; delimiter?: string } = {},
): Column[] {
  return parseCsvFeatures(readText(file), schema, options, file);
}

/** Parses feature columns with a fixed schema from CSV text (see readCsvFeatures). */
export function parseCsvFeatures(
  text: string,
  schema: { name: string; kind: 'numeric' | 'categorical' }[],
  options: { missing?: string[]; delimiter?: string } = {},
  file = '<csv>',
): Column[] {
  const table = parseRows(text, file, options.delimiter);
  const absent = schema.filter((c) => !table.header.includes(c.name)).map((c) => c.name);
  if (absent.length) {
    throw new DatasetError(
      `missing column${absent.length > 1 ? 's' : ''} ${quoteList(absent)} that the model was trained on`,
      { file },
    );
  }
  const kinds: Record<string, ColumnKind> = {};
  for (const h of table.header) kinds[h] = 'ignore';
  for (const c of schema) kinds[c.name] = c.kind;
  const cols = readColumns(table, kinds, missingSet(options.missing), file);
  // Return in schema order, which is the order the fitted pipeline expects.
  return schema.map((s) => cols.find((c) => c.name === s.name)!);
}

/** Reads every column of a CSV with inferred kinds and no label (e.g. pixel rows to predict). */
export function readCsvColumns(
  file: string,
  options: { columns?: Record<string, ColumnKind>; missing?: string[]; delimiter?: string } = {},
): Column[] {
  const table = parseRows(readText(file), file, options.delimiter);
  checkOverrides(options.columns ?? {}, table.header, file);
  return readColumns(table, options.columns ?? {}, missingSet(options.missing), file);
}

interface RawTable {
  header: string[];
  rows: string[][];
  /** 1-based file line of each row. */
  lines: number[];
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError('file not found', { file }, 'check the dataset path');
    if (code === 'EISDIR') throw new DatasetError('is a directory, expected a CSV file', { file });
    throw new DatasetError(`cannot read file: ${(err as Error).message}`, { file });
  }
}

function parseRows(text: string, file: string, delimiter = ','): RawTable {
  if (text.trim() === '')
    throw new DatasetError('file is empty, expected a header line and data rows', { file });
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new DatasetError(`not valid CSV: ${e.message}`, e.lines ? { file, row: e.lines } : { file });
  }
  const first = records[0];
  if (!first) throw new DatasetError('file is empty, expected a header line and data rows', { file });
  const header = first.record;
  const seen = new Set<string>();
  for (const [i, h] of header.entries()) {
    if (h === '') throw new DatasetError(`header column ${i + 1} has no name`, { file, row: 1 });
    if (seen.has(h)) throw new DatasetError(`duplicate column name '${h}' in the header`, { file, row: 1 });
    seen.add(h);
  }
  const rows: string[][] = [];
  const lines: number[] = [];
  for (const { record, info } of records.slice(1)) {
    if (record.length !== header.length) {
      throw new DatasetError(
        `has ${record.length} fields, expected ${header.length} like the header`,
        { file, row: info.lines },
        'ragged rows usually mean an unquoted delimiter inside a value',
      );
    }
    rows.push(record);
    lines.push(info.lines);
  }
  if (rows.length === 0) throw new DatasetError('has a header but no data rows', { file });
  return { header, rows, lines };
}

function readColumns(
  table: RawTable,
  kinds: Record<string, ColumnKind>,
  missing: Set<string>,
  file: string,
): Column[] {
  const columns: Column[] = [];
  table.header.forEach((name, j) => {
    const forced = kinds[name];
    if (forced === 'ignore') return;
    const cells = table.rows.map((r) => {
      const v = r[j]!;
      return missing.has(v.toLowerCase()) ? undefined : v;
    });
    const kind = forced ?? inferKind(cells, name, table.lines, file);
    columns.push(
      kind === 'numeric' ? numericColumn(name, cells, table.lines, file) : categoricalColumn(name, cells),
    );
  });
  return columns;
}

function inferKind(cells: (string | undefined)[], name: string, lines: number[], file: string): ColumnKind {
  let numeric = 0;
  let present = 0;
  let firstBad = -1;
  cells.forEach((c, i) => {
    if (c === undefined) return;
    present++;
    if (Number.isFinite(Number(c))) numeric++;
    else if (firstBad < 0) firstBad = i;
  });
  if (present === 0 || numeric === present) return present === 0 ? 'categorical' : 'numeric';
  if (numeric / present >= NUMERIC_TYPO_SHARE) {
    throw new DatasetError(
      `'${cells[firstBad]}' is not a number, but ${numeric} of ${present} values in this column are`,
      { file, row: lines[firstBad]!, column: name },
      `fix the value, add it to dataset.missing, or declare the column categorical in dataset.columns`,
    );
  }
  return 'categorical';
}

function numericColumn(
  name: string,
  cells: (string | undefined)[],
  lines: number[],
  file: string,
): NumericColumn {
  const values = new Float64Array(cells.length);
  cells.forEach((c, i) => {
    if (c === undefined) {
      values[i] = Number.NaN;
      return;
    }
    const v = Number(c);
    if (!Number.isFinite(v)) {
      throw new DatasetError(`'${c}' is not a number (the column is numeric)`, {
        file,
        row: lines[i]!,
        column: name,
      });
    }
    values[i] = v;
  });
  return { kind: 'numeric', name, values };
}

function categoricalColumn(name: string, cells: (string | undefined)[]): CategoricalColumn {
  const index = new Map<string, number>();
  const codes = new Int32Array(cells.length);
  cells.forEach((c, i) => {
    if (c === undefined) {
      codes[i] = -1;
      return;
    }
    let code = index.get(c);
    if (code === undefined) {
      code = index.size;
      index.set(c, code);
    }
    codes[i] = code;
  });
  return { kind: 'categorical', name, categories: [...index.keys()], codes };
}

function checkOverrides(overrides: Record<string, ColumnKind>, header: string[], file: string): void {
  for (const [name, kind] of Object.entries(overrides)) {
    if (!header.includes(name)) {
      throw new DatasetError(
        `dataset.columns names '${name}', which is not in the header ${quoteList(header)}`,
        {
          file,
        },
      );
    }
    if (!['numeric', 'categorical', 'ignore'].includes(kind)) {
      throw new DatasetError(
        `dataset.columns.${name} is '${kind}', expected numeric, categorical or ignore`,
        { file },
      );
    }
  }
}

function missingSet(values?: string[]): Set<string> {
  return new Set((values ?? DEFAULT_MISSING).map((v) => v.trim().toLowerCase()));
}

/** 'a', 'b', 'c' — quoted and comma-separated, at most 12 shown. */
export function quoteList(items: readonly string[], max = 12): string {
  const shown = items.slice(0, max).map((s) => `'${s}'`);
  if (items.length > max) shown.push(`… (${items.length - max} more)`);
  return shown.join(', ');
}
