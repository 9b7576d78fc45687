import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Calibration, Column, TabularDataset } from '@hpo/core';
import { syntheticImages, syntheticTabular } from '@hpo/testing';
import * as ort from 'onnxruntime-node';
import { type TrainedModel, trainModel } from './artifact.js';
import { OnnxExportError, onnxModelBytes } from './export-onnx.js';
import { disposeNetwork } from './network.js';
import { predictColumns, predictPixels } from './predict.js';

process.env.HPO_LOG = 'silent';

/** The ONNX model's probabilities for raw columns (NaN and "" for missing). */
async function runTable(bytes: Uint8Array, columns: Column[], n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  for (const c of columns) {
    if (!session.inputNames.includes(c.name)) continue;
    feeds[c.name] =
      c.kind === 'numeric'
        ? new ort.Tensor('float32', Float32Array.from(c.values), [n, 1])
        : new ort.Tensor(
            'string',
            Array.from(c.codes, (k) => (k < 0 ? '' : c.categories[k]!)),
            [n, 1],
          );
  }
  const out = await session.run(feeds);
  return out.probability!.data as Float32Array;
}

function worstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** A table with missing numbers, a missing category and a category the model never saw. */
function rawRows(ds: TabularDataset): { columns: Column[]; n: number } {
  const n = 40;
  const columns = ds.columns.map((c): Column => {
    if (c.kind === 'numeric') {
      const values = Float64Array.from(c.values.subarray(0, n));
      values[1] = Number.NaN;
      values[5] = Number.NaN;
      return { ...c, values };
    }
    const codes = Int32Array.from(c.codes.subarray(0, n));
    codes[2] = -1;
    codes[3] = c.categories.length; // unseen
    return { ...c, categories: [...c.categories, 'never-seen'], codes };
  });
  return { columns, n };
}

describe('ONNX export', () => {
  const table = syntheticTabular(300, 6);
  const rows = Int32Array.from({ length: 300 }, (_, i) => i);
  const calibrations: [string, Calibration][] = [
    ['none', { method: 'none' }],
    ['platt', { method: 'platt', a: 0.8, b: -0.4 }],
    ['isotonic', { method: 'isotonic', x: [0.1, 0.3, 0.5, 0.9], y: [0.05, 0.2, 0.2, 0.7] }],
  ];
  for (const [name, params] of [
    ['MLP, relu, dropout, mean imputer, standard scaler', { epochs: 3, layers: 2, units: 16, dropout: 0.2 }],
    [
      'MLP, batch norm, swish, median imputer, min-max scaler',
      {
        epochs: 3,
        layers: 2,
        units: 8,
        batchNorm: true,
        activation: 'swish',
        imputer: 'median',
        scaler: 'minmax',
      },
    ],
    [
      'MLP, selu, most-frequent imputer, constant categorical fill',
      {
        epochs: 3,
        layers: 1,
        units: 8,
        activation: 'selu',
        imputer: 'most_frequent',
        categoricalImputer: 'constant',
      },
    ],
  ] as const) {
    it(`${name}: onnxruntime-node matches predict to 1e-5 on raw rows, with each calibration`, async () => {
      const model = await trainModel(table, rows, params, 3);
      try {
        const { columns, n } = rawRows(table);
        for (const [cname, calibration] of calibrations) {
          const calibrated: TrainedModel = { ...model, calibration };
          const want = predictColumns(calibrated, columns).probability;
          const got = await runTable(
            onnxModelBytes(calibrated, { thresholds: { default: 0.5 }, calibration }),
            columns,
            n,
          );
          assert.ok(
            worstDifference(got, want) < 1e-5,
            `${cname}: largest difference ${worstDifference(got, want)}`,
          );
        }
      } finally {
        disposeNetwork(model.net);
      }
    });
  }

  const images = syntheticImages(40, 12);
  const irows = Int32Array.from({ length: 40 }, (_, i) => i);
  for (const [name, params] of [
    [
      'CNN, max pool, same padding, dense head',
      { family: 'cnn', epochs: 2, convBlocks: 2, filters: 4, kernelSize: 3, pool: 'max', denseUnits: 8 },
    ],
    [
      'CNN, batch norm, avg pool, valid padding, no head',
      {
        family: 'cnn',
        epochs: 2,
        convBlocks: 2,
        filters: 4,
        kernelSize: 3,
        pool: 'avg',
        padding: 'valid',
        batchNorm: true,
        denseUnits: 0,
      },
    ],
  ] as const) {
    it(`${name}: onnxruntime-node matches predict to 1e-5 on raw pixels`, async () => {
      const model = await trainModel(images, irows, params, 5);
      try {
        const raw = Float32Array.from(images.pixels, (v) => v * images.pixelScale);
        const want = predictPixels(model, images.pixels).probability;
        const session = await ort.InferenceSession.create(
          onnxModelBytes(model, { thresholds: { default: 0.5 } }),
        );
        const out = await session.run({ pixels: new ort.Tensor('float32', raw, [40, ...images.shape]) });
        const got = out.probability!.data as Float32Array;
        assert.ok(worstDifference(got, want) < 1e-5, `largest difference ${worstDifference(got, want)}`);
      } finally {
        disposeNetwork(model.net);
      }
    });
  }

  it('refuses the kNN imputer, naming the step', async () => {
    const model = await trainModel(table, rows, { epochs: 1, layers: 1, units: 4, imputer: 'knn' }, 1);
    try {
      assert.throws(
        () => onnxModelBytes(model, { thresholds: { default: 0.5 } }),
        (e: unknown) => e instanceof OnnxExportError && /kNN imputer/.test((e as Error).message),
      );
    } finally {
      disposeNetwork(model.net);
    }
  });
});
