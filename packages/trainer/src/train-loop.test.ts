import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCsvDataset, rocAuc, stratifiedKFold } from '@hpo/core';
import { syntheticImages } from '@hpo/testing';
import { maxMixedError } from '@hpo/testing/tf';
import { initBackend } from './backend.js';
import { buildNetwork, disposeNetwork } from './network.js';
import { DEFAULT_PARAMS, type TrainParams } from './params.js';
import { featureMatrix, labelsOf, prepareTraining } from './prepare.js';
import { fit, predictProba, type TrainingData } from './train-loop.js';

const CHURN = join(dirname(fileURLToPath(import.meta.url)), '../../../examples/churn/churn.csv');

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

  describe('CNNs: the engine and tfjs autodiff train the same net', () => {
    const images = syntheticImages(120, 8, 5);
    const positives = images.labels.reduce((a, b) => a + b, 0);
    const data: TrainingData & { x: Float32Array } = {
      x: images.pixels,
      y: images.labels,
      rows: images.labels.length,
      weights: Float32Array.from(images.labels, (v) =>
        v ? 120 / (2 * positives) : 120 / (2 * (120 - positives)),
      ),
    };
    const cnnBase: TrainParams = {
      ...DEFAULT_PARAMS,
      family: 'cnn',
      convBlocks: 2,
      filters: 4,
      kernelSize: 3,
      denseUnits: 8,
      learningRate: 0.01,
      batchSize: 16,
      epochs: 4,
      patience: 100,
      validationFraction: 0,
      l2: 1e-3,
    };
    const cnnVariants: Partial<TrainParams>[] = [
      { pool: 'max', padding: 'same', convDropout: 0.2, dropout: 0.3 },
      {
        pool: 'avg',
        padding: 'valid',
        activation: 'swish',
        optimizer: 'sgd',
        batchNorm: true,
        denseUnits: 0,
      },
      {
        pool: 'none',
        convBlocks: 1,
        activation: 'tanh',
        optimizer: 'rmsprop',
        learningRate: 0.003,
        batchNorm: true,
        convDropout: 0.1,
      },
      // 8 → 6 → pool 3 → 1: the second block is too small to pool.
      { pool: 'max', padding: 'valid', activation: 'elu', kernelSize: 3, batchSize: 50 },
      { pool: 'max', padding: 'same', activation: 'selu', convBlocks: 1, kernelSize: 5, dropout: 0.2 },
      { pool: 'avg', padding: 'same', activation: 'sigmoid', learningRate: 0.03 },
      // 8 → 7 → pool 3 (an odd size) → 2 → pool 1; batch norm in the blocks and the head, head dropout.
      { pool: 'max', padding: 'valid', kernelSize: 2, batchNorm: true, dropout: 0.3, convDropout: 0.1 },
    ];
    for (const variant of cnnVariants) {
      it(`with ${JSON.stringify(variant)}`, () => {
        const params = { ...cnnBase, ...variant };
        const train = (autodiff: boolean, epochs: number) => {
          const net = buildNetwork(params, [8, 8, 1], 11);
          fit({ net, params: { ...params, epochs }, train: data, seed: 3, autodiff });
          const p = predictProba(net, data.x, data.rows);
          const weights = [...net.weights, ...net.state].map((w) => w.variable.dataSync() as Float32Array);
          disposeNetwork(net);
          return { p, weights };
        };
        // Every weight and moving statistic after one epoch (a few steps)…
        const [a, b] = [train(false, 1), train(true, 1)];
        a.weights.forEach((w, i) => {
          const err = maxMixedError(w, b.weights[i]!);
          assert.ok(err < 1e-4, `variable ${i} differs by ${err}`);
        });
        // …and the predictions after several.
        const engine = train(false, params.epochs).p;
        const err = maxMixedError(engine, train(true, params.epochs).p);
        assert.ok(err < 2e-3, `probabilities differ by ${err}`);
        const untrained = buildNetwork(params, [8, 8, 1], 11);
        const before = predictProba(untrained, data.x, data.rows);
        disposeNetwork(untrained);
        assert.ok(maxMixedError(engine, before) > 0.02, 'training moved the predictions');
      });
    }
  });

  it('the engine leaks no tensors on a CNN with batch norm and dropout, nor on an MLP', async () => {
    const tf = await import('@tensorflow/tfjs');
    const images = syntheticImages(40, 8, 2);
    const cases: Array<[TrainParams, number[], TrainingData]> = [
      [
        {
          ...base,
          family: 'cnn',
          convBlocks: 2,
          filters: 4,
          denseUnits: 8,
          batchNorm: true,
          convDropout: 0.2,
          dropout: 0.2,
          activation: 'swish',
          pool: 'avg',
        },
        [8, 8, 1],
        { x: images.pixels, y: images.labels, rows: 40 },
      ],
      [{ ...base, batchNorm: true, dropout: 0.2 }, [features], train],
    ];
    for (const [params, shape, data] of cases) {
      const net = buildNetwork(params, shape, 1);
      const before = tf.memory().numTensors;
      fit({ net, params, train: data, seed: 1 });
      assert.equal(tf.memory().numTensors, before, `${params.family}: tensors left after fit`);
      disposeNetwork(net);
    }
  });

  it('same seed, same validation AUC (within 1e-3) on the engine and autodiff, on the bundled churn table', () => {
    const ds = readCsvDataset(CHURN, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } });
    const [fold] = stratifiedKFold(ds.labels, 5, 42);
    // What the quickstart samples: dropout, class weights, early stopping on an inner split.
    const params: TrainParams = {
      ...DEFAULT_PARAMS,
      family: 'mlp',
      layers: 2,
      units: 32,
      dropout: 0.25,
      classWeight: 'balanced',
      learningRate: 0.003,
      batchSize: 64,
      epochs: 12,
      patience: 3,
      validationFraction: 0.2,
    };
    const auc = (autodiff: boolean) => {
      const prepared = prepareTraining(ds, fold!.train, params, 7);
      const net = buildNetwork(params, prepared.inputShape, 7);
      fit({ net, params, train: prepared.train, valid: prepared.valid, seed: 7, autodiff });
      const { x } = featureMatrix(ds, prepared.pipeline, fold!.valid);
      const p = predictProba(net, x, fold!.valid.length);
      disposeNetwork(net);
      return rocAuc(labelsOf(ds, fold!.valid), p);
    };
    const engine = auc(false);
    const reference = auc(true);
    assert.ok(engine > 0.75, `validation AUC ${engine}`);
    assert.ok(Math.abs(engine - reference) < 1e-3, `AUC ${engine} (engine) vs ${reference} (autodiff)`);
  });

  it('trains every MLP and CNN through the engine, and through autodiff only when asked', async () => {
    const tf = await import('@tensorflow/tfjs');
    const images = syntheticImages(32, 8, 3);
    const cases: Array<[TrainParams, number[], TrainingData]> = [
      [{ ...base, batchNorm: true, dropout: 0.2, batchSize: 16 }, [features], { ...train, rows: 16 }],
      [
        { ...base, family: 'cnn', convBlocks: 1, filters: 2, denseUnits: 4, batchSize: 16 },
        [8, 8, 1],
        { x: images.pixels, y: images.labels, rows: 16 },
      ],
    ];
    for (const [params, shape, data] of cases) {
      const kernelsOf = async (autodiff: boolean) => {
        const net = buildNetwork(params, shape, 1);
        const profile = await tf.profile(() => {
          fit({ net, params: { ...params, epochs: 1 }, train: data, seed: 1, autodiff });
        });
        disposeNetwork(net);
        return new Set(profile.kernels.map((k) => k.name));
      };
      assert.ok(
        (await kernelsOf(false)).has('HpoOptimizerUpdateAll'),
        `${params.family}: the engine's step ran`,
      );
      assert.ok(
        !(await kernelsOf(true)).has('HpoOptimizerUpdateAll'),
        `${params.family}: autodiff when asked`,
      );
    }
  });

  it("early stopping restores the kept epoch's batch-norm statistics along with its weights", () => {
    const params: TrainParams = { ...base, batchNorm: true, epochs: 12, patience: 2, learningRate: 0.05 };
    const net = buildNetwork(params, [features], 5);
    const states: Float32Array[][] = [];
    const valid = weightedData(200, features, 9);
    const report = fit({
      net,
      params,
      train,
      valid,
      seed: 2,
      onEpoch: () => {
        states.push(net.state.map((s) => s.variable.dataSync().slice() as Float32Array));
        return true;
      },
    });
    assert.ok(
      report.bestEpoch < report.epochs,
      `early stopping kept an earlier epoch (${report.bestEpoch} of ${report.epochs})`,
    );
    const kept = states[report.bestEpoch - 1]!;
    for (const [i, s] of net.state.entries()) assert.deepEqual(s.variable.dataSync(), kept[i], s.name);
    assert.notDeepEqual(states[report.epochs - 1], kept, 'the last epoch had other statistics');
    disposeNetwork(net);
  });

  it('maxMixedError fails on a NaN anywhere, not only in the last element', () => {
    const a = Float32Array.from([0, Number.NaN, 0.5, 0.25]);
    const b = Float32Array.from([0, 0.1, 0.5, 0.25]);
    assert.ok(Number.isNaN(maxMixedError(a, b)));
    assert.ok(!(maxMixedError(a, b) < 1), 'a NaN error passes no tolerance');
    assert.equal(maxMixedError(b, b), 0);
  });
});
