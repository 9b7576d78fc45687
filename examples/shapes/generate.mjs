// Generates the bundled image example: 16×16 grayscale PNGs in images/<class>/, class "cross"
// (a bright plus sign somewhere, 1 in 3 images) against "other" (a filled square or a bar).
// Deterministic; run with `node examples/shapes/generate.mjs` after `npm run build`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Rng } from '@hpo/core';
import { PNG } from 'pngjs';

const SIZE = 16;
const rng = new Rng('shapes-example');
const root = new URL('./images/', import.meta.url);
rmSync(root, { recursive: true, force: true });
for (const cls of ['cross', 'other']) mkdirSync(new URL(`${cls}/`, root), { recursive: true });

function image(draw) {
  const px = new Float32Array(SIZE * SIZE).map(() => rng.uniform(0, 0.35));
  draw((x, y, v) => {
    if (x >= 0 && y >= 0 && x < SIZE && y < SIZE) px[y * SIZE + x] = v;
  });
  const png = new PNG({ width: SIZE, height: SIZE, colorType: 0 });
  for (const [i, v] of px.entries()) png.data.set([v * 255, v * 255, v * 255, 255], i * 4);
  return PNG.sync.write(png, { colorType: 0 });
}

let n = 0;
for (let i = 0; i < 360; i++) {
  const cross = i % 3 === 0;
  const cx = 3 + rng.int(SIZE - 6);
  const cy = 3 + rng.int(SIZE - 6);
  const v = rng.uniform(0.7, 1);
  const bytes = image((set) => {
    if (cross) {
      for (let d = -2; d <= 2; d++) {
        set(cx + d, cy, v);
        set(cx, cy + d, v);
      }
    } else if (rng.next() < 0.5) {
      for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) set(cx + dx, cy + dy, v);
    } else {
      for (let d = -2; d <= 2; d++) set(cx + d, cy, v);
    }
  });
  writeFileSync(new URL(`${cross ? 'cross' : 'other'}/${String(i).padStart(3, '0')}.png`, root), bytes);
  n++;
}
console.log(`wrote ${n} images to ${root.pathname}`);
