import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DatasetError } from '../errors.js';
import { readCsvDataset } from './csv.js';
import type { CsvEncoding } from './dialect.js';
import { resolveClasses } from './labels.js';
import type { ImageDataset } from './types.js';

/** Options for an image-folder dataset: `<dir>/<class>/<image>.png|jpg`. */
export interface ImageFolderOptions {
  /** Folder name of the positive class; inferred for known pairs (0/1, no/yes, ...). */
  positive?: string;
  /** 1 = grayscale (luma), 3 = RGB. Default 1 when every image is gray, else 3. */
  channels?: 1 | 3;
  /** Resize every image to [height, width] (bilinear); without it all images must share a size. */
  resize?: [number, number];
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

interface Decoded {
  file: string;
  width: number;
  height: number;
  /** RGBA bytes. */
  rgba: Uint8Array;
}

/** Reads a directory with one subfolder per class into an image dataset (pixels in [0, 1]). */
export function readImageFolder(dir: string, options: ImageFolderOptions = {}): ImageDataset {
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((e) => statSync(join(dir, e)).isDirectory());
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError('directory not found', { file: dir });
    if (code === 'ENOTDIR')
      throw new DatasetError('is a file, expected a directory with one folder per class', { file: dir });
    throw new DatasetError(`cannot read directory: ${(err as Error).message}`, { file: dir });
  }
  entries.sort();
  const images: Decoded[] = [];
  const raw: string[] = [];
  let decoded = 0;
  for (const cls of entries) {
    const files = readdirSync(join(dir, cls))
      .filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()))
      .sort();
    for (const f of files) {
      const im = decodeImage(join(dir, cls, f));
      decoded += im.rgba.length;
      if (decoded > MAX_DATASET_VALUES * 4)
        throw new DatasetError(
          `the images decode to more than ${MAX_DATASET_VALUES * 4} bytes`,
          { file: dir },
          'use fewer or smaller images',
        );
      images.push(im);
      raw.push(cls);
    }
  }
  if (images.length === 0) {
    throw new DatasetError('no PNG or JPEG images found; expected <dir>/<class>/<image>.png', { file: dir });
  }
  const { classes, labels } = resolveClasses(raw, 'class', options.positive, dir);
  const channels = options.channels ?? (images.every(isGray) ? 1 : 3);
  const [height, width] = options.resize ?? [images[0]!.height, images[0]!.width];
  if (!options.resize) {
    const odd = images.find((im) => im.width !== width || im.height !== height);
    if (odd) {
      throw new DatasetError(
        `is ${odd.width}×${odd.height} but ${images[0]!.file} is ${width}×${height}`,
        { file: odd.file },
        'set dataset.resize: [height, width] to resize every image',
      );
    }
  }
  const size = height * width * channels;
  if (images.length * size > MAX_DATASET_VALUES)
    throw new DatasetError(
      `${images.length} images of ${height}×${width}×${channels} make ${images.length * size} values, more than ${MAX_DATASET_VALUES}`,
      { file: dir },
      'set dataset.resize: [height, width] to smaller images',
    );
  const pixels = new Float32Array(images.length * size);
  images.forEach((im, i) => {
    pixels.set(toPixels(im, height, width, channels), i * size);
  });
  return { kind: 'images', classes, shape: [height, width, channels], pixels, labels, pixelScale: 255 };
}

/** Options for a pixel CSV: a label column plus height·width·channels pixel columns in row-major order. */
export interface PixelCsvOptions {
  label: string;
  positive?: string;
  /** [height, width, channels]. */
  shape: [number, number, number];
  /** Divide pixel values by this; default 255 when any value exceeds 1, else 1. */
  scale?: number;
  /** CSV delimiter; detected when omitted. */
  delimiter?: string;
  /** CSV encoding; a byte-order mark decides when omitted, else UTF-8. */
  encoding?: CsvEncoding;
}

