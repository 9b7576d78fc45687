import * as tf from '@tensorflow/tfjs';

/** Reference MLP: 30 → dense 64 relu → dense 32 relu → dense 1 sigmoid. */
export function buildReferenceMlp(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [30], units: 64, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 32, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer, loss: 'binaryCrossentropy' });
  return model;
}

/**
 * Reference CNN: 28×28×1 → conv 32 3×3 relu → maxpool 2 → conv 64 3×3 relu → maxpool 2 →
 * flatten → dense 128 relu → dense 1 sigmoid.
 */
export function buildReferenceCnn(optimizer: tf.Optimizer): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer, loss: 'binaryCrossentropy' });
  return model;
}

/** Synthetic data: `batches` batches of standard-normal inputs and 0/1 labels. */
export function syntheticBatches(
  batches: number,
  batchSize: number,
  featureShape: number[],
  seed: number,
): { xs: tf.Tensor[]; ys: tf.Tensor2D[] } {
  const xs: tf.Tensor[] = [];
  const ys: tf.Tensor2D[] = [];
  for (let i = 0; i < batches; i++) {
    xs.push(tf.randomNormal([batchSize, ...featureShape], 0, 1, 'float32', seed + 2 * i));
    ys.push(tf.tidy(() => tf.round(tf.randomUniform([batchSize, 1], 0, 1, 'float32', seed + 2 * i + 1))));
  }
  return { xs, ys };
}
