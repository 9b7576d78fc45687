import { Rng } from '@hpo/core';
import { buildNetwork, canTrainFast, disposeNetwork, fit, resolveParams } from '@hpo/trainer';
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
  which: 'mlp' | 'cnn',
  rows: number,
  epochs: number,
  overrides: Record<string, unknown> = {},
  autodiff = false,
): Promise<StepTiming & { fastPath: boolean }> {
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
    return {
      samplesPerSec: Math.round((report.epochs * rows * 1000) / ms),
      msPerStep: Math.round((ms / steps) * 1000) / 1000,
      steps,
      kernelsPerStep: null,
      tensorDelta: 0,
      fastPath: canTrainFast(net, params) && !autodiff,
    };
  } finally {
    disposeNetwork(net);
  }
}
