import { createHash } from 'node:crypto';
import { DatasetError } from '../errors.js';
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

/** Encodes a dataset to its canonical bytes. */
export function encodeDataset(ds: Dataset): Uint8Array {
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
  const total = MAGIC.length + 4 + json.length + headPad + offset;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length + headPad, true);
  out.set(json, MAGIC.length + 4);
  out.fill(0x20, MAGIC.length + 4 + json.length, MAGIC.length + 4 + json.length + headPad); // spaces keep JSON valid
  let at = MAGIC.length + 4 + json.length + headPad;
  for (const b of blocks) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}

/** Decodes canonical bytes back to a dataset; `source` names the blob in errors. */
export function decodeDataset(bytes: Uint8Array, source = '<dataset blob>'): Dataset {
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
  // Copy each block so typed arrays are aligned and independent of the blob.
  const block = <T>(ref: BlockRef, ctor: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }): T => {
    if (base + ref.offset + ref.length > bytes.length)
      throw new DatasetError('truncated dataset blob', { file: source });
    // Copy explicitly: Buffer#slice would return a view of Node's shared buffer pool.
    const copy = new Uint8Array(ref.length);
    copy.set(bytes.subarray(base + ref.offset, base + ref.offset + ref.length));
    return new ctor(copy.buffer);
  };
  const labels = block(header.labels, Uint8Array);
  if (header.kind === 'images') {
    return {
      kind: 'images',
      classes: header.classes,
      shape: header.shape!,
      pixels: block(header.pixels!, Float32Array),
      labels,
      pixelScale: header.pixelScale ?? 255,
    };
  }
  const columns: Column[] = header.columns!.map((c) =>
    c.kind === 'numeric'
      ? { kind: 'numeric', name: c.name, values: block(c.values, Float64Array) }
      : { kind: 'categorical', name: c.name, categories: c.categories, codes: block(c.codes, Int32Array) },
  );
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
