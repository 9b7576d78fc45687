import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeMetrics, downsampleCurve, logLoss, MetricsError, rocAuc, rocCurve } from './index.js';

function assertMetricsError(
  fn: () => unknown,
  argument: string,
  index: number | undefined,
  pattern: RegExp,
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MetricsError, `expected MetricsError, got ${String(e)}`);
    assert.equal(e.name, 'MetricsError');
    assert.equal(e.argument, argument);
    assert.equal(e.index, index);
    assert.match(e.message, pattern);
    return true;
  });
}

test('length mismatch names both lengths', () => {
  assertMetricsError(() => rocAuc([0, 1, 1], [0.1, 0.2]), 'yProb', undefined, /length 2 .* length 3/);
});

test('an empty fold is rejected', () => {
  assertMetricsError(() => computeMetrics([], []), 'yTrue', undefined, /empty/);
});

test('labels other than 0/1 are rejected with their index', () => {
  assertMetricsError(() => logLoss([0, 1, 2], [0.1, 0.2, 0.3]), 'yTrue', 2, /yTrue\[2\]: label 2/);
  assertMetricsError(() => logLoss([0, -1], [0.1, 0.2]), 'yTrue', 1, /label -1/);
  assertMetricsError(() => logLoss([0.5, 1], [0.1, 0.2]), 'yTrue', 0, /label 0.5/);
  assertMetricsError(() => logLoss([Number.NaN], [0.1]), 'yTrue', 0, /label NaN/);
});

test('probabilities outside [0, 1] or NaN are rejected with their index', () => {
  assertMetricsError(() => rocAuc([0, 1], [0.1, 1.5]), 'yProb', 1, /yProb\[1\]: probability 1.5/);
  assertMetricsError(() => rocAuc([0, 1], [-0.01, 0.5]), 'yProb', 0, /-0.01/);
  assertMetricsError(() => rocAuc([0, 1, 0], [0.1, 0.2, Number.NaN]), 'yProb', 2, /NaN/);
  assertMetricsError(() => rocAuc([0, 1], [0.1, Number.POSITIVE_INFINITY]), 'yProb', 1, /Infinity/);
});

test('typed arrays are accepted', () => {
  assert.equal(rocAuc(new Uint8Array([0, 1]), new Float32Array([0.25, 0.75])), 1);
});

test('bad options are rejected', () => {
  assertMetricsError(
    () => computeMetrics([0, 1], [0.1, 0.9], { threshold: 1.2 }),
    'threshold',
    undefined,
    /1.2/,
  );
  assertMetricsError(
    () => computeMetrics([0, 1], [0.1, 0.9], { threshold: Number.NaN }),
    'threshold',
    undefined,
    /NaN/,
  );
  assertMetricsError(
    () => computeMetrics([0, 1], [0.1, 0.9], { maxCurvePoints: 1 }),
    'maxPoints',
    undefined,
    />= 2/,
  );
  assertMetricsError(() => rocCurve([0, 1], [0.1, 0.9], 10.5), 'maxPoints', undefined, /10.5/);
  assertMetricsError(() => downsampleCurve([0, 1], [0, 1], 0), 'maxPoints', undefined, /0/);
});
