/**
 * Export to the TensorFlow.js Layers format: a `model.json` (layers-model topology and weight
 * manifest) and `weights.bin` that `tf.loadLayersModel` loads, computing the same probability as
 * hpo's network (before calibration), plus `hpo-preprocessing.json`, a sidecar with what runs
 * around the network: the fitted preprocessing of tabular inputs (imputation, one-hot, scaling),
 * the pixel scale of images, the calibration, the thresholds and the class names.
 *
 * The Keras route: `tensorflowjs_converter --input_format=tfjs_layers_model
 * --output_format=keras model.json model.h5` (from the `tensorflowjs` pip package; it cannot be
 * installed on the machine hpo is developed on, so that step is documented, not tested).
 */
import { DEFAULT_MISSING } from '@hpo/core';
import * as tf from '@tensorflow/tfjs';
import type { SavedModelMetadata, TrainedModel } from './artifact.js';
import type { ModelFile } from './model-files.js';
import { BN_EPSILON, BN_MOMENTUM } from './network.js';
import { mlpWidths } from './params.js';

/** Keras/TF.js Layers activation names of hpo's activations. */
const ACTIVATION: Record<string, string> = {
  relu: 'relu',
  elu: 'elu',
  selu: 'selu',
  tanh: 'tanh',
  sigmoid: 'sigmoid',
  swish: 'swish',
};

/** Builds a tf.Sequential equal to the model's network (sigmoid output) and copies its weights. */
export function toLayersModel(model: TrainedModel): tf.Sequential {
  const p = model.params;
  const w = new Map([...model.net.weights, ...model.net.state].map((v) => [v.name, v.variable]));
  const get = (name: string) => {
    const v = w.get(name);
    if (!v) throw new Error(`the network has no weight '${name}'`);
    return v;
  };
  const act = ACTIVATION[p.activation];
  if (!act) throw new Error(`activation '${p.activation}' has no Layers equivalent`);
  const seq = tf.sequential();
  const pending: { layer: tf.layers.Layer; weights: tf.Tensor[] }[] = [];
  const bn = (name: string) => {
    const layer = tf.layers.batchNormalization({
      epsilon: BN_EPSILON,
      momentum: BN_MOMENTUM,
      name: `${name}_bn`,
    });
    seq.add(layer);
    pending.push({
      layer,
      weights: [
        get(`${name}/bn/gamma`),
        get(`${name}/bn/beta`),
        get(`${name}/bn/moving_mean`),
        get(`${name}/bn/moving_variance`),
      ],
    });
    seq.add(tf.layers.activation({ activation: act as 'relu', name: `${name}_act` }));
  };
  const dense = (name: string, units: number, rate: number, inputShape?: number[]) => {
    const layer = tf.layers.dense({
      units,
      useBias: !p.batchNorm,
      activation: (p.batchNorm ? 'linear' : act) as 'relu',
      name,
      ...(inputShape ? { inputShape } : {}),
    });
    seq.add(layer);
    pending.push({
      layer,
      weights: p.batchNorm ? [get(`${name}/kernel`)] : [get(`${name}/kernel`), get(`${name}/bias`)],
    });
    if (p.batchNorm) bn(name);
    if (rate > 0) seq.add(tf.layers.dropout({ rate, name: `${name}_dropout` }));
  };
  const input = model.net.inputShape;
  if (p.family === 'mlp') {
    const widths = mlpWidths(p);
    if (widths.length === 0) throw new Error('an MLP with no hidden layer');
    for (const [i, units] of widths.entries())
      dense(`dense${i}`, units, p.dropout, i === 0 ? input : undefined);
  } else {
    let [h, wd] = input as [number, number, number];
    for (let b = 0; b < p.convBlocks; b++) {
      const name = `conv${b}`;
      const layer = tf.layers.conv2d({
        filters: p.filters * 2 ** b,
        kernelSize: p.kernelSize,
        padding: p.padding,
        useBias: !p.batchNorm,
        activation: (p.batchNorm ? 'linear' : act) as 'relu',
        name,
        ...(b === 0 ? { inputShape: input } : {}),
      });
      seq.add(layer);
      pending.push({
        layer,
        weights: p.batchNorm ? [get(`${name}/kernel`)] : [get(`${name}/kernel`), get(`${name}/bias`)],
      });
      if (p.batchNorm) bn(name);
      if (p.padding === 'valid') {
        h = h - p.kernelSize + 1;
        wd = wd - p.kernelSize + 1;
      }
      // As in the network: no pooling once a side is below 2.
      if (p.pool !== 'none' && h >= 2 && wd >= 2) {
        const pool = { poolSize: 2, strides: 2, padding: 'valid' as const, name: `${name}_pool` };
        seq.add(p.pool === 'max' ? tf.layers.maxPooling2d(pool) : tf.layers.averagePooling2d(pool));
        h = Math.floor(h / 2);
        wd = Math.floor(wd / 2);
      }
      if (p.convDropout > 0) seq.add(tf.layers.dropout({ rate: p.convDropout, name: `${name}_dropout` }));
    }
    seq.add(tf.layers.flatten({ name: 'flatten' }));
    if (p.denseUnits > 0) dense('head', p.denseUnits, p.dropout);
  }
  const out = tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'output' });
  seq.add(out);
  pending.push({ layer: out, weights: [get('output/kernel'), get('output/bias')] });
  for (const { layer, weights } of pending) layer.setWeights(weights);
  return seq;
}

/** The files of a TF.js Layers export (see the module comment). */
export async function layersModelFiles(
  model: TrainedModel,
  metadata: SavedModelMetadata,
): Promise<ModelFile[]> {
  const seq = toLayersModel(model);
  try {
    let artifacts: tf.io.ModelArtifacts | undefined;
    await seq.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const a = artifacts!;
    const weightData =
      a.weightData instanceof ArrayBuffer
        ? a.weightData
        : tf.io.concatenateArrayBuffers(a.weightData as ArrayBuffer[]);
    const modelJson = {
      format: 'layers-model',
      generatedBy: `hpo (TensorFlow.js ${tf.version.tfjs})`,
      convertedBy: null,
      modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    };
    const sidecar = {
      format: 'hpo-preprocessing',
      version: 1,
      about:
        'What runs around model.json: tabular inputs go through `pipeline` (numeric columns: impute with `fill`, then (x - center) / scale; categorical columns: one-hot in `categories` order, an unseen category all zeros, a missing one as `fill`), in `featureNames` order; image inputs are divided by `pixelScale`. The network outputs the probability of `classes.positive`; apply `calibration` to it, then compare with a threshold.',
      classes: model.classes,
      pipeline: model.pipeline ?? null,
      imageShape: model.imageShape ?? null,
      pixelScale: model.pixelScale ?? null,
      calibration: metadata.calibration ?? { method: 'none' },
      thresholds: metadata.thresholds,
      decision: metadata.decision ?? null,
      // How to read raw rows as training read them: the effective missing markers included.
      csv: model.pipeline ? { ...(model.csv ?? {}), missing: model.csv?.missing ?? DEFAULT_MISSING } : null,
    };
    const text = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 1));
    return [
      { name: 'weights.bin', data: new Uint8Array(weightData) },
      { name: 'hpo-preprocessing.json', data: text(sidecar) },
      { name: 'model.json', data: text(modelJson) },
    ];
  } finally {
    seq.dispose();
  }
}
