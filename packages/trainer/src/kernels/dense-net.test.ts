import assert from 'node:assert/strict';
import { before, describe, it, test } from 'node:test';
import { Rng } from '@hpo/core';
import { maxMixedError, seededValues } from '@hpo/testing/tf';
import * as tf from '@tensorflow/tfjs';
import { activate, DropoutMasks } from '../network.js';
import { DenseNet, type DenseOptimizer, type HiddenActivation, type MaskSource } from './dense-net.js';
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

/** A mask source that keeps what it hands out, so that a reference can replay the same masks. */
class RecordingMasks implements MaskSource {
  readonly given: Float32Array[] = [];
  private readonly inner = new DropoutMasks(new Rng('dense-net-masks'));
  next(size: number, rate: number): Float32Array {
    const m = this.inner.next(size, rate);
    this.given.push(m);
    return m;
  }
}

/**
 * The same MLP as plain variables trained by tfjs autodiff and tfjs' own optimiser (adam,
 * momentum 0.9, rmsprop), on Σ w·BCE(logits) / batch + λ·Σ kernel², with the recorded dropout
 * masks applied in the same order.
 */
function autodiffSteps(
  initial: tf.Tensor[],
  activation: HiddenActivation,
  optimizerName: DenseOptimizer,
  l2: number,
  masks: Float32Array[],
  batches: Array<[tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]>,
  batchNorm = false,
): { weights: tf.Tensor[]; state: tf.Tensor[] } {
  const vars = initial.map((t) => tf.variable(t.clone()));
  // Per hidden layer: [kernel, bias] or, with batch norm, [kernel, bias (unused), γ, β].
  const stride = batchNorm ? 4 : 2;
  const hiddenCount = (vars.length - 2) / stride;
  const moving = Array.from({ length: batchNorm ? hiddenCount : 0 }, (_, j) => {
    const units = vars[j * stride + 2]!.shape[0]!;
    return { mean: tf.variable(tf.zeros([units]), false), variance: tf.variable(tf.ones([units]), false) };
  });
  const optimizer =
    optimizerName === 'adam'
      ? tf.train.adam(0.01, 0.9, 0.999, 1e-7)
      : optimizerName === 'sgd'
        ? tf.train.momentum(0.01, 0.9)
        : tf.train.rmsprop(0.01);
  let m = 0;
  const updates: Array<() => void> = [];
  for (const [x, y, w] of batches) {
    optimizer.minimize(() => {
      let h: tf.Tensor = x;
      for (let j = 0; j < hiddenCount; j++) {
        const i = j * stride;
        const z = tf.matMul(h as tf.Tensor2D, vars[i] as tf.Variable<tf.Rank.R2>);
        if (batchNorm) {
          const { mean, variance } = tf.moments(z, 0);
          const mv = moving[j]!;
          const [mm, vv] = [tf.keep(mean), tf.keep(variance)];
          updates.push(() => {
            mv.mean.assign(tf.add(tf.mul(mv.mean, 0.99), tf.mul(mm, 0.01)));
            mv.variance.assign(tf.add(tf.mul(mv.variance, 0.99), tf.mul(vv, 0.01)));
            tf.dispose([mm, vv]);
          });
          h = activate(tf.batchNorm(z, mean, variance, vars[i + 3]!, vars[i + 2]!, 1e-3), activation);
        } else {
          h = activate(tf.add(z, vars[i + 1]!), activation);
        }
        if (masks.length > 0) h = tf.mul(h, tf.tensor(masks[m++]!, h.shape));
      }
      const z = tf.add(
        tf.matMul(h as tf.Tensor2D, vars[vars.length - 2] as tf.Variable<tf.Rank.R2>),
        vars[vars.length - 1]!,
      );
      const perSample = tf.sub(tf.softplus(z), tf.mul(y, z));
      const data = tf.div(tf.sum(tf.mul(perSample, w)), x.shape[0]);
      const kernels = vars.filter(
        (_, i) => i === vars.length - 2 || (i < vars.length - 2 && i % stride === 0),
      );
      return tf.add(data, tf.mul(l2, tf.addN(kernels.map((k) => tf.sum(tf.square(k)))))) as tf.Scalar;
    });
    tf.tidy(() => {
      for (const update of updates.splice(0)) update();
    });
  }
  const weights = vars.map((v) => v.clone());
  const state = moving.flatMap((mv) => [mv.mean.clone(), mv.variance.clone()]);
  tf.dispose([...vars, ...moving.flatMap((mv) => [mv.mean, mv.variance])]);
  optimizer.dispose();
  return { weights, state };
}

