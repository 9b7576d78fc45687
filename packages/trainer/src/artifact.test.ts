import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { syntheticImages, syntheticTabular } from '@hpo/testing';
import { loadModel, saveModel, trainModel } from './artifact.js';
import { ModelError } from './errors.js';
import { disposeNetwork } from './network.js';
import { predictColumns, predictCsv, predictPixels } from './predict.js';

describe('export and predict', () => {
  it('saves a model with its pipeline and predicts the same after loading, on raw CSV rows', async () => {
    const ds = syntheticTabular(300);
    const rows = Int32Array.from({ length: 300 }, (_, i) => i);
    const model = await trainModel(ds, rows, { epochs: 10, layers: 1, units: 16 }, 5);
    const dir = mkdtempSync(join(tmpdir(), 'hpo-model-'));
    saveModel(dir, model, { thresholds: { default: 0.5, bestF1: 0.3 } });
    const before = predictColumns(model, ds.columns);
    const loaded = await loadModel(dir);
    const after = predictColumns(loaded, ds.columns);
    assert.deepEqual(after.probability, before.probability);
    assert.equal(loaded.metadata.thresholds.bestF1, 0.3);

    // Raw rows: reordered columns, an extra column, missing values and an unseen category.
    const header = ['group', 'extra', ...Array.from({ length: 8 }, (_, j) => `f${j}`)];
    const csv = [
      header.join(','),
      ['c', 'x', '1.5', '2', '', '0', '0', '0', '0', '0'].join(','),
      ['zzz', 'y', ...Array(8).fill('NA')].join(','),
    ];
    const file = join(dir, 'new.csv');
    writeFileSync(file, `${csv.join('\n')}\n`);
    const p = predictCsv(loaded, file, 0.5);
    assert.equal(p.probability.length, 2);
    assert.ok(p.probability.every((v) => v >= 0 && v <= 1));
    assert.ok(p.probability[0]! > p.probability[1]!, 'the row with strong signal scores higher');
    assert.deepEqual(predictCsv(loaded, file, 0).label, ['1', '1']);

    writeFileSync(file, 'f0,f1\n1,2\n');
    assert.throws(
      () => predictCsv(loaded, file),
      /new\.csv: missing columns 'f2', .* that the model was trained on/,
    );

    // The training CSV's settings travel with the model: a declared missing marker and a
    // decimal comma are read at predict as they were at training.
    const dir2 = mkdtempSync(join(tmpdir(), 'hpo-model-'));
    saveModel(dir2, model, { thresholds: { default: 0.5 }, csv: { missing: ['-999'], decimal: ',' } });
    const withCsv = await loadModel(dir2);
    const european = [header.join(';'), ['c', 'x', '1,5', '2', '-999', '0', '0', '0', '0', '0'].join(';')];
    writeFileSync(file, `${european.join('\n')}\n`);
    writeFileSync(join(dir, 'plain.csv'), `${[header.join(','), 'c,x,1.5,2,,0,0,0,0,0'].join('\n')}\n`);
    assert.deepEqual(
      predictCsv(withCsv, file).probability,
      predictCsv(loaded, join(dir, 'plain.csv')).probability,
    );
    disposeNetwork(withCsv.net);
    disposeNetwork(model.net);
    disposeNetwork(loaded.net);
  });

  it('predicts pixel CSVs with an image model', async () => {
    const ds = syntheticImages(30, 6);
    const model = await trainModel(
      ds,
      Int32Array.from({ length: 30 }, (_, i) => i),
      { family: 'cnn', convBlocks: 1, filters: 2, denseUnits: 4, epochs: 2 },
      1,
    );
    const dir = mkdtempSync(join(tmpdir(), 'hpo-cnn-'));
    saveModel(dir, model, { thresholds: { default: 0.5 } });
    const loaded = await loadModel(dir);
    const header = Array.from({ length: 36 }, (_, i) => `p${i}`).join(',');
    const file = join(dir, 'px.csv');
    writeFileSync(file, `${header}\n${Array(36).fill(128).join(',')}\n`);
    assert.equal(predictCsv(loaded, file).probability.length, 1);
    // A dark image whose values all happen to be 0 or 1 is still scaled by the model's 255.
    writeFileSync(file, `${header}\n${Array(36).fill(1).join(',')}\n`);
    const fromCsv = predictCsv(loaded, file).probability[0]!;
    const scaled = predictPixels(loaded, new Float32Array(36).fill(1 / 255)).probability[0]!;
    assert.ok(Math.abs(fromCsv - scaled) < 1e-6, 'a raw 1 is the pixel 1/255, as in training');
    assert.equal(loaded.pixelScale, 255);
    writeFileSync(file, `${header}\n${Array(36).fill(1).join(',')}\n${Array(35).fill(1).join(',')},\n`);
    assert.throws(() => predictCsv(loaded, file), /row 3, column 'p35': pixel value is missing/);
    writeFileSync(file, 'p0,p1\n1,2\n');
    assert.throws(() => predictCsv(loaded, file), /has 2 pixel columns, the model expects 36/);
    disposeNetwork(model.net);
    disposeNetwork(loaded.net);
  });

  it('reports a directory that is not a model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-empty-'));
    await assert.rejects(
      loadModel(dir),
      (e: unknown) =>
        e instanceof ModelError && /holds no model\.json; it is not a model directory/.test(e.message),
    );
    writeFileSync(join(dir, 'model.json'), '{"format":"other"}');
    await assert.rejects(loadModel(dir), /not an hpo model/);
  });
});
