import { type ImageDataset, Rng, type TabularDataset } from '@hpo/core';

/**
 * A small tabular problem with signal in the first `informative` features, a categorical
 * column, ~10% missing numeric values and ~20% positives. For tests and the benchmark.
 */
export function syntheticTabular(rows: number, features = 8, seed = 1, informative = 3): TabularDataset {
  const rng = new Rng(seed);
  const values = Array.from({ length: features }, () => new Float64Array(rows));
  const codes = new Int32Array(rows);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let score = 0;
    for (let j = 0; j < features; j++) {
      const v = rng.normal();
      values[j]![i] = rng.next() < 0.1 ? Number.NaN : v;
      if (j < informative) score += v;
    }
    codes[i] = rng.int(3);
    score += codes[i] === 2 ? 1 : 0;
    labels[i] = score + rng.normal(0, 0.5) > 1.6 ? 1 : 0;
  }
  return {
    kind: 'tabular',
    classes: { label: 'y', positive: '1', negative: '0' },
    columns: [
      ...values.map((v, j) => ({ kind: 'numeric' as const, name: `f${j}`, values: v })),
      { kind: 'categorical', name: 'group', categories: ['a', 'b', 'c'], codes },
    ],
    labels,
  };
}

/** Tiny images: positives have a bright square in the top-left quadrant. */
export function syntheticImages(rows: number, size = 8, seed = 1): ImageDataset {
  const rng = new Rng(seed);
  const pixels = new Float32Array(rows * size * size);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    labels[i] = i % 3 === 0 ? 1 : 0;
    for (let p = 0; p < size * size; p++) pixels[i * size * size + p] = rng.next() * 0.3;
    if (labels[i]) {
      for (let y = 1; y < size / 2; y++)
        for (let x = 1; x < size / 2; x++) pixels[i * size * size + y * size + x] = 0.9;
    }
  }
  return {
    kind: 'images',
    classes: { label: 'class', positive: 'yes', negative: 'no' },
    shape: [size, size, 1],
    pixels,
    labels,
    pixelScale: 255,
  };
}
