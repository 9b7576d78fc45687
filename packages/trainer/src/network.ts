import { Rng } from '@hpo/core';
import * as tf from '@tensorflow/tfjs';
import { TrialError } from './errors.js';
import type { HiddenActivation, MaskSource } from './kernels/index.js';
import { mlpWidths, type TrainParams } from './params.js';

/**
 * A feed-forward binary classifier as plain tf.Variables and a forward function. We do not use
 * tf.layers: a hand-written forward pass uses fused matMul/conv2d + bias + activation kernels and
 * no per-layer bookkeeping, which is what dominates a training step of a small net on wasm.
 * Weights are initialised from our seeded Rng, so the same seed gives the same net on any
 * backend.
 */
export interface Network {
  /** Input shape without the batch dimension: [features] or [height, width, channels]. */
  inputShape: number[];
  /** Trainable weights in a fixed order; names are stable and used by the saved format. */
  weights: NamedVariable[];
  /** Non-trainable state (batch-norm moving mean/variance). */
  state: NamedVariable[];
  /** Logits (pre-sigmoid), shape [batch, 1]. `training` enables dropout and batch statistics. */
  forward(x: tf.Tensor, training: boolean): tf.Tensor2D;
  /** Kernels that the L2 penalty applies to. */
  penalised: tf.Variable[];
  /** Where training forward passes draw their dropout masks (the hand-written step shares it). */
  masks: DropoutMasks;
  /** A CNN's conv blocks, input side first, and the width of their flattened output. */
  cnn?: { blocks: ConvBlockLayout[]; flat: number };
}

/** One conv block as built: conv (3×3…, stride 1) → [batch norm] → activation → pool → dropout. */
export interface ConvBlockLayout {
  filter: tf.Variable;
  /** Unused when the block has batch norm (β shifts instead), as for dense layers. */
  bias: tf.Variable;
  bn?: { gamma: tf.Variable; beta: tf.Variable; movingMean: tf.Variable; movingVar: tf.Variable };
  pad: 'same' | 'valid';
  /** 2×2 pooling with stride 2 ('none' also where the input is under 2×2). */
  pool: 'max' | 'avg' | 'none';
  /** The conv dropout rate. */
  dropout: number;
}

/**
 * Seeded inverted-dropout masks: each value is 0 with probability `rate`, else 1/(1 − rate).
 * One stream per network, drawn in forward order (layer by layer, step by step), so tfjs'
 * autodiff and the hand-written MLP step drop the same units for the same seed.
 */
export class DropoutMasks implements MaskSource {
  private draws = new Uint32Array(0);

  constructor(private readonly rng: Rng) {}

  next(size: number, rate: number): Float32Array {
    if (this.draws.length < size) this.draws = new Uint32Array(size);
    const draws = this.rng.fillUint32(this.draws.subarray(0, size));
    const out = new Float32Array(size);
    const keep = 1 / (1 - rate);
    // Kept when a uniform 32-bit draw is at or above rate·2³²: P(kept) = 1 − rate.
    const threshold = rate * 4294967296;
    for (let i = 0; i < size; i++) if (draws[i]! >= threshold) out[i] = keep;
    return out;
  }
}

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

/** Variables created so far in this thread (names only). */
let variableCount = 0;

/** Batch norm's moving-statistics momentum and variance ε (Keras' defaults), for every path. */
export const BN_MOMENTUM = 0.99;
export const BN_EPSILON = 1e-3;
/** Activations tfjs fuses into matMul and conv2d (the engine fuses the same). */
export const FUSED_ACTIVATIONS: ReadonlySet<HiddenActivation> = new Set(['relu', 'elu', 'sigmoid', 'linear']);

/** Builds the MLP or CNN that `params` describe, with seeded initial weights. */
export function buildNetwork(params: TrainParams, inputShape: number[], seed: number): Network {
  const weights: NamedVariable[] = [];
  const state: NamedVariable[] = [];
  try {
    return constructNetwork(params, inputShape, seed, weights, state);
  } catch (err) {
    // A shape that does not fit fails half-way: free the variables already made.
    for (const { variable } of [...weights, ...state]) variable.dispose();
    throw err;
  }
}

