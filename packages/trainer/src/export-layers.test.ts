import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { transformColumns } from '@hpo/core';
import { syntheticImages, syntheticTabular } from '@hpo/testing';
import * as tf from '@tensorflow/tfjs';
import { type TrainedModel, trainModel } from './artifact.js';
import { layersModelFiles } from './export-layers.js';
import { disposeNetwork } from './network.js';
import { predictProba } from './train-loop.js';

/** Loads an export's files with tf.loadLayersModel, as a user of the format would. */
async function load(files: { name: string; data: Uint8Array }[]): Promise<tf.LayersModel> {
  const byName = new Map(files.map((f) => [f.name, f.data]));
  const json = JSON.parse(new TextDecoder().decode(byName.get('model.json')!));
  const weights = byName.get('weights.bin')!;
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest[0].weights,
      weightData: weights.buffer.slice(
        weights.byteOffset,
        weights.byteOffset + weights.byteLength,
      ) as ArrayBuffer,
    }),
  });
}

async function sameOutputs(model: TrainedModel, x: Float32Array, n: number): Promise<number> {
  const files = await layersModelFiles(model, { thresholds: { default: 0.5 } });
  const layers = await load(files);
  try {
    const want = predictProba(model.net, x, n);
    const got = tf.tidy(() =>
      (layers.predict(tf.tensor(x, [n, ...model.net.inputShape])) as tf.Tensor).dataSync(),
    );
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    return worst;
  } finally {
    layers.dispose();
  }
}

describe('TF.js Layers export', () => {
  const table = syntheticTabular(200);
  const rows = Int32Array.from({ length: 200 }, (_, i) => i);
  for (const [name, params] of [
    ['MLP, relu, dropout', { epochs: 3, layers: 2, units: 16, dropout: 0.3 }],
    ['MLP, batch norm, swish', { epochs: 3, layers: 2, units: 8, batchNorm: true, activation: 'swish' }],
    ['MLP, selu, shrinking widths', { epochs: 3, layers: 3, units: 32, shrink: 0.5, activation: 'selu' }],
  ] as const) {
    it(`${name}: tf.loadLayersModel predicts hpo's network output to 1e-5`, async () => {
      const model = await trainModel(table, rows, params, 3);
      try {
        const x = transformColumns(model.pipeline!, table.columns);
        const worst = await sameOutputs(model, x, 200);
        assert.ok(worst < 1e-5, `largest difference ${worst}`);
      } finally {
        disposeNetwork(model.net);
      }
    });
  }

  const images = syntheticImages(60, 12);
  const irows = Int32Array.from({ length: 60 }, (_, i) => i);
  for (const [name, params] of [
    [
      'CNN, max pool, same padding',
      { family: 'cnn', epochs: 2, convBlocks: 2, filters: 4, kernelSize: 3, pool: 'max', denseUnits: 8 },
    ],
    [
      'CNN, batch norm, avg pool, valid padding, conv dropout, no head',
      {
        family: 'cnn',
        epochs: 2,
        convBlocks: 2,
        filters: 4,
        kernelSize: 3,
        pool: 'avg',
        padding: 'valid',
        batchNorm: true,
        convDropout: 0.2,
        denseUnits: 0,
      },
    ],
  ] as const) {
    it(`${name}: tf.loadLayersModel predicts hpo's network output to 1e-5`, async () => {
      const model = await trainModel(images, irows, params, 5);
      try {
        const worst = await sameOutputs(model, images.pixels, 60);
        assert.ok(worst < 1e-5, `largest difference ${worst}`);
      } finally {
        disposeNetwork(model.net);
      }
    });
  }

  it('writes the preprocessing, calibration and thresholds as a sidecar', async () => {
    const model = await trainModel(table, rows, { epochs: 1, layers: 1, units: 4 }, 1);
    try {
      const files = await layersModelFiles(model, {
        thresholds: { default: 0.5, bestF1: 0.3 },
        calibration: { method: 'platt', a: 1.1, b: -0.2 },
      });
      assert.deepEqual(files.map((f) => f.name).sort(), [
        'hpo-preprocessing.json',
        'model.json',
        'weights.bin',
      ]);
      const side = JSON.parse(
        new TextDecoder().decode(files.find((f) => f.name === 'hpo-preprocessing.json')!.data),
      );
      assert.equal(side.format, 'hpo-preprocessing');
      assert.deepEqual(side.calibration, { method: 'platt', a: 1.1, b: -0.2 });
      assert.deepEqual(side.pipeline.featureNames, model.pipeline!.featureNames);
      assert.equal(side.classes.positive, model.classes.positive);
    } finally {
      disposeNetwork(model.net);
    }
  });
});
