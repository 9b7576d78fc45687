import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seededValues } from '@hpo/testing/tf';
import * as tf from '@tensorflow/tfjs';
import { ACTIVATION_CODES, type FusedKernelName, registerDenseOps, runFused } from './dense-ops.js';
import { useWasmBackend } from './index.js';

const t2 = (rows: number, cols: number, seed: number) =>
  tf.tensor2d(seededValues(rows * cols, seed), [rows, cols]);

/** Each kernel with inputs that exercise it. */
function cases(): Array<[FusedKernelName, Record<string, tf.Tensor | undefined>, Record<string, number>]> {
  const h = t2(7, 5, 2);
  return [
    ['HpoBceGrad', { z: t2(7, 1, 1), y: tf.round(tf.abs(t2(7, 1, 9))), scale: t2(7, 1, 3) }, {}],
    ...Object.values(ACTIVATION_CODES).map(
      (activation) =>
        ['HpoActivationGrad', { dh: t2(7, 5, 1), h, mask: t2(7, 5, 4), z: t2(7, 5, 5) }, { activation }] as [
          FusedKernelName,
          Record<string, tf.Tensor | undefined>,
          Record<string, number>,
        ],
    ),
    ['HpoActivationGrad', { dh: t2(7, 5, 1), h, mask: undefined, z: undefined }, { activation: 0 }],
    [
      'HpoBatchNormTrain',
      { z: t2(7, 5, 6), gamma: tf.tensor1d(seededValues(5, 7)), beta: tf.tensor1d(seededValues(5, 8)) },
      { epsilon: 1e-3 },
    ],
    [
      'HpoBatchNormGrad',
      {
        dy: t2(7, 5, 6),
        xhat: t2(7, 5, 1),
        gamma: tf.tensor1d(seededValues(5, 7)),
        invStd: tf.tensor1d(seededValues(5, 8)),
      },
      {},
    ],
    [
      'HpoMovingStats',
      {
        movingMean: tf.tensor1d(seededValues(5, 1)),
        movingVar: tf.tensor1d(seededValues(5, 2)),
        mean: tf.tensor1d(seededValues(5, 3)),
        variance: tf.tensor1d(seededValues(5, 4)),
      },
      { momentum: 0.99 },
    ],
  ];
}

describe('fused dense kernels', () => {
  before(async () => {
    registerDenseOps();
    await useWasmBackend();
  });
  after(async () => {
    await useWasmBackend();
  });

  it('give the same values on wasm, on cpu, and through the fallback of a backend without them', async () => {
    const results: Record<string, Float32Array[][]> = {};
    for (const backend of ['wasm', 'cpu', 'fallback'] as const) {
      await tf.setBackend(backend === 'fallback' ? 'cpu' : backend);
      if (backend === 'fallback') {
        for (const name of new Set(tf.tidy(() => cases().map(([n]) => n)))) tf.unregisterKernel(name, 'cpu');
      }
      try {
        results[backend] = tf.tidy(() =>
          cases().map(([name, inputs, attrs]) =>
            runFused(name, inputs, attrs).map((o) => o.dataSync() as Float32Array),
          ),
        );
      } finally {
        if (backend === 'fallback') registerDenseOps();
      }
    }
    assert.ok(tf.getKernel('HpoBceGrad', 'cpu'), 'registered again');
    for (const other of ['cpu', 'fallback']) {
      results.wasm!.forEach((outs, i) => {
        outs.forEach((values, j) => {
          const got = results[other]![i]![j]!;
          assert.equal(got.length, values.length);
          for (let k = 0; k < values.length; k++) {
            assert.ok(
              Math.abs(got[k]! - values[k]!) < 1e-6,
              `case ${i} output ${j}[${k}] on ${other}: ${got[k]} vs ${values[k]}`,
            );
          }
        });
      });
    }
  });

  it('batch norm in training matches tf.moments and tf.batchNorm', async () => {
    await useWasmBackend();
    tf.tidy(() => {
      const z = t2(9, 4, 11);
      const gamma = tf.tensor1d(seededValues(4, 12));
      const beta = tf.tensor1d(seededValues(4, 13));
      const [y, , , mean, variance] = runFused('HpoBatchNormTrain', { z, gamma, beta }, { epsilon: 1e-3 });
      const m = tf.moments(z, 0);
      const ref = tf.batchNorm(z, m.mean, m.variance, beta, gamma, 1e-3);
      const close = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
      assert.ok(close(y!, ref) < 1e-5);
      assert.ok(close(mean!, m.mean) < 1e-6);
      assert.ok(close(variance!, m.variance) < 1e-6);
    });
  });
});
