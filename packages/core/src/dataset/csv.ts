import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DatasetError } from '../errors.js';
import {
  type CsvDialect,
  type CsvEncoding,
  decodeCsv,
  delimiterHint,
  detectDelimiter,
  normalizeDelimiter,
  showDelimiter,
} from './dialect.js';
import { resolveClasses } from './labels.js';
import type { CategoricalColumn, Column, CsvReport, NumericColumn, TabularDataset } from './types.js';

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
  /** Field delimiter (`tab` allowed); detected among , ; tab | when omitted. */
  delimiter?: string;
  /** Text encoding; a byte-order mark decides when omitted, else UTF-8. */
  encoding?: CsvEncoding;
  /** Decimal separator of numbers: '.' (default) or ',' (then the delimiter cannot be ','). */
  decimal?: '.' | ',';
}

/** Options that say how a CSV's text is read, shared by every CSV reader. */
export type CsvReadOptions = Pick<CsvOptions, 'missing' | 'delimiter' | 'encoding' | 'decimal'>;

/** Values recognised as missing by default. */
export const DEFAULT_MISSING = ['', 'na', 'n/a', 'nan', '?', 'null', 'none'];

/**
 * A column is read as numeric with stray tokens (an error naming the first one) rather than as
 * categorical when at least this share of its present cells are numbers and its other cells take
 * at most STRAY_TOKENS distinct values (`x`, `unknown`, `-`): a typo or an undeclared missing
 * marker, not a code-like category such as a ticket number.
 */
export const NUMERIC_SHARE = 0.5;
export const STRAY_TOKENS = 3;

/** Reads a CSV file into a dataset; every problem is a DatasetError naming file, row and column. */
export function readCsvDataset(file: string, options: CsvOptions): TabularDataset {
  const { text, encoding, bom } = readCsvText(file, options.encoding);
  return parseCsvDataset(text, options, file, { encoding, bom });
}

/**
 * Parses CSV text into a dataset (see readCsvDataset); `file` only labels errors, `decoded` says
 * how the text was decoded (for the report).
 */
export function parseCsvDataset(
  text: string,
  options: CsvOptions,
  file = '<csv>',
  decoded: Pick<CsvDialect, 'encoding' | 'bom'> = { encoding: 'utf-8', bom: false },
): TabularDataset {
  const table = parseRows(text, file, options);
  const labelIndex = table.header.indexOf(options.label);
  if (labelIndex < 0) {
    throw new DatasetError(
      `label column '${options.label}' not found; columns are ${quoteList(table.header)}`,
      { file },
      delimiterHint(table.header, table.delimiter) ?? 'set dataset.label to one of the header names',
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
  const report: CsvReport = {
    file,
    rows: table.rows.length,
    dialect: { ...decoded, delimiter: table.delimiter, decimal: table.decimal },
    columns: table.header.map((name) => {
      if (name === options.label) return { name, kind: 'label', source: 'declared', missing: 0 };
      const col = columns.find((c) => c.name === name);
      const source = options.columns?.[name] ? 'declared' : 'inferred';
      if (!col) return { name, kind: 'ignored', source: 'declared', missing: 0 };
      return col.kind === 'numeric'
        ? { name, kind: 'numeric', source, missing: col.values.filter(Number.isNaN).length }
        : {
            name,
            kind: 'categorical',
            source,
            missing: col.codes.filter((c) => c < 0).length,
            categories: col.categories.length,
          };
    }),
  };
  return { kind: 'tabular', classes, columns, labels, report };
}

/** Reads feature columns of a CSV with a fixed schema (used at predict time); a label column is ignored. */
export function readCsvFeatures(
  file: string,
  schema: { name: string; kind: 'numeric' | 'categorical' }[],
  options: CsvReadOptions = {},
): Column[] {
  return tableFeatures(readCsvTable(file, options), schema, options, file);
}

/** Parses feature columns with a fixed schema from CSV text (see readCsvFeatures). */
export function parseCsvFeatures(
  text: string,
  schema: { name: string; kind: 'numeric' | 'categorical' }[],
  options: CsvReadOptions = {},
  file = '<csv>',
): Column[] {
  return tableFeatures(parseRows(text, file, options), schema, options, file);
}

/**
 * The columns of a fixed schema (what a model was trained on) from a parsed table, in schema
 * order; other columns are ignored, an absent one is an error naming it.
 */
export function tableFeatures(
  table: CsvTable,
  schema: { name: string; kind: 'numeric' | 'categorical' }[],
  options: Pick<CsvReadOptions, 'missing'> = {},
  file = '<csv>',
): Column[] {
  const absent = schema.filter((c) => !table.header.includes(c.name)).map((c) => c.name);
  if (absent.length) {
    throw new DatasetError(
      `missing column${absent.length > 1 ? 's' : ''} ${quoteList(absent)} that the model was trained on`,
      { file },
      delimiterHint(table.header, table.delimiter),
    );
  }
  const kinds: Record<string, ColumnKind> = {};
  for (const h of table.header) kinds[h] = 'ignore';
  for (const c of schema) kinds[c.name] = c.kind;
  const cols = readColumns(table, kinds, missingSet(options.missing), file, 'model');
  // Return in schema order, which is the order the fitted pipeline expects.
  return schema.map((s) => cols.find((c) => c.name === s.name)!);
}

/** Reads every column of a CSV with inferred kinds and no label (e.g. pixel rows to predict). */
export function readCsvColumns(
  file: string,
  options: CsvReadOptions & { columns?: Record<string, ColumnKind> } = {},
): Column[] {
  return tableColumns(readCsvTable(file, options), options, file);
}

/** Every column of a parsed table with inferred kinds (see readCsvColumns). */
export function tableColumns(
  table: CsvTable,
  options: Pick<CsvReadOptions, 'missing'> & { columns?: Record<string, ColumnKind> } = {},
  file = '<csv>',
): Column[] {
  checkOverrides(options.columns ?? {}, table.header, file);
  return readColumns(table, options.columns ?? {}, missingSet(options.missing), file);
}

/** CSV text split into header and string cells (see readCsvTable); `file` only labels errors. */
export function parseCsvTable(text: string, options: CsvReadOptions = {}, file = '<csv>'): CsvTable {
  return parseRows(text, file, options);
}

/** A CSV file split into header and string cells: dialect detected, ragged rows refused. */
export function readCsvTable(file: string, options: CsvReadOptions = {}): CsvTable {
  return parseRows(readCsvText(file, options.encoding).text, file, options);
}

/** A parsed CSV: header, rows of trimmed cells, and how it was split. */
export interface CsvTable {
  header: string[];
  rows: string[][];
  /** 1-based file line of each row. */
  lines: number[];
  /** The delimiter the rows were split on (given or detected). */
  delimiter: string;
  decimal: '.' | ',';
}

type RawTable = CsvTable;

/** A CSV file's text, decoded as `decodeCsv` says; a missing or unreadable file is a DatasetError. */
export function readCsvText(
  file: string,
  encoding?: CsvEncoding,
): { text: string; encoding: CsvEncoding; bom: boolean } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError('file not found', { file }, 'check the dataset path');
    if (code === 'EISDIR') throw new DatasetError('is a directory, expected a CSV file', { file });
    throw new DatasetError(`cannot read file: ${(err as Error).message}`, { file });
  }
  return decodeCsv(bytes, file, encoding);
}

