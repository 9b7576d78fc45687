import { DenseNet } from '@hpo/trainer';
import * as tf from '@tensorflow/tfjs';
import { type StepTiming, timeSteps } from './measure.js';
import { buildReferenceCnn, buildReferenceMlp, syntheticBatches } from './reference-models.js';

/** How many batches a variant warms up on and times. */
export interface Budget {
  warmup: number;
  steps: number;
}

const BATCH = 32;
type Builder = (optimizer: tf.Optimizer) => tf.LayersModel;

function bce(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): tf.Scalar {
  const p = model.apply(x, { training: true }) as tf.Tensor;
  return tf.mean(tf.metrics.binaryCrossentropy(y, p)) as tf.Scalar;
}

/** `model.fit` over pre-made data: one fit call for the warm-up, one timed fit call. */
export async function timeFit(build: Builder, shape: number[], budget: Budget): Promise<StepTiming> {
  const model = build(tf.train.adam(0.001));
  const warm = syntheticBatches(budget.warmup, BATCH, shape, 1);
  const timed = syntheticBatches(budget.steps, BATCH, shape, 2);
  const cat = (d: { xs: tf.Tensor[]; ys: tf.Tensor[] }) => [tf.concat(d.xs), tf.concat(d.ys)];
  const [wx, wy] = cat(warm) as [tf.Tensor, tf.Tensor];
  const [tx, ty] = cat(timed) as [tf.Tensor, tf.Tensor];
  const fitArgs = { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0 as const };
  await model.fit(wx, wy, fitArgs);
  const before = tf.memory().numTensors;
  const start = performance.now();
  await model.fit(tx, ty, fitArgs);
  const ms = performance.now() - start;
  const tensorDelta = tf.memory().numTensors - before;
  const oneX = tf.slice(tx, 0, BATCH);
  const oneY = tf.slice(ty, 0, BATCH);
  const profile = await tf.profile(async () => {
    await model.fit(oneX, oneY, fitArgs);
  });
  tf.dispose([...warm.xs, ...warm.ys, ...timed.xs, ...timed.ys, wx, wy, tx, ty, oneX, oneY]);
  model.dispose();
  return {
    samplesPerSec: Math.round((budget.steps * BATCH * 10000) / ms) / 10,
    msPerStep: Math.round((ms / budget.steps) * 1000) / 1000,
    steps: budget.steps,
    kernelsPerStep: profile.kernels.filter((k) => !k.name.endsWith('__op')).length,
    tensorDelta,
  };
}

/** Manual loop: `optimizer.minimize(() => loss)` over pre-batched tensors. */
export async function timeMinimize(
  build: Builder,
  shape: number[],
  budget: Budget,
  optimizer: tf.Optimizer,
): Promise<StepTiming> {
  const model = build(optimizer);
  const n = budget.warmup + budget.steps + 1;
  const data = syntheticBatches(Math.min(n, 64), BATCH, shape, 3);
  const result = await timeSteps({
    ...budget,
    batchSize: BATCH,
    step: (i) => {
      const x = data.xs[i % data.xs.length] as tf.Tensor;
      const y = data.ys[i % data.ys.length] as tf.Tensor;
      optimizer.minimize(() => bce(model, x, y));
    },
  });
  tf.dispose([...data.xs, ...data.ys]);
  model.dispose();
  optimizer.dispose();
  return result;
}

/** The reference MLP trained by `DenseNet` (hand-written backward pass, fused Adam). */
export async function timeDenseNet(budget: Budget): Promise<StepTiming> {
  const net = new DenseNet({ inputSize: 30, hiddenUnits: [64, 32] });
  const data = syntheticBatches(64, BATCH, [30], 4);
  const result = await timeSteps({
    ...budget,
    batchSize: BATCH,
    step: (i) => {
      const x = data.xs[i % data.xs.length] as tf.Tensor2D;
      const y = data.ys[i % data.ys.length] as tf.Tensor2D;
      net.trainStep(x, y);
    },
  });
  tf.dispose([...data.xs, ...data.ys]);
  net.dispose();
  return result;
}

export const mlp = { build: buildReferenceMlp, shape: [30] };
export const cnn = { build: buildReferenceCnn, shape: [28, 28, 1] };
