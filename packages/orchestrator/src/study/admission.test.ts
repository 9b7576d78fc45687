import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DatasetError, SpecError, type StudySpecInput } from '@hpo/core';
import { syntheticImages, syntheticTabular, testSpec } from '@hpo/testing';
import { admitSpec, validateStudy } from './admission.js';

const issuesOf = (fn: () => void): { path: string; message: string }[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SpecError, `expected SpecError, got ${err}`);
    return err.issues;
  }
  assert.fail('expected a SpecError');
};

const withSearch = (search: StudySpecInput['search']) => testSpec({ search });

describe('admission', () => {
  it('accepts a valid study', () => {
    validateStudy(testSpec(), syntheticTabular(60));
  });

  it('names an unknown parameter, with a did-you-mean', () => {
    const issues = issuesOf(() =>
      admitSpec(
        withSearch({
          space: { learningrate: { type: 'float', low: 1e-4, high: 1e-1 } },
          fixed: { epoch: 3 },
        }),
      ),
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ['search.fixed.epoch', 'search.space.learningrate'],
    );
    assert.match(issues[0]!.message, /unknown parameter; did you mean 'epochs'\?/);
    assert.match(issues[1]!.message, /did you mean 'learningRate'\?/);
    assert.ok(!issues.some((i) => i.message.includes('hpo params')));
  });

  it('checks every value a parameter can take against its domain', () => {
    const issues = issuesOf(() =>
      admitSpec(
        withSearch({
          space: {
            scaler: { type: 'categorical', choices: ['standard', 'robust'] },
            units: { type: 'int', low: 8, high: 1_000_000_000 },
            dropout: { type: 'float', low: -0.1, high: 0.5 },
          },
          fixed: { epochs: -1, activation: 'sigmoidx' },
        }),
      ),
    );
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    assert.match(byPath['search.fixed.epochs']!, /must be an integer in \[1, 10000\], got -1/);
    assert.match(byPath['search.fixed.activation']!, /must be one of relu, elu/);
    assert.match(byPath['search.space.scaler.choices.1']!, /got "robust"/);
    assert.match(byPath['search.space.units.high']!, /must be an integer in \[1, 4096\]/);
    assert.match(byPath['search.space.dropout.low']!, /must be a number in \[0, 0.95\]/);
    assert.equal(issues.length, 5);
  });

  it('refuses ASHA whose first rung is not below the epochs a trial trains', () => {
    const asha = (fixed: StudySpecInput['search']['fixed'], minEpochs: number) =>
      testSpec({
        search: { space: { learningRate: { type: 'float', low: 1e-4, high: 1e-1 } }, fixed },
        pruner: { type: 'asha', minEpochs },
      });
    const issues = issuesOf(() => admitSpec(asha({ epochs: 5 }, 5)));
    assert.equal(issues[0]!.path, 'pruner.minEpochs');
    assert.match(issues[0]!.message, /5 is not below the most epochs a trial trains \(5\)/);
    // The trainer's default epochs (50) when none is given.
    assert.match(issuesOf(() => admitSpec(asha({}, 60)))[0]!.message, /\(50\)/);
    admitSpec(asha({ epochs: 9 }, 3));
  });

  it('reports a search space the sampler cannot use, with its spec path', () => {
    const issues = issuesOf(() =>
      admitSpec(withSearch({ space: { learningRate: { type: 'float', low: 0.1, high: 0.01 } }, fixed: {} })),
    );
    assert.deepEqual(issues, [
      { path: 'search.space.learningRate.low', message: 'low (0.1) must be < high (0.01)' },
    ]);
    const log = issuesOf(() =>
      admitSpec(withSearch({ space: { l2: { type: 'float', low: 0, high: 0.1, log: true } }, fixed: {} })),
    );
    assert.match(log[0]!.message, /log scale needs low > 0/);
  });

  it('checks the dataset against the spec: its kind and enough rows per class for the folds', () => {
    const images = issuesOf(() => validateStudy(testSpec(), syntheticImages(30)));
    assert.deepEqual(images[0]!.path, 'dataset.kind');
    assert.throws(
      () => validateStudy(testSpec({ cv: { k: 40, seed: 1 } }), syntheticTabular(60)),
      (e: unknown) => e instanceof DatasetError && /fewer than the 40 needed/.test(e.message),
    );
  });
});