function parseRows(text: string, file: string, options: CsvReadOptions): RawTable {
  const delimiter = options.delimiter ? normalizeDelimiter(options.delimiter) : detectDelimiter(text);
  const decimal = options.decimal ?? '.';
  if (decimal === ',' && delimiter === ',') {
    throw new DatasetError(
      "dataset.decimal is ',' but so is the delimiter",
      { file },
      "set dataset.delimiter to ';' (or the separator the file uses)",
    );
  }
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
        `has ${record.length} fields, expected ${header.length} like the header (split on ${showDelimiter(delimiter)})`,
        { file, row: info.lines },
        options.delimiter
          ? 'ragged rows usually mean an unquoted delimiter inside a value'
          : 'ragged rows usually mean an unquoted delimiter inside a value, or a delimiter detected wrongly: set dataset.delimiter',
      );
    }
    rows.push(record);
    lines.push(info.lines);
  }
  if (rows.length === 0) throw new DatasetError('has a header but no data rows', { file });
  return { header, rows, lines, delimiter, decimal };
}

function readColumns(
  table: RawTable,
  kinds: Record<string, ColumnKind>,
  missing: Set<string>,
  file: string,
  forcedBy: 'spec' | 'model' = 'spec',
): Column[] {
  const columns: Column[] = [];
  table.header.forEach((name, j) => {
    const forced = kinds[name];
    if (forced === 'ignore') return;
    const cells = table.rows.map((r) => {
      const v = r[j]!;
      return missing.has(v.toLowerCase()) ? undefined : v;
    });
    const where = { table, name, file };
    const kind = forced ?? inferKind(cells, where);
    columns.push(
      kind === 'numeric'
        ? numericColumn(cells, where, forced === undefined ? 'inferred' : forcedBy)
        : categoricalColumn(name, cells),
    );
  });
  return columns;
}

/** A plain decimal number: digits with an optional point and exponent (no hex, no `_`, no `Infinity`). */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Infinity as other tools write it. */
const INFINITY = /^[+-]?(?:inf|infinity)$/i;
/** A number written with a decimal comma (1,5), as in semicolon-separated European exports. */
const DECIMAL_COMMA = /^[+-]?\d*,\d+$/;

/** A number grouped with dots (1.500, 1.234.567,8): thousands separators under a decimal comma. */
const DOT_GROUPED = /^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$/;

