import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrialError } from './errors.js';
import { DEFAULT_PARAMS, mlpWidths, resolveParams } from './params.js';

describe('training params', () => {
  it('fills defaults and computes MLP widths from units and shrink, with per-layer overrides', () => {
    const p = resolveParams({ layers: 3, units: 64, shrink: 0.5 });
    assert.equal(p.optimizer, DEFAULT_PARAMS.optimizer);
    assert.deepEqual(mlpWidths(p), [64, 32, 16]);
    assert.deepEqual(mlpWidths(resolveParams({ layers: 3, units: 64, units_2: 100 })), [64, 100, 16]);
    assert.equal(resolveParams({ batchNorm: 'true' }).batchNorm, true);
  });

  it('names the parameter in errors', () => {
    assert.throws(
      () => resolveParams({ layers: 0 }),
      (e: unknown) => e instanceof TrialError && e.param === 'layers',
    );
    assert.throws(
      () => resolveParams({ optimizer: 'adamw' }),
      /params.optimizer: must be one of adam, sgd, rmsprop/,
    );
    assert.throws(() => resolveParams({ learningrate: 0.1 }), /params.learningrate: unknown parameter/);
    assert.throws(
      () => resolveParams({ learningRate: 0 }),
      /params.learningRate: must be a number in \(0, 10\]/,
    );
    assert.throws(() => resolveParams({ family: 'cnn', kernelSize: 4 }), /kernelSize: must be odd/);
  });
});
