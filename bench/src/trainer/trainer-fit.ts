import { Rng } from '@hpo/core';
import { buildNetwork, disposeNetwork, fit, resolveParams, trainsOnEngine } from '@hpo/trainer';
import * as tf from '@tensorflow/tfjs';
import type { StepTiming } from './measure.js';

/** The reference nets as hpo training parameters. */
const REFERENCE = {
  mlp: { inputShape: [30], params: { family: 'mlp', layers: 2, units: 64, shrink: 0.5, batchSize: 32 } },
  cnn: {
    inputShape: [28, 28, 1],
    params: {
      family: 'cnn',
      convBlocks: 2,
      filters: 32,
      kernelSize: 3,
      pool: 'max',
      padding: 'valid',
      denseUnits: 128,
      batchSize: 32,
    },
  },
  // The size of the shapes example and of small-image studies (8×8 digits).
  cnn8: {
    inputShape: [8, 8, 1],
    params: {
      family: 'cnn',
      convBlocks: 2,
      filters: 8,
      kernelSize: 3,
      pool: 'max',
      padding: 'same',
      denseUnits: 32,
      convDropout: 0.1,
      batchSize: 32,
    },
  },
} as const;

/**
 * Throughput of the trainer's own training loop (what every fold runs): `fit()` over `rows`
 * synthetic samples for `epochs` epochs, no early stopping. The first epoch is a warm-up and is
 * not timed: samples/s counts epochs 2..n. `overrides` change the reference's parameters (dropout,
 * activation, optimizer: what sampled configurations use); `autodiff` forces tfjs' autodiff
 * (the reference path, and the path these configurations took before the engine covered them).
 * The CNN uses 'valid' padding like the Keras
 * reference (28×28 → 26×26 → pool 13 → 11×11 → pool 5).
 */
export async function timeTrainerFit(
  which: keyof typeof REFERENCE,
  rows: number,
  epochs: number,
  overrides: Record<string, unknown> = {},
  autodiff = false,
): Promise<StepTiming & { engine: boolean }> {
  const ref = REFERENCE[which];
  const params = resolveParams({ ...ref.params, ...overrides, epochs: 1, validationFraction: 0 });
  const size = (ref.inputShape as readonly number[]).reduce((a, b) => a * b, 1);
  const rng = new Rng(`bench-${which}`);
  const x = Float32Array.from({ length: rows * size }, () => rng.next());
  const y = Uint8Array.from({ length: rows }, () => (rng.next() < 0.3 ? 1 : 0));
  const net = buildNetwork(params, [...ref.inputShape], 1);
  try {
    fit({ net, params, train: { x, y, rows }, seed: 1, autodiff }); // warm-up epoch
    const timedParams = { ...params, epochs };
    const start = performance.now();
    const report = fit({ net, params: timedParams, train: { x, y, rows }, seed: 2, autodiff });
    const ms = performance.now() - start;
    const steps = report.epochs * Math.ceil(rows / params.batchSize);
    // Kernels one training step dispatches: a two-batch epoch minus a one-batch epoch, profiled
    // (the difference leaves out what a fit sets up once, such as optimiser state).
    const kernels = async (batches: number) => {
      const n = batches * params.batchSize;
      const part = { x: x.subarray(0, n * size), y: y.subarray(0, n), rows: n };
      const profile = await tf.profile(() => {
        fit({ net, params, train: part, seed: 3, autodiff });
      });
      return profile.kernels.filter((k) => !k.name.endsWith('__op')).length;
    };
    const kernelsPerStep = (await kernels(2)) - (await kernels(1));
    return {
      samplesPerSec: Math.round((report.epochs * rows * 1000) / ms),
      msPerStep: Math.round((ms / steps) * 1000) / 1000,
      steps,
      kernelsPerStep,
      tensorDelta: 0,
      engine: trainsOnEngine() && !autodiff,
    };
  } finally {
    disposeNetwork(net);
  }
}
