import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { DatasetError, HpoError } from '../errors.js';
import type { Column, Dataset } from './types.js';

/**
 * The canonical binary form of a dataset: `HPODS1\n\0`, a little-endian u32 header length,
 * a JSON header describing each block, then 8-byte-aligned raw little-endian typed-array
 * blocks. The same dataset always encodes to the same bytes, so the SHA-256 of the bytes is
 * its content address: processes ship it once and cache it by hash.
 */
const MAGIC = new TextEncoder().encode('HPODS1\n\0');

interface BlockRef {
  offset: number;
  length: number;
}

interface Header {
  kind: Dataset['kind'];
  classes: Dataset['classes'];
  rows: number;
  labels: BlockRef;
  shape?: [number, number, number];
  pixelScale?: number;
  pixels?: BlockRef;
  columns?: (
    | { kind: 'numeric'; name: string; values: BlockRef }
    | { kind: 'categorical'; name: string; categories: string[]; codes: BlockRef }
  )[];
}

/** Whether bytes start like a canonical dataset blob (its magic bytes), e.g. an upload's first chunk. */
export function looksLikeDatasetBlob(start: Uint8Array): boolean {
  return start.length >= MAGIC.length && MAGIC.every((b, i) => start[i] === b);
}

/** The canonical form's parts in order: the head (magic, length, JSON header), then the blocks. */
function layout(ds: Dataset): { head: Uint8Array; blocks: Uint8Array[]; total: number } {
  const blocks: Uint8Array[] = [];
  let offset = 0;
  const add = (arr: ArrayBufferView): BlockRef => {
    const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    const ref = { offset, length: bytes.byteLength };
    blocks.push(bytes);
    const pad = (8 - (bytes.byteLength % 8)) % 8;
    if (pad) blocks.push(new Uint8Array(pad));
    offset += bytes.byteLength + pad;
    return ref;
  };
  const header: Header = {
    kind: ds.kind,
    classes: ds.classes,
    rows: ds.labels.length,
    labels: add(ds.labels),
  };
  if (ds.kind === 'images') {
    header.shape = ds.shape;
    header.pixelScale = ds.pixelScale;
    header.pixels = add(ds.pixels);
  } else {
    header.columns = ds.columns.map((c) =>
      c.kind === 'numeric'
        ? { kind: 'numeric', name: c.name, values: add(c.values) }
        : { kind: 'categorical', name: c.name, categories: c.categories, codes: add(c.codes) },
    );
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headPad = (8 - ((MAGIC.length + 4 + json.length) % 8)) % 8;
  const head = new Uint8Array(MAGIC.length + 4 + json.length + headPad);
  head.set(MAGIC, 0);
  new DataView(head.buffer).setUint32(MAGIC.length, json.length + headPad, true);
  head.set(json, MAGIC.length + 4);
  head.fill(0x20, MAGIC.length + 4 + json.length); // spaces keep JSON valid
  return { head, blocks, total: head.length + offset };
}

/** Encodes a dataset to its canonical bytes. */
export function encodeDataset(ds: Dataset): Uint8Array {
  const { head, blocks, total } = layout(ds);
  const out = new Uint8Array(total);
  out.set(head, 0);
  let at = head.length;
  for (const b of blocks) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

/**
 * Writes a dataset's canonical bytes to `file` block by block (never all of them in memory at
 * once) and answers their SHA-256, the dataset's content address.
 */
export function writeDatasetFile(ds: Dataset, file: string): string {
  const { head, blocks } = layout(ds);
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  try {
    for (const part of [head, ...blocks]) {
      hash.update(part);
      for (let at = 0; at < part.byteLength; ) at += writeSync(fd, part, at);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * A dataset file's bytes, read in chunks without blocking the event loop and checked against
 * `hash` as they come. With `shared`, they are on a SharedArrayBuffer (posting it to a thread
 * does not copy it), and `decodeDataset(bytes, name, { copy: false })` gives typed arrays that
 * are views of it.
 */
export async function readDatasetFile(file: string, hash: string, shared = false): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const bytes = shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size);
    const sha = createHash('sha256');
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(READ_CHUNK, size - at), at);
      if (bytesRead === 0) throw new DatasetError(`truncated: read ${at} of ${size} bytes`, { file });
      sha.update(bytes.subarray(at, at + bytesRead));
      at += bytesRead;
    }
    const actual = sha.digest('hex');
    if (actual !== hash)
      throw new HpoError('data_loss', `dataset ${file} has hash ${actual}, expected ${hash}`);
    return bytes;
  } finally {
    // Read-only: a failing close must not hide the error being thrown.
    await handle.close().catch(() => undefined);
  }
}

const READ_CHUNK = 4 << 20;

/**
 * Decodes canonical bytes back to a dataset; `source` names the blob in errors. Each block is
 * copied, unless `copy` is false: then the typed arrays are views of `bytes` (its blocks are
 * 8-byte aligned), which must then never change.
 */
