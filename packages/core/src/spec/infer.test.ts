import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dataset, ImageDataset, TabularDataset } from '../dataset/types.js';
import { inferStudySpec, parseDuration } from './infer.js';
import { validateStudySpec } from './load.js';

function table(
  rows: number,
  positives: number,
  options: { missing?: boolean; id?: boolean } = {},
): TabularDataset {
  const labels = Uint8Array.from({ length: rows }, (_, i) => (i < positives ? 1 : 0));
  return {
    kind: 'tabular',
    classes: { label: 'y', positive: 'yes', negative: 'no' },
    columns: [{ kind: 'numeric', name: 'x', values: new Float64Array(rows) }],
    labels,
    report: {
      file: 'data.csv',
      rows,
      dialect: { encoding: 'utf-8', bom: false, delimiter: ',', decimal: '.' },
      columns: [
        { name: 'x', kind: 'numeric', source: 'inferred', missing: options.missing ? 3 : 0 },
        ...(options.id
          ? [
              {
                name: 'id',
                kind: 'categorical' as const,
                source: 'inferred' as const,
                missing: 0,
                categories: rows,
              },
            ]
          : []),
        { name: 'y', kind: 'label', source: 'declared', missing: 0 },
      ],
    },
  };
}

function images(rows: number, side: number): ImageDataset {
  return {
    kind: 'images',
    classes: { label: 'class', positive: 'cross', negative: 'other' },
    shape: [side, side, 1],
    pixels: new Float32Array(rows * side * side),
    labels: Uint8Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 1 : 0)),
    pixelScale: 255,
  };
}

const infer = (ds: Dataset, extra: { timeSeconds?: number; metric?: 'f1' } = {}) =>
  inferStudySpec(ds, {
    name: 'auto',
    dataset: ds.kind === 'tabular' ? { path: 'data.csv', label: 'y' } : { path: 'images', kind: 'images' },
    cores: 2,
    ...extra,
  });

describe('inferStudySpec', () => {
  it('builds a valid MLP spec for a balanced table, without imbalance handling or imputers', () => {
    const { spec, notes } = infer(table(3000, 1400));
    const valid = validateStudySpec(spec, 'generated');
    assert.equal(valid.model, 'mlp');
    assert.equal(valid.objective.metric, 'rocAuc');
    assert.equal(valid.cv.k, 5);
    assert.equal(valid.cv.holdout, 0.2);
    assert.equal(valid.search.space.classWeight, undefined);
    assert.equal(valid.search.space.imputer, undefined);
    assert.equal(valid.calibration, 'none');
    assert.equal(valid.sampler.type, 'gp');
    assert.equal(valid.budget.parallelism, 2);
    assert.ok(notes.some((n) => n.includes('balanced enough')));
    // Successive halving over epochs, with no fold pruner beside it.
    assert.equal(valid.pruner.type, 'asha');
    assert.equal(valid.pruner.folds, 'none');
    assert.ok(notes.some((n) => n.startsWith('pruner asha')));
  });

  it('searches class weights and SMOTE on an imbalanced table, imputers when values are missing, and ignores identifiers', () => {
    const { spec, notes } = infer(table(2000, 200, { missing: true, id: true }));
    const valid = validateStudySpec(spec, 'generated');
    assert.deepEqual(valid.search.space.classWeight, { type: 'categorical', choices: ['none', 'balanced'] });
    assert.deepEqual(valid.search.space.resample, { type: 'categorical', choices: ['none', 'smote'] });
    assert.deepEqual(valid.search.space.imputer, { type: 'categorical', choices: ['median', 'mean', 'knn'] });
    assert.equal(valid.dataset.columns?.id, 'ignore');
    assert.equal(valid.calibration, 'platt');
    assert.ok(notes.some((n) => n.includes('identifiers')));
  });

  it('uses PR AUC under 10% positives, fewer folds for a small minority, and no held-out share on small data', () => {
    const valid = validateStudySpec(infer(table(400, 20)).spec, 'generated');
    assert.equal(valid.objective.metric, 'prAuc');
    assert.equal(valid.cv.k, 4);
    assert.equal(valid.cv.holdout, undefined);
    assert.equal(valid.search.space.resample?.type, 'categorical', 'SMOTE with 20 minority rows');
    assert.equal(validateStudySpec(infer(table(400, 12)).spec, 'generated').cv.k, 2);
    assert.equal(validateStudySpec(infer(table(400, 12)).spec, 'generated').search.space.resample, undefined);
    assert.equal(
      validateStudySpec(infer(table(400, 20), { metric: 'f1' }).spec, 'generated').objective.metric,
      'f1',
    );
  });

  it('builds a CNN spec for images, with conv blocks that fit the image size', () => {
    const small = validateStudySpec(infer(images(300, 8)).spec, 'generated');
    assert.equal(small.model, 'cnn');
    // One block fits 8×8 images: fixed, since a range of one value is no search space (the
    // optimizer refuses low = high, which made `hpo tune` fail on the 8×8 digits).
    assert.equal(small.search.space.convBlocks, undefined);
    assert.equal(small.search.fixed.convBlocks, 1);
    assert.equal(small.search.fixed.padding, 'same');
    assert.equal(small.search.space.resample, undefined, 'no SMOTE on images');
    const big = validateStudySpec(infer(images(300, 32)).spec, 'generated');
    assert.deepEqual(big.search.space.convBlocks, { type: 'int', low: 1, high: 3 });
  });

  it('searches only ranges of more than one value, for tables and images of any size', () => {
    const specs = [
      infer(table(3000, 1400)),
      infer(table(400, 20)),
      infer(table(2000, 200, { missing: true, id: true })),
      ...[4, 8, 11, 12, 31, 32, 64].map((side) => infer(images(300, side))),
    ].map((r) => validateStudySpec(r.spec, 'generated'));
    for (const spec of specs)
      for (const [name, p] of Object.entries(spec.search.space)) {
        if (p.type === 'categorical') assert.ok(p.choices.length >= 2, `${name}: ${p.choices}`);
        else assert.ok(p.low < p.high, `${name}: ${p.low}..${p.high}`);
      }
  });

  it('turns a time budget into a time limit, with GP for short budgets and TPE for long ones', () => {
    const short = validateStudySpec(infer(table(3000, 1400), { timeSeconds: 300 }).spec, 'generated');
    assert.equal(short.budget.timeLimitSeconds, 300);
    assert.ok(short.budget.trials >= 1000, 'trials are not the limit');
    assert.equal(short.sampler.type, 'gp');
    assert.equal(
      validateStudySpec(infer(table(3000, 1400), { timeSeconds: 3600 }).spec, 'g').sampler.type,
      'tpe',
    );
  });
});

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and combinations, and refuses the rest', () => {
    assert.equal(parseDuration('90'), 90);
    assert.equal(parseDuration('90s'), 90);
    assert.equal(parseDuration('10m'), 600);
    assert.equal(parseDuration('1h30m'), 5400);
    assert.equal(parseDuration('2h'), 7200);
    for (const bad of ['', 'soon', '0', '0m', '-5', '10x', 'm'])
      assert.equal(parseDuration(bad), undefined, bad);
  });
});
