import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DatasetError } from '../errors.js';
import { readImageFolder, readPixelCsv } from './images.js';

function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const img = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) img.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(img);
}

function jpg(width: number, height: number, value: number): Buffer {
  const data = Buffer.alloc(width * height * 4, value);
  return jpeg.encode({ data, width, height }, 100).data;
}

function folder(files: Record<string, Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-img-'));
  for (const [path, bytes] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), bytes);
  }
  return dir;
}

describe('image datasets', () => {
  it('reads one subfolder per class, PNG and JPEG, grayscale when every image is gray', () => {
    const dir = folder({
      'no/a.png': png(4, 3, [0, 0, 0]),
      'no/b.jpg': jpg(4, 3, 255),
      'yes/c.png': png(4, 3, [255, 255, 255]),
    });
    const ds = readImageFolder(dir);
    assert.deepEqual(ds.shape, [3, 4, 1]);
    assert.deepEqual([...ds.labels], [0, 0, 1]);
    assert.equal(ds.classes.positive, 'yes');
    assert.equal(ds.pixels[0], 0);
    assert.ok(Math.abs(ds.pixels[12]! - 1) < 0.02, 'white JPEG decodes near 1');
    assert.ok(Math.abs(ds.pixels[24]! - 1) < 1e-6);
  });

  it('keeps RGB when colours differ', () => {
    const dir = folder({ '0/a.png': png(2, 2, [255, 0, 0]), '1/b.png': png(2, 2, [0, 0, 255]) });
    const ds = readImageFolder(dir);
    assert.deepEqual(ds.shape, [2, 2, 3]);
    assert.deepEqual([...ds.pixels.subarray(0, 3)], [1, 0, 0]);
  });

  it('rejects images of different sizes without a resize option, naming both files', () => {
    const dir = folder({ 'no/a.png': png(4, 4, [9, 9, 9]), 'yes/b.png': png(5, 4, [9, 9, 9]) });
    assert.throws(
      () => readImageFolder(dir),
      (err: unknown) =>
        err instanceof DatasetError &&
        /b\.png: is 5×4 but .*a\.png is 4×4/.test(err.message) &&
        /resize/.test(err.hint ?? ''),
    );
    const ds = readImageFolder(dir, { resize: [2, 2] });
    assert.deepEqual(ds.shape, [2, 2, 1]);
    assert.ok(Math.abs(ds.pixels[0]! - 9 / 255) < 1e-6);
  });

  it('reports a missing directory, an empty one, one class only, and an undecodable file', () => {
    assert.throws(() => readImageFolder('/no/such/dir'), /directory not found/);
    assert.throws(
      () => readImageFolder(folder({ 'a/readme.txt': Buffer.from('x') })),
      /no PNG or JPEG images/,
    );
    assert.throws(
      () => readImageFolder(folder({ 'cats/a.png': png(2, 2, [1, 1, 1]) })),
      /exactly two values.*'cats \(1 rows\)'/,
    );
    assert.throws(
      () =>
        readImageFolder(folder({ 'no/a.png': Buffer.from('not a png'), 'yes/b.png': png(1, 1, [0, 0, 0]) })),
      /a\.png: cannot decode image/,
    );
  });

  it('reads a pixel CSV with a declared shape and scales 0–255 to [0, 1]', () => {
    const dir = folder({ 'p.csv': Buffer.from('label,p0,p1,p2,p3\n1,0,255,0,255\n0,255,0,255,0\n') });
    const ds = readPixelCsv(join(dir, 'p.csv'), { label: 'label', shape: [2, 2, 1] });
    assert.deepEqual(ds.shape, [2, 2, 1]);
    assert.deepEqual([...ds.pixels], [0, 1, 0, 1, 1, 0, 1, 0]);
    assert.throws(
      () => readPixelCsv(join(dir, 'p.csv'), { label: 'label', shape: [3, 3, 1] }),
      /has 4 pixel columns, expected 9/,
    );
  });
});
