import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsvDataset, parseCsvFeatures } from '../dataset/csv.js';
import { fitPipeline, pipelineSchema, transformColumns } from './pipeline.js';

const CSV = `x,z,color,y
1,10,red,0
2,,blue,1
3,30,red,0
,40,,1
5,50,green,0
`;
const ds = parseCsvDataset(CSV, { label: 'y' });

function rowsOf(m: Float32Array, d: number): number[][] {
  return Array.from({ length: m.length / d }, (_, i) =>
    [...m.subarray(i * d, (i + 1) * d)].map((v) => Math.round(v * 1e6) / 1e6),
  );
}

describe('preprocessing pipeline', () => {
  it('fits on the training rows only: median impute, standard scale, one-hot with Unknown', () => {
    const train = [0, 1, 2, 3]; // row 4 (x=5, green) is the validation fold
    const p = fitPipeline(ds, train, { numericImputer: 'median', scaler: 'standard' });
    assert.deepEqual(p.featureNames, ['x', 'z', 'color=red', 'color=blue', 'color=Unknown']);
    // x: train values 1,2,3 (+ missing → median 2) → mean 2, population std sqrt(0.5)
    assert.equal(p.numeric[0]!.fill, 2);
    assert.equal(p.numeric[0]!.center, 2);
    assert.ok(Math.abs(p.numeric[0]!.scale - Math.sqrt(0.5)) < 1e-12);
    const valid = transformColumns(p, ds.columns, [4]);
    // green was never seen in training: all one-hot zeros.
    assert.deepEqual(rowsOf(valid, 5)[0]!.slice(2), [0, 0, 0]);
    assert.ok(Math.abs(valid[0]! - 3 / Math.sqrt(0.5)) < 1e-5);
    const fitted = rowsOf(transformColumns(p, ds.columns, train), 5);
    assert.deepEqual(fitted[3]!.slice(2), [0, 0, 1], 'missing colour becomes Unknown');
    assert.equal(fitted[3]![0], 0, 'missing x imputed to the median then centred');
  });

  it('mean, most-frequent and min-max', () => {
    const p = fitPipeline(ds, [0, 1, 2, 3, 4], {
      numericImputer: 'mean',
      categoricalImputer: 'most_frequent',
      scaler: 'minmax',
    });
    assert.equal(p.numeric[1]!.fill, 32.5);
    assert.equal(p.categorical[0]!.fill, 'red');
    assert.deepEqual(p.featureNames.slice(2), ['color=red', 'color=blue', 'color=green']);
    const m = rowsOf(transformColumns(p, ds.columns), 5);
    assert.deepEqual(m[3], [(2.75 - 1) / 4, 0.75, 1, 0, 0]);
    assert.equal(fitPipeline(ds, [0, 2, 4], { numericImputer: 'most_frequent' }).numeric[0]!.fill, 1);
  });

  it('most frequent category: a tie goes to the category first seen in the file; unseen ones are dropped', () => {
    // blue and red both twice in rows 1..5 (red first in the file), green absent from them.
    const d = parseCsvDataset('c,y\ngreen,0\nred,1\nblue,0\nblue,1\nred,0\n,1\n', { label: 'y' });
    const p = fitPipeline(d, [1, 2, 3, 4, 5], { categoricalImputer: 'most_frequent' });
    assert.equal(p.categorical[0]!.fill, 'red');
    assert.deepEqual(p.categorical[0]!.categories, ['red', 'blue']);
    const q = fitPipeline(d, [1, 2, 3, 5], { categoricalImputer: 'most_frequent' });
    assert.equal(q.categorical[0]!.fill, 'blue', 'blue twice, red once');
  });

  it('with the kNN imputer, scalers are fitted on the kNN-imputed training values', () => {
    const csv = `a,b,y\n1,1,0\n1.1,1.2,1\n10,20,0\n10.2,19,1\n1.05,,0\n`;
    const d = parseCsvDataset(csv, { label: 'y' });
    const p = fitPipeline(d, [0, 1, 2, 3, 4], { numericImputer: 'knn', knnK: 2, scaler: 'standard' });
    // b of row 4 is imputed to 1.1 from its neighbours, so the scaler's mean is that of
    // [1, 1.2, 20, 19, 1.1] = 8.46 (with the mean fill 10.3 it would be 10.3).
    assert.ok(Math.abs(p.numeric[1]!.center - 8.46) < 1e-9, `center ${p.numeric[1]!.center}`);
  });

  it('kNN imputation uses the nearest training rows', () => {
    const csv = `a,b,y\n1,1,0\n1.1,1.2,1\n10,20,0\n10.2,19,1\n1.05,,0\n`;
    const d = parseCsvDataset(csv, { label: 'y' });
    const p = fitPipeline(d, [0, 1, 2, 3, 4], { numericImputer: 'knn', knnK: 2, scaler: 'none' });
    const m = transformColumns(p, d.columns, [4]);
    assert.ok(Math.abs(m[1]! - 1.1) < 1e-6, `b imputed from the two rows near a=1.05, got ${m[1]}`);
  });

  it('serialises to JSON and applies the same after a round trip, on predict-time columns', () => {
    const p = fitPipeline(ds, [0, 1, 2, 3], { numericImputer: 'knn', knnK: 2 });
    const back = JSON.parse(JSON.stringify(p));
    const cols = parseCsvFeatures('color,x,z\nblue,2,\npurple,,25\n', pipelineSchema(back));
    const m = transformColumns(back, cols);
    assert.deepEqual(m, transformColumns(p, cols));
    assert.equal(m.length, 10);
    assert.deepEqual([...m.subarray(7, 10)], [0, 0, 0], 'unseen purple encodes as zeros');
  });

  it('rejects a column of the wrong kind at transform time', () => {
    const p = fitPipeline(ds, [0, 1, 2, 3]);
    const cols = parseCsvFeatures('x,z,color\n1,2,3\n', [
      { name: 'x', kind: 'numeric' },
      { name: 'z', kind: 'numeric' },
      { name: 'color', kind: 'numeric' },
    ]);
    assert.throws(
      () => transformColumns(p, cols),
      /column 'color' is numeric, but the model was trained on it as categorical/,
    );
  });
});
