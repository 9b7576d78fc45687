/**
 * CSV dialects: how a file's bytes become text (encoding, byte-order marks) and which delimiter
 * separates its fields. Detection is deliberately narrow and explainable: a byte-order mark
 * decides the encoding, otherwise the file must be valid UTF-8 (an error names the first bad
 * line); the delimiter is the candidate that splits the first lines into the same number of
 * fields. `dataset.encoding` and `dataset.delimiter` override both.
 */
import { DatasetError } from '../errors.js';

/** Encodings a CSV may be declared in (`dataset.encoding`). */
export const CSV_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'latin1', 'windows-1252'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

/** Delimiters that are detected; `dataset.delimiter` may name any single character (or `tab`). */
export const CSV_DELIMITERS = [',', ';', '\t', '|'] as const;

/** Lines looked at to detect the delimiter. */
const SNIFF_LINES = 50;

/** How a CSV was read: what `decodeCsv` and `detectDelimiter` found (or were told). */
export interface CsvDialect {
  encoding: CsvEncoding;
  /** Whether a byte-order mark was present (and removed). */
  bom: boolean;
  delimiter: string;
}

/** A delimiter as the spec may write it (`tab`, `\t`) → the character. */
export function normalizeDelimiter(d: string): string {
  if (d === 'tab' || d === '\\t') return '\t';
  return d;
}

/** A delimiter for messages: `','`, `tab`. */
export function showDelimiter(d: string): string {
  return d === '\t' ? 'tab' : `'${d}'`;
}

/**
 * Decodes a CSV file's bytes. A UTF-8 or UTF-16 byte-order mark decides the encoding unless one
 * is given; without either, the bytes must be valid UTF-8, and the error names the first line
 * that is not (a file in Latin-1 or Windows-1252 then needs `dataset.encoding`).
 */
export function decodeCsv(
  bytes: Uint8Array,
  file: string,
  encoding?: CsvEncoding,
): { text: string; encoding: CsvEncoding; bom: boolean } {
  const { encoding: enc, bomLength } = csvEncodingOf(bytes, file, encoding);
  const body = bytes.subarray(bomLength);
  if (enc === 'utf-8') {
    try {
      return {
        text: new TextDecoder('utf-8', { fatal: true }).decode(body),
        encoding: enc,
        bom: bomLength > 0,
      };
    } catch {
      const { line, column, byte } = firstInvalidUtf8(body);
      throw new DatasetError(
        `is not valid UTF-8 (byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at character ${column})`,
        { file, row: line },
        'save the file as UTF-8, or set dataset.encoding to the encoding it is in (latin1, windows-1252, utf-16le, utf-16be)',
      );
    }
  }
  if ((enc === 'utf-16le' || enc === 'utf-16be') && body.length % 2 !== 0) {
    throw new DatasetError(`has an odd number of bytes after the byte-order mark, so it is not ${enc}`, {
      file,
    });
  }
  return { text: new TextDecoder(enc).decode(body), encoding: enc, bom: bomLength > 0 };
}

/**
 * The encoding of a CSV from its first bytes (see decodeCsv), and the length of the byte-order
 * mark to skip: a mark that contradicts `encoding`, or UTF-16 text without a mark, is an error.
 */
export function csvEncodingOf(
  head: Uint8Array,
  file: string,
  encoding?: CsvEncoding,
): { encoding: CsvEncoding; bomLength: number } {
  const bomEncoding = byteOrderMark(head);
  const enc = encoding ?? bomEncoding ?? 'utf-8';
  if (encoding && bomEncoding && encoding !== bomEncoding) {
    throw new DatasetError(
      `starts with a ${bomEncoding.toUpperCase()} byte-order mark, but dataset.encoding is ${encoding}`,
      { file },
      `remove dataset.encoding, or set it to ${bomEncoding}`,
    );
  }
  const bomLength = bomEncoding === undefined || bomEncoding !== enc ? 0 : bomEncoding === 'utf-8' ? 3 : 2;
  if (enc === 'utf-8' && !encoding && !bomEncoding && looksLikeUtf16(head)) {
    const le = head.length > 1 && head[1] === 0;
    throw new DatasetError(
      'looks like UTF-16 text without a byte-order mark',
      { file },
      `set dataset.encoding: ${le ? 'utf-16le' : 'utf-16be'}, or save the file as UTF-8`,
    );
  }
  return { encoding: enc, bomLength };
}

/**
 * The delimiter that splits the first lines (outside quotes) into the same number of fields, more
 * than one; the one giving the most fields wins, ',' on a tie or when none is consistent.
 */
export function detectDelimiter(text: string): string {
  const lines = sampleLines(text);
  let best = ',';
  let bestFields = 1;
  for (const d of CSV_DELIMITERS) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const first = counts[0] ?? 0;
    if (first === 0 || counts.some((c) => c !== first)) continue;
    if (first + 1 > bestFields) {
      best = d;
      bestFields = first + 1;
    }
  }
  return best;
}

/**
 * When a header with a single field holds one of the other delimiters, the file was probably
 * split with the wrong one: a hint saying which to set. Undefined otherwise.
 */
export function delimiterHint(header: string[], used: string): string | undefined {
  if (header.length !== 1) return undefined;
  const other = CSV_DELIMITERS.find((d) => d !== used && header[0]!.includes(d));
  return other === undefined
    ? undefined
    : `the header looks ${showDelimiter(other)}-separated, but it was split on ${showDelimiter(used)}: set dataset.delimiter: ${other === '\t' ? 'tab' : `'${other}'`}`;
}

function byteOrderMark(b: Uint8Array): CsvEncoding | undefined {
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8';
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return 'utf-16le';
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** Many NUL bytes in the first kilobytes: ASCII text stored as UTF-16. */
function looksLikeUtf16(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  if (n < 4) return false;
  let zeros = 0;
  for (let i = 0; i < n; i++) if (b[i] === 0) zeros++;
  return zeros / n > 0.3;
}

/** Line (1-based), character in that line and value of the first byte that breaks UTF-8. */
function firstInvalidUtf8(b: Uint8Array): { line: number; column: number; byte: number } {
  let line = 1;
  let column = 1;
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let need = 0;
    if (c < 0x80) need = 0;
    else if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) need = 2;
    else if (c >= 0xf0 && c <= 0xf4) need = 3;
    else return { line, column, byte: c };
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return { line, column, byte: c };
    }
    // Overlong three-byte forms, surrogates and code points above U+10FFFF.
    const d1 = b[i + 1] ?? 0;
    if (
      (c === 0xe0 && d1 < 0xa0) ||
      (c === 0xed && d1 > 0x9f) ||
      (c === 0xf0 && d1 < 0x90) ||
      (c === 0xf4 && d1 > 0x8f)
    )
      return { line, column, byte: c };
    if (c === 0x0a) {
      line++;
      column = 0;
    }
    column++;
    i += need + 1;
  }
  return { line, column, byte: 0 };
}

/** The first non-empty lines of the text (a quoted field spanning lines is rare enough here). */
function sampleLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (out.length < SNIFF_LINES && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    if (line.trim() !== '') out.push(line);
    start = end + 1;
  }
  return out;
}

function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === d && !quoted) n++;
  }
  return n;
}
