import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { maxMixedError } from '@hpo/testing/tf';
import { initBackend } from './backend.js';
import { buildNetwork, disposeNetwork } from './network.js';
import { DEFAULT_PARAMS, type TrainParams } from './params.js';
import { canTrainFast, fit, predictProba, type TrainingData } from './train-loop.js';

process.env.HPO_LOG = 'silent';

before(async () => {
  await initBackend();
});

/** An imbalanced table (about 1 positive in 6) with balanced class weights, like classWeight: balanced. */
function weightedData(rows: number, features: number, seed: number): TrainingData & { x: Float32Array } {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const x = new Float32Array(rows * features);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    let score = 0;
    for (let j = 0; j < features; j++) {
      const v = next() * 2 - 1;
      x[i * features + j] = v;
      if (j < 3) score += v;
    }
    y[i] = score + 0.3 * (next() - 0.5) > 0.9 ? 1 : 0;
  }
  const positives = y.reduce((a, b) => a + b, 0);
  const weights = Float32Array.from(y, (v) => (v ? rows / (2 * positives) : rows / (2 * (rows - positives))));
  return { x, y, rows, weights };
}

describe('fit: one loss definition on every path', () => {
  const features = 6;
  const train = weightedData(600, features, 7);
  const base: TrainParams = {
    ...DEFAULT_PARAMS,
    family: 'mlp',
    layers: 2,
    units: 16,
    activation: 'relu',
    dropout: 0,
    l2: 1e-3,
    optimizer: 'adam',
    learningRate: 0.01,
    batchSize: 32,
    epochs: 6,
    patience: 100,
    validationFraction: 0,
  };
  const run = (params: TrainParams, autodiff: boolean) => {
    const net = buildNetwork(params, [features], 11);
    assert.equal(canTrainFast(net, params), true, 'these params take the hand-written step');
    fit({ net, params, train, seed: 3, autodiff });
    const p = predictProba(net, train.x, train.rows);
    disposeNetwork(net);
    return p;
  };

  it('the hand-written MLP step and tfjs autodiff train the same weighted objective (Keras: Σ w·BCE / batch)', () => {
    const err = maxMixedError(run(base, false), run(base, true));
    // Float32 sums in another order over 114 Adam steps: small. Dividing by Σw instead of the
    // batch size (the old autodiff loss) moved probabilities by up to 0.035.
    assert.ok(err < 2e-3, `probabilities differ by ${err}`);
  });

  // What sampled configurations reach: dropout is rarely exactly 0. Both paths draw the network's
  // dropout masks in the same order, so the same seed trains the same net on either.
  const variants: Partial<TrainParams>[] = [
    { dropout: 0.2 },
    { dropout: 0.35, activation: 'selu', optimizer: 'sgd', learningRate: 0.05 },
    { dropout: 0.1, activation: 'swish', optimizer: 'rmsprop', learningRate: 0.003 },
    { dropout: 0.5, activation: 'elu', layers: 3, shrink: 0.5 },
    { activation: 'sigmoid', optimizer: 'sgd', learningRate: 0.1, l2: 0 },
    { activation: 'tanh', optimizer: 'rmsprop', learningRate: 0.003, dropout: 0.25, batchSize: 50 },
    { batchNorm: true },
    { batchNorm: true, dropout: 0.3, activation: 'swish', optimizer: 'sgd', learningRate: 0.02 },
  ];
  for (const variant of variants) {
    it(`and agree with ${JSON.stringify(variant)}`, () => {
      const params = { ...base, ...variant };
      const engine = run(params, false);
      const err = maxMixedError(engine, run(params, true));
      assert.ok(err < 2e-3, `probabilities differ by ${err}`);
      // The nets learned something, so agreement is not that of two untrained nets.
      const untrained = buildNetwork(params, [features], 11);
      const before = predictProba(untrained, train.x, train.rows);
      disposeNetwork(untrained);
      assert.ok(maxMixedError(engine, before) > 0.05, 'training moved the predictions');
    });
  }

  it('different seeds draw different dropout masks', () => {
    const params = { ...base, dropout: 0.3 };
    const a = buildNetwork(params, [features], 1);
    const b = buildNetwork(params, [features], 2);
    assert.notDeepEqual(a.masks.next(64, 0.3), b.masks.next(64, 0.3));
    disposeNetwork(a);
    disposeNetwork(b);
  });

  it('maxMixedError fails on a NaN anywhere, not only in the last element', () => {
    const a = Float32Array.from([0, Number.NaN, 0.5, 0.25]);
    const b = Float32Array.from([0, 0.1, 0.5, 0.25]);
    assert.ok(Number.isNaN(maxMixedError(a, b)));
    assert.ok(!(maxMixedError(a, b) < 1), 'a NaN error passes no tolerance');
    assert.equal(maxMixedError(b, b), 0);
  });
});