/** Batches of `sizes` rows (the last ones need not match) with 0/1 labels and class-like weights. */
function batchesOf(inputSize: number, sizes: number[]): Array<[tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]> {
  return sizes.map((rows, i) => [
    tf.tensor2d(seededValues(rows * inputSize, 100 + i), [rows, inputSize]),
    tf.tensor2d(
      Array.from(seededValues(rows, 200 + i), (v) => (v > 0.2 ? 1 : 0)),
      [rows, 1],
    ),
    tf.tensor2d(
      Array.from(seededValues(rows, 300 + i), (v) => (v > 0.2 ? 2.5 : 0.6)),
      [rows, 1],
    ),
  ]);
}

function compareWithAutodiff(options: {
  shape: [number, number[]];
  activation: HiddenActivation;
  optimizer: DenseOptimizer;
  dropout: number;
  l2: number;
  sizes: number[];
  batchNorm?: boolean;
}): void {
  const [inputSize, hiddenUnits] = options.shape;
  const masks = new RecordingMasks();
  const net = new DenseNet({
    inputSize,
    hiddenUnits,
    activation: options.activation,
    optimizer: options.optimizer,
    learningRate: 0.01,
    l2: options.l2,
    dropout: options.dropout,
    masks,
    seed: 5,
    batchNorm: options.batchNorm ?? false,
  });
  const batches = batchesOf(inputSize, options.sizes);
  const initial = net.getWeights().map((t) => t.clone());
  for (const [x, y, w] of batches) net.trainStep(x, y, tf.div(w, x.shape[0]) as tf.Tensor2D);
  assert.equal(masks.given.length, options.dropout > 0 ? hiddenUnits.length * batches.length : 0);
  const reference = autodiffSteps(
    initial,
    options.activation,
    options.optimizer,
    options.l2,
    masks.given,
    batches,
    options.batchNorm,
  );
  // The weights, then batch norm's moving statistics.
  const expected = [...reference.weights, ...reference.state];
  const got = [...net.getWeights(), ...net.getState()];
  assert.equal(got.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = maxMixedError(got[i]!.dataSync() as Float32Array, expected[i]!.dataSync() as Float32Array);
    assert.ok(err < 1e-4, `weight ${i}: error ${err}`);
  }
  const moved = maxMixedError(got[0]!.dataSync() as Float32Array, initial[0]!.dataSync() as Float32Array);
  assert.ok(moved > 1e-3, `weights barely moved (${moved})`);
  tf.dispose([...expected, ...initial, ...batches.flat()]);
  net.dispose();
}

const ACTIVATIONS: HiddenActivation[] = ['relu', 'tanh', 'elu', 'selu', 'sigmoid', 'swish', 'linear'];
const OPTIMIZERS: DenseOptimizer[] = ['adam', 'sgd', 'rmsprop'];