function constructNetwork(
  params: TrainParams,
  inputShape: number[],
  seed: number,
  weights: NamedVariable[],
  state: NamedVariable[],
): Network {
  const rng = Rng.derive(seed, 'init');
  const penalised: tf.Variable[] = [];
  const add = (list: NamedVariable[], name: string, t: tf.Tensor, trainable: boolean) => {
    // tfjs wants engine-wide unique variable names; a counter keeps them deterministic.
    const variable = tf.variable(t, trainable, `${name}#${++variableCount}`);
    t.dispose();
    list.push({ name, variable });
    return variable;
  };
  const dense = (name: string, fanIn: number, fanOut: number) => {
    const kernel = add(weights, `${name}/kernel`, glorot(rng, [fanIn, fanOut], fanIn, fanOut), true);
    const bias = add(weights, `${name}/bias`, tf.zeros([fanOut]), true);
    penalised.push(kernel);
    return { kernel, bias };
  };
  const batchNorm = (name: string, width: number) => ({
    gamma: add(weights, `${name}/gamma`, tf.ones([width]), true),
    beta: add(weights, `${name}/beta`, tf.zeros([width]), true),
    movingMean: add(state, `${name}/moving_mean`, tf.zeros([width]), false),
    movingVar: add(state, `${name}/moving_variance`, tf.ones([width]), false),
  });
  const masks = new DropoutMasks(Rng.derive(seed, 'dropout'));
  const dropout = (x: tf.Tensor, rate: number, training: boolean) =>
    training && rate > 0 ? tf.mul(x, tf.tensor(masks.next(x.size, rate), x.shape)) : x;

  type Block = (x: tf.Tensor, training: boolean) => tf.Tensor;
  let cnn: Network['cnn'];
  const blocks: Block[] = [];
  let width: number;
  if (params.family === 'mlp') {
    if (inputShape.length !== 1)
      throw new Error(`an MLP needs flat features, got input shape [${inputShape}]`);
    width = inputShape[0]!;
  } else {
    if (inputShape.length !== 3)
      throw new Error(`a CNN needs [height, width, channels] inputs, got [${inputShape}]`);
    let [h, w, c] = inputShape as [number, number, number];
    const layouts: ConvBlockLayout[] = [];
    for (let b = 0; b < params.convBlocks; b++) {
      const filters = params.filters * 2 ** b;
      const k = params.kernelSize;
      const fanIn = k * k * c;
      const filter = add(
        weights,
        `conv${b}/kernel`,
        glorot(rng, [k, k, c, filters], fanIn, k * k * filters),
        true,
      );
      const bias = add(weights, `conv${b}/bias`, tf.zeros([filters]), true);
      penalised.push(filter);
      const bn = params.batchNorm ? batchNorm(`conv${b}/bn`, filters) : undefined;
      const pad = params.padding;
      if (pad === 'valid') {
        if (h < k || w < k)
          throw new TrialError(
            `conv block ${b + 1} gets ${h}×${w} inputs, smaller than the ${k}×${k} kernel; use padding 'same' or fewer blocks`,
            'convBlocks',
          );
        h = h - k + 1;
        w = w - k + 1;
      }
      const pool = params.pool !== 'none' && h >= 2 && w >= 2 ? params.pool : 'none';
      layouts.push({
        filter,
        bias,
        ...(bn ? { bn } : {}),
        pad,
        pool,
        dropout: params.convDropout,
      });
      blocks.push((x, training) => {
        let y = bn
          ? tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, pad)
          : convAct(x as tf.Tensor4D, filter as tf.Tensor4D, bias as tf.Tensor1D, params.activation, pad);
        if (bn) y = activate(applyBatchNorm(y, bn, training), params.activation);
        if (pool === 'max') y = tf.maxPool(y as tf.Tensor4D, 2, 2, 'valid');
        else if (pool === 'avg') y = tf.avgPool(y as tf.Tensor4D, 2, 2, 'valid');
        return dropout(y, params.convDropout, training);
      });
      if (pool !== 'none') {
        h = Math.floor(h / 2);
        w = Math.floor(w / 2);
      }
      c = filters;
    }
    const flat = h * w * c;
    width = flat;
    cnn = { blocks: layouts, flat };
    blocks.push((x) => tf.reshape(x, [-1, flat]));
    if (params.denseUnits > 0) appendDense('head', width, params.denseUnits, params.dropout);
  }
  if (params.family === 'mlp') {
    mlpWidths(params).forEach((units, i) => {
      appendDense(`dense${i}`, width, units, params.dropout);
    });
  }
  const out = dense('output', width, 1);

  function appendDense(name: string, fanIn: number, units: number, rate: number) {
    const { kernel, bias } = dense(name, fanIn, units);
    const bn = params.batchNorm ? batchNorm(`${name}/bn`, units) : undefined;
    blocks.push((x, training) => {
      let y: tf.Tensor;
      if (bn)
        y = activate(
          applyBatchNorm(tf.matMul(x as tf.Tensor2D, kernel as tf.Tensor2D), bn, training),
          params.activation,
        );
      else y = denseAct(x as tf.Tensor2D, kernel as tf.Tensor2D, bias as tf.Tensor1D, params.activation);
      return dropout(y, rate, training);
    });
    width = units;
  }

  return {
    inputShape,
    weights,
    state,
    penalised,
    masks,
    ...(cnn ? { cnn } : {}),
    forward(x, training) {
      let h = x;
      for (const block of blocks) h = block(h, training);
      return tf.fused.matMul({
        a: h as tf.Tensor2D,
        b: out.kernel as tf.Tensor2D,
        bias: out.bias,
      }) as tf.Tensor2D;
    },
  };

  function applyBatchNorm(
    x: tf.Tensor,
    bn: { gamma: tf.Variable; beta: tf.Variable; movingMean: tf.Variable; movingVar: tf.Variable },
    training: boolean,
  ): tf.Tensor {
    if (!training) return tf.batchNorm(x, bn.movingMean, bn.movingVar, bn.beta, bn.gamma, BN_EPSILON);
    const axes = x.rank === 4 ? [0, 1, 2] : [0];
    const { mean, variance } = tf.moments(x, axes);
    // Moving statistics are state, not trained: update them outside the gradient tape.
    const m = tf.keep(mean);
    const v = tf.keep(variance);
    pendingStateUpdates.push(() => {
      tf.tidy(() => {
        bn.movingMean.assign(bn.movingMean.mul(BN_MOMENTUM).add(m.mul(1 - BN_MOMENTUM)));
        bn.movingVar.assign(bn.movingVar.mul(BN_MOMENTUM).add(v.mul(1 - BN_MOMENTUM)));
      });
      m.dispose();
      v.dispose();
    });
    return tf.batchNorm(x, mean, variance, bn.beta, bn.gamma, BN_EPSILON);
  }
}

