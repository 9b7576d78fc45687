import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { foldResultSchema, stratifiedKFold } from '@hpo/core';
import { syntheticImages, syntheticTabular } from '@hpo/testing';
import { initBackend } from './backend.js';
import { TrainingStopped } from './errors.js';
import { liveTensors, trainFold } from './fold.js';

describe('trainFold', () => {
  const ds = syntheticTabular(600);
  const [fold] = stratifiedKFold(ds.labels, 3, 7);
  before(async () => {
    await initBackend();
  });

  it('learns an imbalanced tabular problem with class weights and reports metrics, timings and backend', async () => {
    const base = liveTensors();
    const out = await trainFold({
      dataset: ds,
      train: fold!.train,
      valid: fold!.valid,
      params: { classWeight: 'balanced', epochs: 30 },
      seed: 1,
    });
    assert.ok(out.metrics.rocAuc > 0.85, `ROC AUC ${out.metrics.rocAuc}`);
    assert.ok(out.metrics.recall > 0.5, 'balanced class weights find positives');
    assert.ok(out.epochs >= 1 && out.epochs <= 30);
    assert.ok(['wasm', 'cpu', 'tensorflow'].includes(out.backend.name));
    assert.equal(out.nValid, fold!.valid.length);
    assert.ok(out.timings.trainMs > 0);
    // No curve points travel with a result (the report draws them from the out-of-fold block):
    // what is sent is the contract's, and the schema still reads logs that have them.
    assert.equal('curves' in out.metrics, false);
    const { validProba: _p, ...result } = out;
    assert.equal(foldResultSchema.safeParse(result).success, true);
    const legacy = {
      ...result,
      metrics: {
        ...result.metrics,
        curves: { roc: { fpr: [0, 1], tpr: [0, 1] }, pr: { precision: [1, 0.5], recall: [0, 1] } },
      },
    };
    assert.equal(foldResultSchema.safeParse(legacy).success, true);
    assert.equal(liveTensors(), base, 'no tensors leak from a fold');
  });

  it('is deterministic under a seed and differs across seeds', async () => {
    const run = (seed: number) =>
      trainFold({
        dataset: ds,
        train: fold!.train,
        valid: fold!.valid,
        params: { epochs: 5, dropout: 0.2, resample: 'smote' },
        seed,
      });
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    assert.deepEqual(a.validProba, b.validProba);
    assert.equal(a.metrics.rocAuc, b.metrics.rocAuc);
    assert.notDeepEqual(a.validProba, c.validProba);
  });

  it('stops between two batches when asked, on both training paths, leaking no tensors', async () => {
    const base = liveTensors();
    for (const params of <Record<string, string | number | boolean>[]>[
      { epochs: 10_000, batchSize: 16 }, // plain MLP: the hand-written backward pass
      { epochs: 10_000, batchSize: 16, dropout: 0.2 }, // through tfjs' autodiff
    ]) {
      let asked = 0;
      await assert.rejects(
        trainFold({
          dataset: ds,
          train: fold!.train,
          valid: fold!.valid,
          params,
          seed: 1,
          shouldStop: () => ++asked > 50,
        }),
        (err: Error) => err instanceof TrainingStopped,
      );
      assert.equal(asked, 51, 'stopped at the first batch after the request');
      assert.equal(liveTensors(), base, JSON.stringify(params));
    }
  });

  it('leaks no tensors with batch norm, dropout, L2, undersampling and SGD', async () => {
    const base = liveTensors();
    for (const params of <Record<string, string | number | boolean>[]>[
      { batchNorm: true, dropout: 0.3, l2: 1e-3, epochs: 3, activation: 'selu' },
      { resample: 'undersample', optimizer: 'sgd', epochs: 3, imputer: 'knn' },
      { optimizer: 'rmsprop', layers: 1, epochs: 3, validationFraction: 0 },
    ]) {
      await trainFold({ dataset: ds, train: fold!.train, valid: fold!.valid, params, seed: 2 });
      assert.equal(liveTensors(), base, JSON.stringify(params));
    }
  });

  it('trains a CNN on images', async () => {
    const images = syntheticImages(90);
    const [f] = stratifiedKFold(images.labels, 3, 1);
    const base = liveTensors();
    const out = await trainFold({
      dataset: images,
      train: f!.train,
      valid: f!.valid,
      params: {
        family: 'cnn',
        convBlocks: 2,
        filters: 4,
        denseUnits: 8,
        epochs: 15,
        learningRate: 0.01,
        batchNorm: true,
      },
      seed: 1,
    });
    assert.ok(out.metrics.rocAuc > 0.9, `CNN ROC AUC ${out.metrics.rocAuc}`);
    assert.equal(liveTensors(), base);
  });

  it("trains a CNN with 'valid' padding and rejects blocks that shrink the image below the kernel", async () => {
    const images = syntheticImages(60);
    const [f] = stratifiedKFold(images.labels, 3, 1);
    const base = liveTensors();
    const params = { family: 'cnn', convBlocks: 1, filters: 4, denseUnits: 8, epochs: 2, padding: 'valid' };
    const out = await trainFold({ dataset: images, train: f!.train, valid: f!.valid, params, seed: 1 });
    assert.equal(out.nValid, f!.valid.length);
    await assert.rejects(
      trainFold({
        dataset: images,
        train: f!.train,
        valid: f!.valid,
        params: { ...params, convBlocks: 3 },
        seed: 1,
      }),
      /params\.convBlocks: conv block 3 gets 1×1 inputs, smaller than the 3×3 kernel/,
    );
    assert.equal(liveTensors(), base);
  });
});