export function decodeDataset(
  bytes: Uint8Array,
  source = '<dataset blob>',
  { copy = true }: { copy?: boolean } = {},
): Dataset {
  if (bytes.length < MAGIC.length + 4 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new DatasetError('not an hpo dataset blob (bad magic bytes)', { file: source });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLen = view.getUint32(MAGIC.length, true);
  const base = MAGIC.length + 4 + headLen;
  if (base > bytes.length) throw new DatasetError('truncated dataset blob', { file: source });
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, base))) as Header;
  } catch {
    throw new DatasetError('dataset blob header is not valid JSON', { file: source });
  }
  if (
    typeof header !== 'object' ||
    header === null ||
    (header.kind !== 'tabular' && header.kind !== 'images')
  )
    throw new DatasetError("dataset blob header must be an object of kind 'tabular' or 'images'", {
      file: source,
    });
  // Each block is copied (aligned, independent of the blob), or a view when `copy` is false.
  const block = <T>(
    ref: BlockRef,
    ctor: { new (b: ArrayBufferLike, offset?: number, length?: number): T; BYTES_PER_ELEMENT: number },
  ): T => {
    const whole = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
    if (!ref || !whole(ref.offset) || !whole(ref.length))
      throw new DatasetError(
        'dataset blob header lacks a block, or names one without a whole offset and length',
        { file: source },
      );
    if (base + ref.offset + ref.length > bytes.length)
      throw new DatasetError('truncated dataset blob', { file: source });
    if (ref.length % ctor.BYTES_PER_ELEMENT !== 0)
      throw new DatasetError(
        `dataset blob block of ${ref.length} bytes is not whole ${ctor.BYTES_PER_ELEMENT}-byte values`,
        { file: source },
      );
    const at = bytes.byteOffset + base + ref.offset;
    if (!copy && at % 8 === 0) return new ctor(bytes.buffer, at, ref.length / ctor.BYTES_PER_ELEMENT);
    // Copy explicitly: Buffer#slice would return a view of Node's shared buffer pool.
    const own = new Uint8Array(ref.length);
    own.set(bytes.subarray(base + ref.offset, base + ref.offset + ref.length));
    return new ctor(own.buffer);
  };
  const labels = block(header.labels, Uint8Array);
  if (typeof header.rows === 'number' && header.rows !== labels.length)
    throw new DatasetError(`dataset blob says ${header.rows} rows but holds ${labels.length} labels`, {
      file: source,
    });
  if (header.kind === 'images') {
    const shape = header.shape;
    if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0))
      throw new DatasetError('images blob: shape must be three whole numbers > 0', { file: source });
    const pixels = block(header.pixels!, Float32Array);
    const per = shape[0] * shape[1] * shape[2];
    if (pixels.length !== labels.length * per)
      throw new DatasetError(
        `images blob holds ${pixels.length} pixel values for ${labels.length} images of ${shape.join('×')} (${labels.length * per} expected)`,
        { file: source },
      );
    return {
      kind: 'images',
      classes: header.classes,
      shape,
      pixels,
      labels,
      pixelScale: header.pixelScale ?? 255,
    };
  }
  // Every column has one value per row (a short one would read as missing values).
  const oneARow = (name: string, n: number) => {
    if (n !== labels.length)
      throw new DatasetError(`column "${name}" has ${n} values for ${labels.length} rows`, { file: source });
  };
  if (!Array.isArray(header.columns))
    throw new DatasetError('tabular dataset blob header lacks its columns', { file: source });
  const columns: Column[] = header.columns.map((c) => {
    if (c.kind === 'numeric') {
      const values = block(c.values, Float64Array);
      oneARow(c.name, values.length);
      return { kind: 'numeric', name: c.name, values };
    }
    const codes = block(c.codes, Int32Array);
    oneARow(c.name, codes.length);
    if (!Array.isArray(c.categories) || !c.categories.every((v) => typeof v === 'string'))
      throw new DatasetError(`column "${c.name}": categories must be a list of strings`, { file: source });
    // Preprocessing counts a category by its code: each must name one distinct category.
    const seen = new Set<string>();
    for (const v of c.categories) {
      if (seen.has(v))
        throw new DatasetError(`column "${c.name}" lists a category twice: "${v}"`, { file: source });
      seen.add(v);
    }
    for (let i = 0; i < codes.length; i++) {
      if (codes[i]! < -1 || codes[i]! >= c.categories.length)
        throw new DatasetError(
          `column "${c.name}", data row ${i + 1}: category code ${codes[i]} is outside -1..${c.categories.length - 1} (-1: missing)`,
          { file: source },
        );
    }
    return { kind: 'categorical', name: c.name, categories: c.categories, codes };
  });
  return { kind: 'tabular', classes: header.classes, columns, labels };
}

/** SHA-256 of bytes, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The content address of a dataset: SHA-256 of its canonical bytes. */
export function datasetHash(ds: Dataset): string {
  return sha256Hex(encodeDataset(ds));
}