type Cell = { kind: 'number'; value: number } | { kind: 'infinite' } | { kind: 'text' };

/** What a (non-missing) cell holds: a finite number, an infinite one (or one that overflows), or text. */
function classify(cell: string, decimal: '.' | ','): Cell {
  // Under a decimal comma a '.' is not a decimal point: 1.5 is not read as 1.5.
  if (decimal === ',' && cell.includes('.')) return { kind: 'text' };
  const c = decimal === ',' ? cell.replace(',', '.') : cell;
  if (NUMBER.test(c)) {
    const value = Number(c);
    return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'infinite' };
  }
  return INFINITY.test(c) ? { kind: 'infinite' } : { kind: 'text' };
}

interface ColumnAt {
  table: RawTable;
  name: string;
  file: string;
}

/**
 * A column is numeric when every present cell is a finite number, categorical when fewer than
 * NUMERIC_SHARE of them are numbers. In between, and for any infinite value, it is an error that
 * names the first offending cell: a silently one-hot-encoded numeric column is worse than a stop.
 */
function inferKind(cells: (string | undefined)[], at: ColumnAt): ColumnKind {
  let numeric = 0;
  let present = 0;
  let firstText = -1;
  let firstInfinite = -1;
  let decimalComma = 0;
  const stray = new Set<string>();
  cells.forEach((c, i) => {
    if (c === undefined) return;
    present++;
    if (at.table.decimal === ',' && DOT_GROUPED.test(c)) {
      throw new DatasetError(
        `'${c}' groups thousands with '.', but dataset.decimal is ','`,
        { file: at.file, row: at.table.lines[i]!, column: at.name },
        'remove the thousands separators from the numbers',
      );
    }
    const k = classify(c, at.table.decimal).kind;
    if (k === 'number') numeric++;
    else if (k === 'infinite') {
      numeric++;
      if (firstInfinite < 0) firstInfinite = i;
    } else {
      if (at.table.decimal === '.' && DECIMAL_COMMA.test(c)) decimalComma++;
      if (firstText < 0) firstText = i;
      if (stray.size <= STRAY_TOKENS) stray.add(c);
    }
  });
  if (present === 0) return 'categorical';
  if (decimalComma > 0 && numeric + decimalComma === present) {
    const i = cells.findIndex((c) => c !== undefined && DECIMAL_COMMA.test(c));
    throw new DatasetError(
      `'${cells[i]}' looks like a number with a decimal comma (or a thousands separator)`,
      { file: at.file, row: at.table.lines[i]!, column: at.name },
      at.table.delimiter === ','
        ? 'remove thousands separators from the numbers, or declare the column categorical in dataset.columns'
        : "set dataset.decimal: ',' if the comma is the decimal separator; otherwise remove thousands separators or declare the column categorical in dataset.columns",
    );
  }
  if (numeric < present && (numeric / present < NUMERIC_SHARE || stray.size > STRAY_TOKENS))
    return 'categorical';
  if (firstText >= 0) {
    throw new DatasetError(
      `'${cells[firstText]}' is not a number, but ${numeric} of ${present} values in this column are`,
      { file: at.file, row: at.table.lines[firstText]!, column: at.name },
      `if '${cells[firstText]}' means "missing", add it to dataset.missing; if the column is a category, declare it categorical in dataset.columns`,
    );
  }
  if (firstInfinite >= 0) throw infiniteError(cells[firstInfinite]!, firstInfinite, at);
  return 'numeric';
}

function infiniteError(cell: string, i: number, at: ColumnAt): DatasetError {
  return new DatasetError(
    INFINITY.test(cell)
      ? `'${cell}' is infinite; numeric columns need finite numbers`
      : `'${cell}' overflows to infinity; numeric columns need finite numbers`,
    { file: at.file, row: at.table.lines[i]!, column: at.name },
    `fix the value, or add it to dataset.missing to treat it as missing`,
  );
}

function numericColumn(
  cells: (string | undefined)[],
  at: ColumnAt,
  why: 'inferred' | 'spec' | 'model',
): NumericColumn {
  const values = new Float64Array(cells.length);
  cells.forEach((c, i) => {
    if (c === undefined) {
      values[i] = Number.NaN;
      return;
    }
    const cell = classify(c, at.table.decimal);
    if (cell.kind === 'infinite') throw infiniteError(c, i, at);
    if (cell.kind === 'text') {
      throw new DatasetError(
        `'${c}' is not a number (${why === 'model' ? 'the model was trained on this column as numeric' : why === 'spec' ? 'the column is declared numeric' : 'the column is numeric'})`,
        { file: at.file, row: at.table.lines[i]!, column: at.name },
        why === 'spec' ? `add '${c}' to dataset.missing if it means "missing"` : undefined,
      );
    }
    values[i] = cell.value;
  });
  return { kind: 'numeric', name: at.name, values };
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