describe('DenseNet matches tfjs autodiff with tfjs optimisers after several steps', () => {
  before(async () => {
    await tf.setBackend('wasm');
  });
  for (const activation of ACTIVATIONS) {
    for (const optimizer of OPTIMIZERS) {
      it(`${activation}, ${optimizer}, dropout 0.3, L2, class weights, a short last batch`, () => {
        compareWithAutodiff({
          shape: [5, [8, 4]],
          activation,
          optimizer,
          dropout: 0.3,
          l2: 0.01,
          sizes: [6, 6, 6, 4],
        });
      });
    }
  }
  // Not linear: two batch-normalised linear layers make the first β cancel out, so its gradient
  // is rounding noise that Adam and RMSprop scale up to full steps on either side.
  for (const activation of ACTIVATIONS.filter((a) => a !== 'linear')) {
    it(`batch norm: ${activation}, dropout 0.2, RMSprop and Adam, moving statistics`, () => {
      for (const optimizer of ['rmsprop', 'adam'] as const) {
        compareWithAutodiff({
          shape: [5, [8, 4]],
          activation,
          optimizer,
          dropout: 0.2,
          l2: 0.01,
          sizes: [6, 6, 6, 4],
          batchNorm: true,
        });
      }
    });
  }
  it('batch norm with SGD, one hidden layer, no dropout', () => {
    compareWithAutodiff({
      shape: [6, [5]],
      activation: 'relu',
      optimizer: 'sgd',
      dropout: 0,
      l2: 0,
      sizes: [10, 10, 7],
      batchNorm: true,
    });
  });
  it('without dropout the step draws no masks', () => {
    compareWithAutodiff({
      shape: [5, [8, 4]],
      activation: 'selu',
      optimizer: 'rmsprop',
      dropout: 0,
      l2: 0,
      sizes: [6, 6, 3],
    });
  });
  it('one-unit hidden layers', () => {
    compareWithAutodiff({
      shape: [4, [1, 1]],
      activation: 'elu',
      optimizer: 'adam',
      dropout: 0.2,
      l2: 0,
      sizes: [8, 8, 8, 5],
    });
  });
  it('wide fan-in, one hidden layer, a batch of one', () => {
    compareWithAutodiff({
      shape: [300, [3]],
      activation: 'swish',
      optimizer: 'sgd',
      dropout: 0.5,
      l2: 0.001,
      sizes: [16, 16, 1],
    });
  });
  it('three hidden layers of different widths on the cpu backend', async () => {
    await tf.setBackend('cpu');
    try {
      compareWithAutodiff({
        shape: [7, [12, 6, 3]],
        activation: 'tanh',
        optimizer: 'rmsprop',
        dropout: 0.1,
        l2: 0.01,
        sizes: [9, 9, 2],
      });
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

test('DropoutMasks keeps about 1 − rate of the units, scaled by 1/(1 − rate), and is seeded', () => {
  const a = new DropoutMasks(new Rng(1)).next(100_000, 0.3);
  const kept = a.filter((v) => v !== 0);
  assert.ok(Math.abs(kept.length / a.length - 0.7) < 0.01, `kept ${kept.length / a.length}`);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6));
  assert.deepEqual(new DropoutMasks(new Rng(1)).next(1000, 0.3), a.subarray(0, 1000));
  assert.ok(
    new DropoutMasks(new Rng(1)).next(10, 0).every((v) => v === 1),
    'rate 0 keeps every unit',
  );
});

test('DenseNet refuses dropout without a mask source and rates outside [0, 1)', () => {
  assert.throws(() => new DenseNet({ inputSize: 2, hiddenUnits: [2], dropout: 0.2 }), /mask source/);
  assert.throws(
    () => new DenseNet({ inputSize: 2, hiddenUnits: [2], dropout: 1, masks: new RecordingMasks() }),
    /\[0, 1\)/,
  );
});

for (const [what, extra] of [
  ['plain', {}],
  [
    'batch norm, dropout, swish, RMSprop',
    { batchNorm: true, dropout: 0.3, masks: new RecordingMasks(), activation: 'swish', optimizer: 'rmsprop' },
  ],
] as const)
  test(`DenseNet training steps leak no tensors (${what})`, async () => {
    await tf.setBackend('wasm');
    const net = new DenseNet({ inputSize: 5, hiddenUnits: [8, 4], ...extra });
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
