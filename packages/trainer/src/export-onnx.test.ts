import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Calibration, Column, TabularDataset } from '@hpo/core';
import { syntheticImages, syntheticTabular } from '@hpo/testing';
import * as ort from 'onnxruntime-node';
import { type TrainedModel, trainModel } from './artifact.js';
import { OnnxExportError, onnxModelBytes } from './export-onnx.js';
import { disposeNetwork } from './network.js';
import { predictColumns, predictPixels } from './predict.js';

/** Missing categories as users have them: '', or a marker in some case. */
const MARKERS = ['', 'NA', 'none', 'N/A'];

/** The ONNX model's probabilities for raw columns (NaN and a missing marker for missing). */
async function runTable(bytes: Uint8Array, columns: Column[], n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  for (const c of columns) {
    if (!session.inputNames.includes(c.name)) continue;
    if (c.kind === 'numeric') {
      feeds[c.name] = new ort.Tensor('float64', Float64Array.from(c.values), [n, 1]);
    } else {
      const cells = Array.from(c.codes, (k, i) => (k < 0 ? MARKERS[i % MARKERS.length]! : c.categories[k]!));
      feeds[c.name] = new ort.Tensor('string', cells, [n, 1]);
    }
  }
  const out = await session.run(feeds);
  return out.probability!.data as Float32Array;
}

function worstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** A table with missing numbers, missing categories and a category the model never saw. */
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
    for (const i of [2, 7, 9, 12]) codes[i] = -1;
    codes[3] = c.categories.length; // unseen
    return { ...c, categories: [...c.categories, 'never-seen'], codes };
  });
  return { columns, n };
}

const calibrations: [string, Calibration][] = [
  ['none', { method: 'none' }],
  ['platt', { method: 'platt', a: 0.8, b: -0.4 }],
  ['isotonic', { method: 'isotonic', x: [0.1, 0.3, 0.5, 0.9], y: [0.05, 0.2, 0.2, 0.7] }],
];

describe('ONNX export', () => {
  const table = syntheticTabular(300, 6);
  const rows = Int32Array.from({ length: 300 }, (_, i) => i);
  const mlps: [string, Record<string, string | number | boolean>][] = [
    ['relu, dropout, mean imputer, standard scaler', { layers: 2, units: 16, dropout: 0.2 }],
    [
      'batch norm, swish, median imputer, min-max scaler',
      { layers: 2, units: 8, batchNorm: true, activation: 'swish', imputer: 'median', scaler: 'minmax' },
    ],
    [
      'selu, most-frequent imputer, constant categorical fill',
      { layers: 1, units: 8, activation: 'selu', imputer: 'most_frequent', categoricalImputer: 'constant' },
    ],
    [
      'elu, most-frequent categorical fill, no scaler',
      { layers: 1, units: 8, activation: 'elu', categoricalImputer: 'most_frequent', scaler: 'none' },
    ],
    ['tanh', { layers: 2, units: 8, activation: 'tanh' }],
    ['sigmoid', { layers: 1, units: 8, activation: 'sigmoid' }],
  ];
  for (const [name, params] of mlps) {
    it(`MLP, ${name}: onnxruntime-node matches predict to 1e-5 on raw rows, with each calibration`, async () => {
      const model = await trainModel(table, rows, { epochs: 3, ...params }, 3);
      try {
        const { columns, n } = rawRows(table);
        for (const [cname, calibration] of calibrations) {
          const calibrated: TrainedModel = { ...model, calibration };
          const want = predictColumns(calibrated, columns).probability;
          const bytes = onnxModelBytes(calibrated, { thresholds: { default: 0.5 }, calibration });
          const got = await runTable(bytes, columns, n);
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

  it('a confident network with Platt calibration still matches (logits far from 0)', async () => {
    const model = await trainModel(table, rows, { epochs: 3, layers: 1, units: 8 }, 2);
    try {
      // Scale the output layer so that logits reach far out: probabilities within 1e-8 of 0 or 1.
      const out = model.net.weights.find((w) => w.name === 'output/kernel')!.variable;
      out.assign(out.mul(40));
      const { columns, n } = rawRows(table);
      const calibration: Calibration = { method: 'platt', a: 0.6, b: -3 };
      const calibrated: TrainedModel = { ...model, calibration };
      const want = predictColumns(calibrated, columns).probability;
      const got = await runTable(
        onnxModelBytes(calibrated, { thresholds: { default: 0.5 }, calibration }),
        columns,
        n,
      );
      assert.ok(worstDifference(got, want) < 1e-5, `largest difference ${worstDifference(got, want)}`);
    } finally {
      disposeNetwork(model.net);
    }
  });

  const images = syntheticImages(40, 12);
  const irows = Int32Array.from({ length: 40 }, (_, i) => i);
  const cnns: [string, Record<string, string | number | boolean>][] = [
    [
      'max pool, same padding, dense head',
      { convBlocks: 2, filters: 4, kernelSize: 3, pool: 'max', denseUnits: 8 },
    ],
    [
      'batch norm, avg pool, valid padding, no head',
      {
        convBlocks: 2,
        filters: 4,
        kernelSize: 3,
        pool: 'avg',
        padding: 'valid',
        batchNorm: true,
        denseUnits: 0,
      },
    ],
    [
      'no pooling, 5×5 kernel, elu',
      { convBlocks: 1, filters: 2, kernelSize: 5, pool: 'none', activation: 'elu', denseUnits: 4 },
    ],
  ];
  for (const [name, params] of cnns) {
    it(`CNN, ${name}: onnxruntime-node matches predict to 1e-5 on raw pixels`, async () => {
      const model = await trainModel(images, irows, { family: 'cnn', epochs: 2, ...params }, 5);
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
