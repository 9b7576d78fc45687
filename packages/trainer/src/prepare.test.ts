import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type FittedPipeline, fitPipeline, stratifiedKFold } from '@hpo/core';
import { syntheticImages, syntheticTabular } from '@hpo/testing';
import { initBackend } from './backend.js';
import { predictRows } from './fold.js';
import { buildNetwork, disposeNetwork } from './network.js';
import { DEFAULT_PARAMS, type TrainParams } from './params.js';
import { featureMatrix, foldView, prepareTraining } from './prepare.js';
import { fit, predictProba, type TrainingData } from './train-loop.js';

describe('fold views', () => {
  before(async () => {
    await initBackend();
  });

  // Every path a sampled configuration reaches: the hand-written MLP step, autodiff with dropout
  // and batch norm, and a CNN over pixels.
  const cases: [string, Partial<TrainParams>, 'tabular' | 'images'][] = [
    ['fast MLP step', { dropout: 0, optimizer: 'adam', activation: 'relu' }, 'tabular'],
    [
      'autodiff MLP (dropout, batch norm, sgd)',
      { dropout: 0.2, batchNorm: true, optimizer: 'sgd' },
      'tabular',
    ],
    ['CNN', { family: 'cnn', filters: 4, convBlocks: 1, kernelSize: 3, denseUnits: 8 }, 'images'],
  ];
  for (const [name, overrides, kind] of cases) {
    it(`train exactly as the fold's matrix does: ${name}`, () => {
      const ds = kind === 'tabular' ? syntheticTabular(500) : syntheticImages(120);
      const [fold] = stratifiedKFold(ds.labels, 3, 5);
      const rows = fold!.train;
      const pipeline: FittedPipeline | undefined =
        ds.kind === 'tabular'
          ? fitPipeline(ds, rows, {
              numericImputer: DEFAULT_PARAMS.imputer,
              knnK: DEFAULT_PARAMS.knnK,
              categoricalImputer: DEFAULT_PARAMS.categoricalImputer,
              scaler: DEFAULT_PARAMS.scaler,
            })
          : undefined;
      const shape = ds.kind === 'tabular' ? [pipeline!.featureNames.length] : [...ds.shape];
      const params: TrainParams = {
        ...DEFAULT_PARAMS,
        family: 'mlp',
        layers: 2,
        units: 8,
        epochs: 3,
        batchSize: 37, // does not divide the rows: a short last batch
        patience: 100,
        validationFraction: 0,
        ...overrides,
      };
      const view = foldView(ds, pipeline, rows);
      const matrix = featureMatrix(ds, pipeline, rows).x;
      const run = (train: TrainingData, valid: TrainingData) => {
        const net = buildNetwork(params, shape, 9);
        const report = fit({ net, params, train, valid, seed: 4 });
        const p = predictProba(net, matrix, rows.length);
        disposeNetwork(net);
        return { p, valLoss: report.valLoss };
      };
      const fromView = run(view, view);
      const fromMatrix = run(
        { x: matrix, y: view.y, rows: view.rows },
        { x: matrix, y: view.y, rows: view.rows },
      );
      assert.deepEqual(fromView.valLoss, fromMatrix.valLoss);
      assert.deepEqual(fromView.p, fromMatrix.p);
    });
  }

  it('prepareTraining reads a big fold through views and trains exactly as on matrices (inner split, class weights, loss report)', () => {
    const ds = syntheticTabular(600);
    const [fold] = stratifiedKFold(ds.labels, 3, 2);
    const params: TrainParams = {
      ...DEFAULT_PARAMS,
      layers: 1,
      units: 8,
      epochs: 4,
      batchSize: 16,
      patience: 100,
      validationFraction: 0.2,
      classWeight: 'balanced',
    };
    const run = (viewAboveBytes: number) => {
      const data = prepareTraining(ds, fold!.train, params, 3, viewAboveBytes);
      const net = buildNetwork(params, data.inputShape, 5);
      const trainLoss: number[] = [];
      const report = fit({
        net,
        params,
        train: data.train,
        valid: data.valid,
        seed: 3,
        // A listener makes the fast step report its loss on the first rows (head of the view).
        onEpoch: (_e, loss) => {
          trainLoss.push(loss);
          return true;
        },
      });
      const p = predictRows(net, ds, data.pipeline, fold!.valid);
      disposeNetwork(net);
      return {
        views: !(data.train.x instanceof Float32Array),
        valLoss: report.valLoss,
        trainLoss,
        p,
        w: data.train.weights,
      };
    };
    const viewed = run(0);
    const built = run(Number.POSITIVE_INFINITY);
    assert.equal(viewed.views, true, 'a fold over the threshold is read through a view');
    assert.equal(built.views, false);
    assert.deepEqual(viewed.w, built.w);
    assert.deepEqual(viewed.trainLoss, built.trainLoss);
    assert.deepEqual(viewed.valLoss, built.valLoss);
    assert.deepEqual(viewed.p, built.p);
  });

  it('a kept fitted fold gives what fitting afresh gives, per preprocessing choice and rows', () => {
    const ds = syntheticTabular(300);
    const [fold, other] = stratifiedKFold(ds.labels, 3, 11);
    const strip = (d: ReturnType<typeof prepareTraining>) => ({
      pipeline: d.pipeline,
      x: d.train.x,
      y: d.train.y,
      w: d.train.weights,
      valid: d.valid && { x: d.valid.x, y: d.valid.y },
    });
    const variants: Partial<TrainParams>[] = [
      {},
      { scaler: 'minmax' },
      { imputer: 'mean', categoricalImputer: 'constant' },
      { validationFraction: 0.2, classWeight: 'balanced' },
      { resample: 'undersample' },
      { knnK: 3 },
    ];
    for (let round = 0; round < 2; round++) {
      for (const v of variants) {
        const params = { ...DEFAULT_PARAMS, validationFraction: 0, ...v };
        for (const f of [fold!, other!]) {
          const key = `synthetic/${f.fold}`;
          const kept = prepareTraining(ds, f.train, params, 5, undefined, key);
          assert.deepEqual(strip(kept), strip(prepareTraining(ds, f.train, params, 5)), JSON.stringify(v));
        }
      }
    }
    // The second round reused the kept matrix (same object), and a kept one is never handed to
    // a different choice of preprocessing.
    const params = { ...DEFAULT_PARAMS, validationFraction: 0 };
    const a = prepareTraining(ds, fold!.train, params, 5, undefined, 'synthetic/x');
    assert.equal(prepareTraining(ds, fold!.train, params, 9, undefined, 'synthetic/x').train.x, a.train.x);
    assert.notEqual(
      prepareTraining(ds, fold!.train, { ...params, scaler: 'minmax' }, 5, undefined, 'synthetic/x').train.x,
      a.train.x,
    );
    // knnK only shapes kNN imputation: with another imputer the same fitted fold serves any k.
    assert.equal(
      prepareTraining(ds, fold!.train, { ...params, knnK: 9 }, 5, undefined, 'synthetic/x').train.x,
      a.train.x,
    );
  });

  it('prepareTraining builds the matrix for kNN imputation however big the fold', () => {
    const ds = syntheticTabular(200);
    const data = prepareTraining(
      ds,
      Int32Array.from({ length: 150 }, (_, i) => i),
      { ...DEFAULT_PARAMS, imputer: 'knn' },
      1,
      0,
    );
    assert.ok(data.train.x instanceof Float32Array);
  });
});
