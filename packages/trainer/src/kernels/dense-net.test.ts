import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { maxMixedError, seededValues } from '@hpo/testing/tf';
import * as tf from '@tensorflow/tfjs';
import { DenseNet, type HiddenActivation } from './dense-net.js';
import { registerWasmTrainingKernels, useWasmBackend } from './index.js';

before(async () => {
  registerWasmTrainingKernels();
  await useWasmBackend();
});

/** The same MLP as a layers model trained by tf.train.adam on Keras' weighted BCE. */
function referenceSteps(
  net: DenseNet,
  activation: HiddenActivation,
  l2: number,
  batches: Array<[tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]>,
): tf.Tensor[] {
  const model = tf.sequential();
  const layer = (units: number, act: string, inputShape?: number[]) =>
    tf.layers.dense({
      units,
      activation: act as 'relu',
      ...(inputShape ? { inputShape } : {}),
    });
  model.add(layer(8, activation, [5]));
  model.add(layer(4, activation));
  model.add(layer(1, 'sigmoid'));
  model.setWeights(net.getWeights());
  const optimizer = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
  for (const [x, y, w] of batches) {
    optimizer.minimize(() => {
      const p = model.apply(x, { training: true }) as tf.Tensor;
      // Logit-space BCE so that the comparison does not depend on probability clipping.
      const z = tf.log(tf.div(p, tf.sub(1, p)));
      const perSample = tf.sub(tf.softplus(z), tf.mul(y, z));
      const data = tf.mean(tf.mul(perSample, w));
      // Keras' l2(λ) penalty, λ·Σw² over the kernels, written out (Sequential.losses is empty).
      const kernels = model.trainableWeights.filter((w) => w.name.includes('kernel'));
      const penalty = tf.mul(l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k.read())))));
      return tf.add(data, penalty) as tf.Scalar;
    });
  }
  const weights = model.getWeights().map((t) => t.clone());
  model.dispose();
  optimizer.dispose();
  return weights;
}

for (const backend of ['wasm', 'cpu']) {
  for (const activation of ['relu', 'tanh', 'linear'] as const) {
    for (const l2 of [0, 0.01]) {
      test(`DenseNet on ${backend} (${activation}, l2=${l2}) matches tf.train.adam on a layers model`, async () => {
        await tf.setBackend(backend);
        const net = new DenseNet({
          inputSize: 5,
          hiddenUnits: [8, 4],
          activation,
          learningRate: 0.01,
          l2,
          seed: 3,
        });
        const batches: Array<[tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]> = [0, 1, 2, 3].map((i) => [
          tf.tensor2d(seededValues(6 * 5, 10 + i), [6, 5]),
          tf.tensor2d(
            Array.from(seededValues(6, 20 + i), (v) => (v > 0 ? 1 : 0)),
            [6, 1],
          ),
          tf.tensor2d(
            Array.from(seededValues(6, 30 + i), (v) => 1.5 + v),
            [6, 1],
          ),
        ]);
        const initial = net.getWeights().map((t) => t.dataSync().slice());
        const expected = referenceSteps(net, activation, l2, batches);
        for (const [x, y, w] of batches) net.trainStep(x, y, tf.div(w, 6) as tf.Tensor2D);
        const got = net.getWeights();
        for (let i = 0; i < expected.length; i++) {
          const err = maxMixedError(
            got[i]?.dataSync() as Float32Array,
            expected[i]?.dataSync() as Float32Array,
          );
          assert.ok(err < 1e-4, `weight ${i}: error ${err}`);
        }
        // The weights moved, so the comparison is not vacuous.
        const moved = maxMixedError(got[0]?.dataSync() as Float32Array, initial[0] as Float32Array);
        assert.ok(moved > 1e-3, `weights barely moved (${moved})`);
        tf.dispose(expected);
        net.dispose();
        tf.dispose(batches.flat());
      });
    }
  }
}

test('DenseNet training steps leak no tensors', async () => {
  await tf.setBackend('wasm');
  const net = new DenseNet({ inputSize: 5, hiddenUnits: [8, 4] });
  const x = tf.tensor2d(seededValues(32 * 5, 1), [32, 5]);
  const y = tf.round(tf.tensor2d(seededValues(32, 2), [32, 1]).add(1).div(2)) as tf.Tensor2D;
  net.trainStep(x, y);
  const before = tf.memory();
  for (let i = 0; i < 10; i++) net.trainStep(x, y);
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
  const loss = net.loss(x, y);
  assert.ok(Number.isFinite(loss.dataSync()[0]));
  tf.dispose([loss, x, y]);
  net.dispose();
});