/** Updates recorded during a training forward pass (batch-norm moving stats), applied after the step. */
const pendingStateUpdates: (() => void)[] = [];

/** Applies and clears the moving-statistics updates of the last training step. */
export function applyStateUpdates(): void {
  for (const update of pendingStateUpdates.splice(0)) update();
}

/** Frees every variable of a network. */
export function disposeNetwork(net: Network): void {
  for (const { variable } of [...net.weights, ...net.state]) variable.dispose();
}

function denseAct(
  x: tf.Tensor2D,
  kernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  activation: TrainParams['activation'],
): tf.Tensor {
  if (FUSED_ACTIVATIONS.has(activation)) {
    return tf.fused.matMul({ a: x, b: kernel, bias, activation: activation as tf.fused.Activation });
  }
  return activate(tf.fused.matMul({ a: x, b: kernel, bias }), activation);
}

function convAct(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  activation: TrainParams['activation'],
  pad: 'same' | 'valid',
): tf.Tensor {
  if (FUSED_ACTIVATIONS.has(activation)) {
    return tf.fused.conv2d({
      x,
      filter,
      bias,
      strides: 1,
      pad,
      activation: activation as tf.fused.Activation,
    });
  }
  return activate(tf.fused.conv2d({ x, filter, bias, strides: 1, pad }), activation);
}

/** act(x) for every activation a network can have (the hand-written engine uses it too). */
export function activate<T extends tf.Tensor>(x: T, activation: HiddenActivation): T {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
  }
}

/** Glorot-uniform initial weights from our Rng: U(±sqrt(6 / (fanIn + fanOut))). */
function glorot(rng: Rng, shape: number[], fanIn: number, fanOut: number): tf.Tensor {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = rng.uniform(-limit, limit);
  return tf.tensor(data, shape);
}
