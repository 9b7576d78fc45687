import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seededValues } from '@hpo/testing/tf';
import * as tf from '@tensorflow/tfjs';
import {
  ADAM_UPDATE,
  adamUpdate,
  registerAdamUpdateKernels,
  UPDATE_ALL,
  UPDATE_RULES,
  updateAll,
} from './adam-update.js';
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

describe('optimiser updates', () => {
  const RULES = [
    ['adam', undefined],
    ['momentum', UPDATE_RULES.momentum],
    ['rmsprop', UPDATE_RULES.rmsprop],
  ] as const;

  it('give the same values in one call for several parameters, one kernel per parameter, and tf ops (the fallback)', async () => {
    await tf.setBackend('cpu');
    registerAdamUpdateKernels();
    try {
      for (const [name, rule] of RULES) {
        const attrs = {
          learningRate: 0.01,
          beta1: 0.9,
          beta2: name === 'adam' ? 0.999 : 0.9,
          epsilon: 1e-7,
          step: 3,
          ...(rule !== undefined ? { rule } : {}),
        };
        const items = [0, 1].map((i) => ({
          param: t2(4, 3, 40 + i),
          grad: t2(4, 3, 50 + i),
          m: t2(4, 3, 60 + i),
          v: tf.abs(t2(4, 3, 70 + i)),
          weightDecay: i === 0 ? 0.02 : 0,
        }));
        const values = (list: Array<[tf.Tensor, tf.Tensor, tf.Tensor]>) =>
          list.flatMap((triple) => triple.map((t) => Array.from(t.dataSync())));
        const together = values(updateAll(items, attrs));
        const single = values(
          items.map((it) =>
            adamUpdate(it.param, it.grad, it.m, it.v, { ...attrs, weightDecay: it.weightDecay }),
          ),
        );
        tf.unregisterKernel(ADAM_UPDATE, 'cpu');
        tf.unregisterKernel(UPDATE_ALL, 'cpu');
        let fallback: number[][];
        try {
          fallback = values(updateAll(items, attrs)); // no kernel: tf ops, parameter by parameter
        } finally {
          registerAdamUpdateKernels();
        }
        for (const [other, label] of [
          [single, 'one kernel per parameter'],
          [fallback, 'tf ops'],
        ] as const) {
          for (const [r, row] of together.entries()) {
            for (const [k, v] of row.entries()) {
              assert.ok(
                Math.abs(v - other[r]![k]!) < 1e-6,
                `${name}, ${label}: output ${r}[${k}] ${v} vs ${other[r]![k]}`,
              );
            }
          }
        }
        assert.notDeepEqual(
          together[0],
          Array.from(items[0]!.param.dataSync()),
          `${name} moved the parameter`,
        );
      }
    } finally {
      await useWasmBackend();
    }
  });
});