/** Reads a CSV of flattened images (one row per image) into an image dataset. */
export function readPixelCsv(file: string, options: PixelCsvOptions): ImageDataset {
  const [h, w, c] = options.shape;
  if (![h, w, c].every((v) => Number.isInteger(v) && v > 0)) {
    throw new DatasetError(
      `shape must be three positive integers [height, width, channels], got [${options.shape}]`,
      {
        file,
      },
    );
  }
  const table = readCsvDataset(file, {
    label: options.label,
    ...(options.positive !== undefined ? { positive: options.positive } : {}),
    ...(options.delimiter ? { delimiter: options.delimiter } : {}),
    ...(options.encoding ? { encoding: options.encoding } : {}),
  });
  const expected = h * w * c;
  if (table.columns.length !== expected) {
    throw new DatasetError(
      `has ${table.columns.length} pixel columns, expected ${expected} for shape [${h}, ${w}, ${c}]`,
      { file },
    );
  }
  const n = table.labels.length;
  const pixels = new Float32Array(n * expected);
  let max = 0;
  table.columns.forEach((col, j) => {
    if (col.kind !== 'numeric') {
      throw new DatasetError('pixel values must be numbers', { file, column: col.name });
    }
    for (let i = 0; i < n; i++) {
      const v = col.values[i]!;
      if (Number.isNaN(v))
        throw new DatasetError('pixel value is missing', { file, row: i + 2, column: col.name });
      pixels[i * expected + j] = v;
      if (v > max) max = v;
    }
  });
  const scale = options.scale ?? (max > 1 ? 255 : 1);
  if (scale !== 1) for (let i = 0; i < pixels.length; i++) pixels[i]! /= scale;
  return {
    kind: 'images',
    classes: table.classes,
    shape: [h, w, c],
    pixels,
    labels: table.labels,
    pixelScale: scale,
  };
}

/** The most float32 values an image dataset may hold (512 MiB, e.g. 43,000 images of 32×32×3). */
export const MAX_DATASET_VALUES = 2 ** 27;

/** The largest image decoded (pixels): a small file may declare a huge image. */
export const MAX_IMAGE_PIXELS = 4096 * 4096;

function decodeImage(file: string): Decoded {
  const bytes = readFileSync(file);
  const png = extname(file).toLowerCase() === '.png';
  // A PNG says its size in its header (IHDR): refuse before decoding a decompression bomb.
  if (png && bytes.length >= 24 && bytes.readUInt32BE(16) * bytes.readUInt32BE(20) > MAX_IMAGE_PIXELS)
    throw new DatasetError(
      `is ${bytes.readUInt32BE(16)}×${bytes.readUInt32BE(20)} pixels, more than ${MAX_IMAGE_PIXELS} (4096×4096)`,
      { file },
    );
  try {
    if (png) {
      const image = PNG.sync.read(bytes);
      return { file, width: image.width, height: image.height, rgba: new Uint8Array(image.data) };
    }
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      maxMemoryUsageInMB: 256,
    });
    return { file, width: img.width, height: img.height, rgba: img.data };
  } catch (err) {
    throw new DatasetError(`cannot decode image: ${(err as Error).message}`, { file });
  }
}

function isGray(im: Decoded): boolean {
  const d = im.rgba;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i] !== d[i + 2]) return false;
  return true;
}

/** RGBA bytes → [h, w, channels] floats in [0, 1], bilinear-resized when sizes differ. */
function toPixels(im: Decoded, height: number, width: number, channels: 1 | 3): Float32Array {
  const out = new Float32Array(height * width * channels);
  const sy = im.height / height;
  const sx = im.width / width;
  for (let y = 0; y < height; y++) {
    // Pixel-centre alignment, as in most image libraries.
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), im.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, im.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), im.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, im.width - 1);
      const wx = fx - x0;
      const rgb = [0, 0, 0];
      for (let k = 0; k < 3; k++) {
        const at = (yy: number, xx: number) => im.rgba[(yy * im.width + xx) * 4 + k]!;
        const top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
        const bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
        rgb[k] = (top * (1 - wy) + bottom * wy) / 255;
      }
      const o = (y * width + x) * channels;
      if (channels === 1) out[o] = 0.299 * rgb[0]! + 0.587 * rgb[1]! + 0.114 * rgb[2]!;
      else out.set(rgb, o);
    }
  }
  return out;
}
