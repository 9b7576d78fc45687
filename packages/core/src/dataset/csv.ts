import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { Parser } from 'csv-parse';
import { DatasetError } from '../errors.js';
import {
  type CsvDialect,
  type CsvEncoding,
  csvEncodingOf,
  decodeCsv,
  delimiterHint,
  detectDelimiter,
  normalizeDelimiter,
  showDelimiter,
} from './dialect.js';
import { resolveClassValues } from './labels.js';
import type { Column, CsvReport, TabularDataset } from './types.js';

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

/**
 * Reads a CSV file into a dataset; every problem is a DatasetError naming file, row and column.
 * The file is streamed twice (once to type and check every column, once to fill typed columns),
 * so memory holds the columns, never the text or its cells.
 */
export function readCsvDataset(file: string, options: CsvOptions): TabularDataset {
  return datasetOf({ file }, options, file);
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
  return datasetOf({ text, decoded }, options, file);
}

function datasetOf(source: CsvSource, options: CsvOptions, file: string): TabularDataset {
  let header: string[] = [];
  const labelAt = () => header.indexOf(options.label);
  const missing = missingSet(options.missing);
  const labelCounts = new Map<string, number>();
  let missingLabel: number | undefined;
  let scan: ColumnScan | undefined;
  // Pass 1: the header, the label's values, and every column's kind and first problem.
  const first = streamCsv(source, options, file, {
    header(h, dialect) {
      header = h;
      if (labelAt() < 0) {
        throw new DatasetError(
          `label column '${options.label}' not found; columns are ${quoteList(h)}`,
          { file },
          delimiterHint(h, dialect.delimiter) ?? 'set dataset.label to one of the header names',
        );
      }
      const kinds: Record<string, ColumnKind> = { ...options.columns, [options.label]: 'ignore' };
      scan = new ColumnScan(h, kinds, missing, file, dialect, 'spec');
    },
    row(record, line) {
      const v = record[labelAt()]!.trim();
      if (missing.has(v.toLowerCase())) missingLabel ??= line;
      else labelCounts.set(v, (labelCounts.get(v) ?? 0) + 1);
      scan!.see(record, line);
    },
  });
  if (missingLabel !== undefined)
    throw new DatasetError('label is missing', { file, row: missingLabel, column: options.label });
  const { classes } = resolveClassValues(labelCounts, options.label, options.positive, file);
  checkOverrides(options.columns ?? {}, header, file);
  scan!.decide();
  // Pass 2: typed columns and labels, on shared memory: trainer threads use them without a copy.
  const fill = scan!.filler(first.rows);
  const labels = new Uint8Array(new SharedArrayBuffer(first.rows));
  let i = 0;
  streamCsv(source, { ...options, delimiter: first.dialect.delimiter }, file, {
    header() {},
    row(record) {
      labels[i] = record[labelAt()]!.trim() === classes.positive ? 1 : 0;
      fill.put(record, i++);
    },
  });
  if (i !== first.rows)
    throw new DatasetError(`changed while it was read (${first.rows} rows, then ${i})`, { file });
  const columns = fill.columns();
  const report: CsvReport = {
    file,
    rows: first.rows,
    dialect: first.dialect,
    columns: header.map((name) => {
      if (name === options.label) return { name, kind: 'label', source: 'declared', missing: 0 };
      const col = columns.find((c) => c.name === name);
      const source = options.columns?.[name] ? 'declared' : 'inferred';
      if (!col) return { name, kind: 'ignored', source: 'declared', missing: 0 };
      const absent = scan!.missingOf(name);
      return col.kind === 'numeric'
        ? { name, kind: 'numeric', source, missing: absent }
        : { name, kind: 'categorical', source, missing: absent, categories: col.categories.length };
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
  return tableFeatures(collectRows({ text }, file, options), schema, options, file);
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
  const cols = tableRead(table, kinds, missingSet(options.missing), file, 'model');
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
  return tableRead(table, options.columns ?? {}, missingSet(options.missing), file, 'spec');
}

/** CSV text split into header and string cells (see readCsvTable); `file` only labels errors. */
export function parseCsvTable(text: string, options: CsvReadOptions = {}, file = '<csv>'): CsvTable {
  return collectRows({ text }, file, options);
}

/** A CSV file split into header and string cells: dialect detected, ragged rows refused. */
export function readCsvTable(file: string, options: CsvReadOptions = {}): CsvTable {
  return collectRows({ file }, file, options);
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

/** Where CSV text comes from: a file, streamed in chunks, or text already in memory. */
type CsvSource = { file: string } | { text: string; decoded?: Pick<CsvDialect, 'encoding' | 'bom'> };

/** What a CSV stream found: its dialect and how many data rows it has. */
interface Streamed {
  dialect: CsvReport['dialect'];
  rows: number;
}

interface RecordSink {
  header(header: string[], dialect: CsvReport['dialect']): void;
  /** A data row (as many cells as the header), with its 1-based file line. */
  row(record: string[], line: number): void;
}

/** Bytes read from a file at a time. */
const CHUNK = 1 << 20;

/**
 * Streams a CSV's records into `sink`: the encoding is decoded chunk by chunk, the delimiter is
 * detected on the first lines, and the header and ragged rows are checked as they come.
 */
function streamCsv(source: CsvSource, options: CsvReadOptions, file: string, sink: RecordSink): Streamed {
  const decimal = options.decimal ?? '.';
  let dialect: CsvReport['dialect'] | undefined;
  let header: string[] | undefined;
  let rows = 0;
  let parser: CsvParserApi | undefined;
  let pending = '';
  let content = false;
  const push = ({ record, info }: { record: string[]; info: { lines: number } }) => {
    if (!header) {
      const seen = new Set<string>();
      for (const [i, h] of record.entries()) {
        if (h === '') throw new DatasetError(`header column ${i + 1} has no name`, { file, row: 1 });
        if (seen.has(h))
          throw new DatasetError(`duplicate column name '${h}' in the header`, { file, row: 1 });
        seen.add(h);
      }
      header = record;
      sink.header(record, dialect!);
      return;
    }
    if (record.length !== header.length) {
      throw new DatasetError(
        `has ${record.length} fields, expected ${header.length} like the header (split on ${showDelimiter(dialect!.delimiter)})`,
        { file, row: info.lines },
        options.delimiter
          ? 'ragged rows usually mean an unquoted delimiter inside a value'
          : 'ragged rows usually mean an unquoted delimiter inside a value, or a delimiter detected wrongly: set dataset.delimiter',
      );
    }
    rows++;
    sink.row(record, info.lines);
  };
  const feed = (bytes: Buffer | undefined, end: boolean) => {
    const err = parser!.parse(bytes, end, push, () => undefined);
    if (err !== undefined) {
      const e = err as Error & { lines?: number };
      throw new DatasetError(`not valid CSV: ${e.message}`, e.lines ? { file, row: e.lines } : { file });
    }
  };
  const start = (encoding: CsvEncoding, bom: boolean, complete: boolean) => {
    // Detected on whole lines only: a cut-off last line would have too few delimiters.
    const sample = complete ? pending : pending.slice(0, pending.lastIndexOf('\n') + 1);
    const delimiter = options.delimiter ? normalizeDelimiter(options.delimiter) : detectDelimiter(sample);
    if (decimal === ',' && delimiter === ',') {
      throw new DatasetError(
        "dataset.decimal is ',' but so is the delimiter",
        { file },
        "set dataset.delimiter to ';' (or the separator the file uses)",
      );
    }
    dialect = { encoding, bom, delimiter, decimal };
    parser = (
      new Parser({
        delimiter,
        bom: true,
        info: true,
        relax_column_count: true,
        skip_empty_lines: true,
        trim: true,
      }) as unknown as { api: CsvParserApi }
    ).api;
  };
  /** Text in order; the first lines wait until there are enough to detect the delimiter. */
  const text = (chunk: string, encoding: CsvEncoding, bom: boolean) => {
    if (!content && /\S/.test(chunk)) content = true;
    if (!parser) {
      pending += chunk;
      if (pending.length < SNIFF_MAX && lineCount(pending) <= SNIFF_LINES) return;
      start(encoding, bom, false);
      chunk = pending;
      pending = '';
    }
    feed(Buffer.from(chunk, 'utf8'), false);
  };
  const finish = (encoding: CsvEncoding, bom: boolean) => {
    if (!content) throw new DatasetError('file is empty, expected a header line and data rows', { file });
    if (!parser) {
      start(encoding, bom, true);
      feed(Buffer.from(pending, 'utf8'), false);
      pending = '';
    }
    feed(undefined, true);
  };

  if ('text' in source) {
    const { encoding, bom } = source.decoded ?? { encoding: 'utf-8' as const, bom: false };
    for (let at = 0; at < source.text.length; ) {
      let to = Math.min(at + CHUNK, source.text.length);
      // Never split a surrogate pair between two chunks.
      if (to < source.text.length && isHighSurrogate(source.text.charCodeAt(to - 1))) to++;
      text(source.text.slice(at, to), encoding, bom);
      at = to;
    }
    finish(encoding, bom);
  } else {
    const decoder = new ChunkDecoder(source.file, options.encoding);
    try {
      for (;;) {
        const chunk = decoder.next();
        if (chunk === undefined) break;
        text(chunk, decoder.encoding, decoder.bom);
      }
      finish(decoder.encoding, decoder.bom);
    } finally {
      decoder.dispose();
    }
  }
  if (!header) throw new DatasetError('file is empty, expected a header line and data rows', { file });
  if (rows === 0) throw new DatasetError('has a header but no data rows', { file });
  return { dialect: dialect!, rows };
}

/** csv-parse's incremental parser: bytes in, records pushed as they complete. */
interface CsvParserApi {
  parse(
    bytes: Buffer | undefined,
    end: boolean,
    push: (r: { record: string[]; info: { lines: number } }) => void,
    close: () => void,
  ): Error | undefined;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Non-empty lines the delimiter is detected on (as `detectDelimiter` samples), plus the header. */
const SNIFF_LINES = 51;
/** Text held back for detection at most (a file of few, very wide lines). */
const SNIFF_MAX = 64 * CHUNK;

/** Complete non-empty lines in `text`, counted up to SNIFF_LINES + 1. */
function lineCount(text: string): number {
  let n = 0;
  let from = 0;
  for (let i = text.indexOf('\n'); i >= 0 && n <= SNIFF_LINES; i = text.indexOf('\n', i + 1)) {
    if (text.slice(from, i).trim() !== '') n++;
    from = i + 1;
  }
  return n;
}

/**
 * A file's text, chunk by chunk, decoded as `decodeCsv` would decode the whole file: a byte-order
 * mark decides the encoding unless one is given, else the bytes must be UTF-8. Any decoding
 * problem is reported by `decodeCsv` itself on the whole file, so the messages are the same.
 */
class ChunkDecoder {
  encoding: CsvEncoding = 'utf-8';
  bom = false;
  private fd: number | undefined;
  private decoder: InstanceType<typeof TextDecoder> | undefined;
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
  private done = false;

  constructor(
    private readonly file: string,
    private readonly declared: CsvEncoding | undefined,
  ) {}

  next(): string | undefined {
    if (this.done) return undefined;
    if (this.fd === undefined) return this.open();
    const n = readSync(this.fd, this.buffer, 0, CHUNK, null);
    if (n === 0) return this.close();
    return this.decode(this.buffer.subarray(0, n), true);
  }

  private open(): string | undefined {
    try {
      this.fd = openSync(this.file, 'r');
      if (fstatSync(this.fd).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    } catch (err) {
      this.dispose();
      this.done = true;
      return fileError(this.file, err);
    }
    const size = fstatSync(this.fd).size;
    const n = readSync(this.fd, this.buffer, 0, CHUNK, null);
    const head = this.buffer.subarray(0, n);
    // Small files are decoded whole by decodeCsv.
    if (n === size) {
      this.dispose();
      this.done = true;
      const { text, encoding, bom } = decodeCsv(Buffer.from(head), this.file, this.declared);
      Object.assign(this, { encoding, bom });
      return text;
    }
    const { encoding, bomLength } = csvEncodingOf(head.subarray(0, 4096), this.file, this.declared);
    this.encoding = encoding;
    this.bom = bomLength > 0;
    if ((encoding === 'utf-16le' || encoding === 'utf-16be') && (size - bomLength) % 2 !== 0) {
      this.dispose();
      decodeCsv(readFileSync(this.file), this.file, this.declared);
    }
    this.decoder = new TextDecoder(this.encoding, { fatal: this.encoding === 'utf-8' });
    return this.decode(head.subarray(bomLength), true);
  }

  private decode(bytes: Uint8Array | undefined, stream: boolean): string {
    try {
      return bytes ? this.decoder!.decode(bytes, { stream }) : this.decoder!.decode();
    } catch {
      this.dispose();
      // Whole-file decoding names the first bad line; it throws.
      decodeCsv(readFileSync(this.file), this.file, this.declared);
      throw new DatasetError('is not valid UTF-8', { file: this.file });
    }
  }

  /** The end of the file: what the decoder still holds (a cut-off character is an error). */
  private close(): string | undefined {
    this.done = true;
    const rest = this.decoder ? this.decode(undefined, false) : '';
    this.dispose();
    return rest || undefined;
  }

  /** Closes the file (also when reading stops on an error). */
  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function fileError(file: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') throw new DatasetError('file not found', { file }, 'check the dataset path');
  if (code === 'EISDIR') throw new DatasetError('is a directory, expected a CSV file', { file });
  throw new DatasetError(`cannot read file: ${(err as Error).message}`, { file });
}

/** A CSV's header and every row's cells, in memory (for predict inputs, which are small). */
function collectRows(source: CsvSource, file: string, options: CsvReadOptions): CsvTable {
  let header: string[] = [];
  const rows: string[][] = [];
  const lines: number[] = [];
  const { dialect } = streamCsv(source, options, file, {
    header(h) {
      header = h;
    },
    row(record, line) {
      rows.push(record);
      lines.push(line);
    },
  });
  return { header, rows, lines, delimiter: dialect.delimiter, decimal: dialect.decimal };
}

/** The columns of a table in memory, typed and checked as a streamed file's are. */
function tableRead(
  table: CsvTable,
  kinds: Record<string, ColumnKind>,
  missing: Set<string>,
  file: string,
  forcedBy: 'spec' | 'model',
): Column[] {
  const scan = new ColumnScan(table.header, kinds, missing, file, table, forcedBy);
  for (const [i, r] of table.rows.entries()) scan.see(r, table.lines[i]!);
  scan.decide();
  const fill = scan.filler(table.rows.length);
  for (const [i, r] of table.rows.entries()) fill.put(r, i);
  return fill.columns();
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

/** A cell and the file line it is on. */
interface Seen {
  cell: string;
  line: number;
}

/** What the first pass learns about one column. */
interface ColumnStats {
  name: string;
  index: number;
  forced: ColumnKind | undefined;
  present: number;
  missing: number;
  numeric: number;
  decimalComma: number;
  firstDecimalComma?: Seen;
  firstText?: Seen;
  firstInfinite?: Seen;
  firstDotGrouped?: Seen;
  stray: Set<string>;
  kind?: 'numeric' | 'categorical';
}

/**
 * Types and checks the columns of a table seen row by row (pass 1), then fills typed columns
 * (pass 2). A column is numeric when every present cell is a finite number, categorical when
 * fewer than NUMERIC_SHARE of them are numbers. In between, and for any infinite value, it is an
 * error that names the first offending cell: a silently one-hot-encoded numeric column is worse
 * than a stop. Errors are raised in header order, each at its column's first offending row.
 */
class ColumnScan {
  private readonly stats: ColumnStats[] = [];

  constructor(
    header: string[],
    kinds: Record<string, ColumnKind>,
    private readonly missing: Set<string>,
    private readonly file: string,
    private readonly dialect: { delimiter: string; decimal: '.' | ',' },
    private readonly forcedBy: 'spec' | 'model',
  ) {
    header.forEach((name, index) => {
      const forced = kinds[name];
      if (forced === 'ignore') return;
      this.stats.push({
        name,
        index,
        forced,
        present: 0,
        missing: 0,
        numeric: 0,
        decimalComma: 0,
        stray: new Set(),
      });
    });
  }

  see(record: string[], line: number): void {
    const decimal = this.dialect.decimal;
    for (const s of this.stats) {
      const c = record[s.index]!;
      if (this.missing.has(c.toLowerCase())) {
        s.missing++;
        continue;
      }
      s.present++;
      if (s.forced === 'categorical') continue;
      if (s.forced === 'numeric') {
        if (s.firstText || s.firstInfinite) continue;
        const k = classify(c, decimal).kind;
        if (k === 'text') s.firstText = { cell: c, line };
        else if (k === 'infinite') s.firstInfinite = { cell: c, line };
        continue;
      }
      if (decimal === ',' && !s.firstDotGrouped && DOT_GROUPED.test(c)) s.firstDotGrouped = { cell: c, line };
      const k = classify(c, decimal).kind;
      if (k === 'number') s.numeric++;
      else if (k === 'infinite') {
        s.numeric++;
        s.firstInfinite ??= { cell: c, line };
      } else {
        if (decimal === '.' && DECIMAL_COMMA.test(c)) {
          s.decimalComma++;
          s.firstDecimalComma ??= { cell: c, line };
        }
        s.firstText ??= { cell: c, line };
        if (s.stray.size <= STRAY_TOKENS) s.stray.add(c);
      }
    }
  }

  /** Each column's kind, or the first column's error (header order). */
  decide(): void {
    for (const s of this.stats) s.kind = s.forced === undefined ? this.infer(s) : this.checkForced(s);
  }

  /** Cells read as missing in column `name`. */
  missingOf(name: string): number {
    return this.stats.find((s) => s.name === name)?.missing ?? 0;
  }

  filler(rows: number): { put(record: string[], i: number): void; columns(): Column[] } {
    const decimal = this.dialect.decimal;
    type Fill =
      | { s: ColumnStats; values: Float64Array }
      | { s: ColumnStats; codes: Int32Array; index: Map<string, number> };
    const cols = this.stats.map(
      (s): Fill =>
        s.kind === 'numeric'
          ? { s, values: new Float64Array(new SharedArrayBuffer(rows * 8)) }
          : { s, codes: new Int32Array(new SharedArrayBuffer(rows * 4)), index: new Map<string, number>() },
    );
    return {
      put: (record, i) => {
        for (const col of cols) {
          const c = record[col.s.index]!;
          const absent = this.missing.has(c.toLowerCase());
          if ('values' in col) {
            col.values[i] = absent ? Number.NaN : (classify(c, decimal) as { value: number }).value;
            continue;
          }
          if (absent) {
            col.codes[i] = -1;
            continue;
          }
          let code = col.index.get(c);
          if (code === undefined) {
            code = col.index.size;
            col.index.set(c, code);
          }
          col.codes[i] = code;
        }
      },
      columns: () =>
        cols.map(
          (col): Column =>
            'values' in col
              ? { kind: 'numeric' as const, name: col.s.name, values: col.values }
              : {
                  kind: 'categorical' as const,
                  name: col.s.name,
                  categories: [...col.index.keys()],
                  codes: col.codes,
                },
        ),
    };
  }

  private where(s: ColumnStats, seen: Seen) {
    return { file: this.file, row: seen.line, column: s.name };
  }

  private checkForced(s: ColumnStats): 'numeric' | 'categorical' {
    if (s.forced === 'categorical') return 'categorical';
    const why = this.forcedBy;
    if (s.firstInfinite) throw this.infinite(s, s.firstInfinite);
    if (s.firstText) {
      const c = s.firstText.cell;
      throw new DatasetError(
        `'${c}' is not a number (${why === 'model' ? 'the model was trained on this column as numeric' : 'the column is declared numeric'})`,
        this.where(s, s.firstText),
        why === 'spec' ? `add '${c}' to dataset.missing if it means "missing"` : undefined,
      );
    }
    return 'numeric';
  }

  private infer(s: ColumnStats): 'numeric' | 'categorical' {
    if (s.firstDotGrouped) {
      throw new DatasetError(
        `'${s.firstDotGrouped.cell}' groups thousands with '.', but dataset.decimal is ','`,
        this.where(s, s.firstDotGrouped),
        'remove the thousands separators from the numbers',
      );
    }
    if (s.present === 0) return 'categorical';
    if (s.decimalComma > 0 && s.numeric + s.decimalComma === s.present) {
      throw new DatasetError(
        `'${s.firstDecimalComma!.cell}' looks like a number with a decimal comma (or a thousands separator)`,
        this.where(s, s.firstDecimalComma!),
        this.dialect.delimiter === ','
          ? 'remove thousands separators from the numbers, or declare the column categorical in dataset.columns'
          : "set dataset.decimal: ',' if the comma is the decimal separator; otherwise remove thousands separators or declare the column categorical in dataset.columns",
      );
    }
    if (s.numeric < s.present && (s.numeric / s.present < NUMERIC_SHARE || s.stray.size > STRAY_TOKENS))
      return 'categorical';
    if (s.firstText) {
      const c = s.firstText.cell;
      throw new DatasetError(
        `'${c}' is not a number, but ${s.numeric} of ${s.present} values in this column are`,
        this.where(s, s.firstText),
        `if '${c}' means "missing", add it to dataset.missing; if the column is a category, declare it categorical in dataset.columns`,
      );
    }
    if (s.firstInfinite) throw this.infinite(s, s.firstInfinite);
    return 'numeric';
  }

  private infinite(s: ColumnStats, seen: Seen): DatasetError {
    return new DatasetError(
      INFINITY.test(seen.cell)
        ? `'${seen.cell}' is infinite; numeric columns need finite numbers`
        : `'${seen.cell}' overflows to infinity; numeric columns need finite numbers`,
      this.where(s, seen),
      `fix the value, or add it to dataset.missing to treat it as missing`,
    );
  }
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
