import { Rng } from '@hpo/core';
import * as tf from '@tensorflow/tfjs';
import { TrainingStopped } from './errors.js';
import { ConvNet, DenseNet, registerAdamUpdateKernels, registerDenseOps } from './kernels/index.js';
import { applyStateUpdates, BN_EPSILON, BN_MOMENTUM, type NamedVariable, type Network } from './network.js';
import type { TrainParams } from './params.js';

/**
 * Rows of features read on demand (a fold view of the shared dataset): `read` writes the rows at
 * `positions` (0 ≤ position < the data's `rows`) into `out`, `inputSize` floats each.
 */
export interface RowSource {
  read(positions: Int32Array, out: Float32Array): void;
}

/** Training data: `rows` samples of `inputSize` preprocessed floats each (or a view that preprocesses on read). */
export interface TrainingData {
  /** Row-major features, or a view that reads them on demand (no copy of the fold). */
  x: Float32Array | RowSource;
  y: Uint8Array;
  /** Per-sample loss weights (class weights), or undefined for all ones. */
  weights?: Float32Array;
  rows: number;
}

/** What one call to `fit` did. */
export interface FitReport {
  /** Epochs run (≤ params.epochs; fewer when early stopping fired). */
  epochs: number;
  /** Epoch whose weights were kept (1-based; the last one without early stopping). */
  bestEpoch: number;
  /** Inner-validation loss per epoch (empty without a validation set). */
  valLoss: number[];
  /** Mean training loss per epoch (NaN on the fast MLP path unless an epoch callback is given). */
  trainLoss: number[];
  /** Training samples processed per second. */
  samplesPerSecond: number;
  stoppedEarly: boolean;
}

/** Called after each epoch; return false to stop (cancel). */
export type EpochCallback = (
  epoch: number,
  trainLoss: number,
  valLoss: number | undefined,
) => boolean | undefined;

/** What `fit` trains, on what, and how it can be stopped. */
export interface FitOptions {
  /** The network; its variables are trained in place (the best epoch's weights are kept). */
  net: Network;
  params: TrainParams;
  train: TrainingData;
  /** Inner-validation data for early stopping; undefined or empty trains `params.epochs` epochs. */
  valid?: TrainingData | undefined;
  /** Seeds the per-epoch shuffling. */
  seed: number;
  /** Called after each epoch; returning false stops training (keeping the best weights). */
  onEpoch?: EpochCallback | undefined;
  /** Asked before every batch; true stops training with `TrainingStopped`. */
  shouldStop?: (() => boolean) | undefined;
  /**
   * Called after each epoch with the network as it stands (before any early-stopping restore);
   * unlike `onEpoch` it costs no loss evaluation.
   */
  afterEpoch?: ((epoch: number) => void) | undefined;
  /** Train with tfjs autodiff even where the hand-written step applies (the reference in tests). */
  autodiff?: boolean | undefined;
}

/**
 * Mini-batch training with a manual loop: seeded shuffling per epoch, weighted sigmoid
 * cross-entropy on logits (+ L2 on kernels), and early stopping on `valid` with `patience`,
 * restoring the best epoch's weights. Batches are built on the JS side, so a step costs only
 * the network's own kernels.
 */
export function fit(options: FitOptions): FitReport {
  const { net, params, train, valid, seed, onEpoch, shouldStop } = options;
  const vars = net.weights.map((w) => w.variable);
  const kept = [...vars, ...net.state.map((s) => s.variable)];
  // Every network the schema builds trains through a hand-written forward and backward pass
  // (about 30 kernels a step for an MLP instead of 200+); tfjs' autodiff is the reference in tests.
  const fast = options.autodiff ? undefined : engineFor(net, params);
  const optimizer = fast ? undefined : makeOptimizer(params);
  const inputSize = net.inputShape.reduce((a, b) => a * b, 1);
  const rng = Rng.derive(seed, 'shuffle');
  const order = new Int32Array(train.rows);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const batch = Math.min(params.batchSize, train.rows);
  const xb = new Float32Array(batch * inputSize);
  const yb = new Float32Array(batch);
  const wb = new Float32Array(batch);
  const trainLoss: number[] = [];
  const valLoss: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let snapshot: tf.Tensor[] | undefined;
  let waited = 0;
  let stoppedEarly = false;
  const started = performance.now();
  let samples = 0;
  try {
    for (let epoch = 1; epoch <= params.epochs; epoch++) {
      shuffleInPlace(order, rng);
      let lossSum = 0;
      const losses: tf.Scalar[] = [];
      for (let start = 0; start < train.rows; start += batch) {
        if (shouldStop?.()) {
          for (const l of losses) l.dispose();
          throw new TrainingStopped();
        }
        const size = Math.min(batch, train.rows - start);
        const picked = order.subarray(start, start + size);
        readRows(train.x, picked, xb.subarray(0, size * inputSize), inputSize);
        for (let i = 0; i < size; i++) {
          const r = picked[i]!;
          yb[i] = train.y[r]!;
          wb[i] = train.weights ? train.weights[r]! : 1;
        }
        if (fast) {
          // scale = w / batch: Keras' weighted mean of the per-sample loss.
          for (let i = 0; i < size; i++) wb[i] = wb[i]! / size;
          tf.tidy(() => {
            const x = tf.tensor(size === batch ? xb : xb.subarray(0, size * inputSize), [
              size,
              ...net.inputShape,
            ]);
            const y = tf.tensor2d(size === batch ? yb : yb.subarray(0, size), [size, 1]);
            const w = tf.tensor2d(size === batch ? wb : wb.subarray(0, size), [size, 1]);
            fast.trainStep(x, y, w);
          });
        } else {
          const loss = tf.tidy(() => {
            const shape = [size, ...net.inputShape];
            const x = tf.tensor(size === batch ? xb : xb.subarray(0, size * inputSize), shape);
            const y = tf.tensor2d(size === batch ? yb : yb.subarray(0, size), [size, 1]);
            const w = tf.tensor2d(size === batch ? wb : wb.subarray(0, size), [size, 1]);
            return optimizer!.minimize(() => lossFn(net, params, x, y, w), true, vars)!;
          });
          applyStateUpdates();
          // Reading the loss each step would stall the pipeline; sum once per epoch instead.
          losses.push(loss);
        }
        samples += size;
      }
      if (fast) {
        // The fast step computes no loss; measure it only when someone listens (a forward pass
        // over up to 2048 rows would otherwise add a third to each epoch of a small net).
        trainLoss.push(onEpoch ? evaluateLoss(net, head(train, TRAIN_LOSS_ROWS)) : Number.NaN);
      } else {
        const total = tf.tidy(() => tf.addN(losses));
        lossSum = total.dataSync()[0]!;
        total.dispose();
        for (const l of losses) l.dispose();
        trainLoss.push(lossSum / losses.length);
      }
      let v: number | undefined;
      if (valid && valid.rows > 0) {
        v = evaluateLoss(net, valid);
        valLoss.push(v);
        if (v < best - 1e-7) {
          best = v;
          bestEpoch = epoch;
          waited = 0;
          for (const t of snapshot ?? []) t.dispose();
          // Batch norm's moving statistics too: the kept epoch's weights go with its statistics.
          snapshot = kept.map((w) => tf.clone(w));
        } else if (++waited >= params.patience) {
          stoppedEarly = true;
        }
      } else {
        bestEpoch = epoch;
      }
      options.afterEpoch?.(epoch);
      if (onEpoch?.(epoch, trainLoss[trainLoss.length - 1]!, v) === false || stoppedEarly) break;
    }
    if (snapshot) for (const [i, w] of kept.entries()) w.assign(snapshot[i]!);
  } finally {
    for (const t of snapshot ?? []) t.dispose();
    fast?.dispose();
    optimizer?.dispose();
    // tfjs' MomentumOptimizer.dispose() forgets the learning-rate scalar its SGD parent keeps.
    (optimizer as unknown as { c?: tf.Tensor } | undefined)?.c?.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    epochs: trainLoss.length,
    bestEpoch,
    valLoss,
    trainLoss,
    samplesPerSecond: seconds > 0 ? samples / seconds : 0,
    stoppedEarly,
  };
}

/** Probabilities of the positive class for `rows` samples, predicted in batches. */
export function predictProba(net: Network, x: Float32Array, rows: number, batchSize = 1024): Float32Array {
  return forwardRows(net, x, rows, batchSize, true);
}

/** The network's logits (pre-sigmoid) for `rows` rows: what calibration and exports start from. */
export function predictLogits(net: Network, x: Float32Array, rows: number, batchSize = 1024): Float32Array {
  return forwardRows(net, x, rows, batchSize, false);
}

function forwardRows(
  net: Network,
  x: Float32Array,
  rows: number,
  batchSize: number,
  sigmoid: boolean,
): Float32Array {
  const inputSize = net.inputShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(rows);
  for (let start = 0; start < rows; start += batchSize) {
    const size = Math.min(batchSize, rows - start);
    const p = tf.tidy(() => {
      const xt = tf.tensor(x.subarray(start * inputSize, (start + size) * inputSize), [
        size,
        ...net.inputShape,
      ]);
      const z = net.forward(xt, false);
      return sigmoid ? tf.sigmoid(z) : z;
    });
    out.set(p.dataSync() as Float32Array, start);
    p.dispose();
  }
  return out;
}

/** Mean (weighted) binary cross-entropy of the network on a data set, without L2. */
export function evaluateLoss(net: Network, data: TrainingData, batchSize = 1024): number {
  const inputSize = net.inputShape.reduce((a, b) => a * b, 1);
  let total = 0;
  let weight = 0;
  const view = data.x instanceof Float32Array ? undefined : data.x;
  const positions = new Int32Array(view ? Math.min(batchSize, data.rows) : 0);
  const xb = view ? new Float32Array(positions.length * inputSize) : undefined;
  for (let start = 0; start < data.rows; start += batchSize) {
    const size = Math.min(batchSize, data.rows - start);
    const w = data.weights ? data.weights.subarray(start, start + size) : new Float32Array(size).fill(1);
    let rows: Float32Array;
    if (!view) rows = (data.x as Float32Array).subarray(start * inputSize, (start + size) * inputSize);
    else {
      for (let i = 0; i < size; i++) positions[i] = start + i;
      rows = xb!.subarray(0, size * inputSize);
      view.read(positions.subarray(0, size), rows);
    }
    const s = tf.tidy(() => {
      const x = tf.tensor(rows, [size, ...net.inputShape]);
      const y = tf.tensor2d(Float32Array.from(data.y.subarray(start, start + size)), [size, 1]);
      const wt = tf.tensor2d(w, [size, 1]);
      return tf.sum(
        tf.mul(tf.losses.sigmoidCrossEntropy(y, net.forward(x, false), undefined, 0, tf.Reduction.NONE), wt),
      );
    });
    total += s.dataSync()[0]!;
    s.dispose();
    for (const v of w) weight += v;
  }
  return weight > 0 ? total / weight : 0;
}

/** Rows of the training set whose loss is reported per epoch on the fast path. */
const TRAIN_LOSS_ROWS = 2048;

/**
 * Whether `fit` trains on the hand-written engine on the active backend: every MLP and CNN the
 * schema can produce does where its fused kernels exist (wasm, cpu). Elsewhere (tfjs-node) each
 * fused op would download its inputs, so those backends train through tfjs autodiff, which runs
 * natively there.
 */
export function trainsOnEngine(): boolean {
  registerDenseOps();
  registerAdamUpdateKernels();
  return tf.getKernel('HpoBceGrad', tf.getBackend()) !== undefined;
}

/** A hand-written training step: `DenseNet` for MLPs, `ConvNet` for CNNs. */
interface Engine {
  trainStep(x: tf.Tensor, y: tf.Tensor2D, scale: tf.Tensor2D): void;
  dispose(): void;
}

function engineFor(net: Network, params: TrainParams): Engine | undefined {
  if (!trainsOnEngine()) return undefined;
  const shared = {
    activation: params.activation,
    optimizer: params.optimizer,
    learningRate: params.learningRate,
    l2: params.l2,
    dropout: params.dropout,
    masks: net.masks,
    batchNorm: params.batchNorm,
    bnMomentum: BN_MOMENTUM,
    bnEpsilon: BN_EPSILON,
  };
  if (net.cnn) {
    // The head's variables only (conv blocks have their own kernels and batch norms).
    const head = (list: NamedVariable[]) =>
      list.filter((w) => w.name.startsWith('head/') || w.name.startsWith('output/'));
    const conv = new ConvNet({
      ...shared,
      blocks: net.cnn.blocks,
      flat: net.cnn.flat,
      head: denseVariables(head(net.weights), head(net.state)),
    });
    return { trainStep: (x, y, w) => conv.trainStep(x as tf.Tensor4D, y, w), dispose: () => conv.dispose() };
  }
  const dense = new DenseNet({
    ...shared,
    inputSize: net.inputShape[0]!,
    hiddenUnits: [],
    variables: denseVariables(net.weights, net.state),
  });
  return { trainStep: (x, y, w) => dense.trainStep(x as tf.Tensor2D, y, w), dispose: () => dense.dispose() };
}

/** A DenseNet's variables from the network's, by name, in layer order. */
function denseVariables(weights: NamedVariable[], state: NamedVariable[]) {
  return {
    kernels: named(weights, '/kernel'),
    biases: named(weights, '/bias'),
    gammas: named(weights, '/gamma'),
    betas: named(weights, '/beta'),
    movingMeans: named(state, '/moving_mean'),
    movingVars: named(state, '/moving_variance'),
  };
}

/** The variables whose names end with `suffix`, in the network's (layer) order. */
function named(list: NamedVariable[], suffix: string): tf.Variable[] {
  return list.filter((w) => w.name.endsWith(suffix)).map((w) => w.variable);
}

/** Rows `positions` of features `x` into `out`, `inputSize` floats each. */
function readRows(
  x: Float32Array | RowSource,
  positions: Int32Array,
  out: Float32Array,
  inputSize: number,
): void {
  if (!(x instanceof Float32Array)) {
    x.read(positions, out);
    return;
  }
  if (inputSize >= 64) {
    for (let i = 0; i < positions.length; i++) {
      const r = positions[i]!;
      out.set(x.subarray(r * inputSize, (r + 1) * inputSize), i * inputSize);
    }
    return;
  }
  // Narrow rows: a plain copy beats a subarray (an allocation) per row.
  for (let i = 0, o = 0; i < positions.length; i++) {
    const from = positions[i]! * inputSize;
    for (let j = 0; j < inputSize; j++) out[o++] = x[from + j]!;
  }
}

function head(data: TrainingData, rows: number): TrainingData {
  if (data.rows <= rows) return data;
  // A view's first positions are its first rows: the same view, fewer rows.
  const x = data.x instanceof Float32Array ? data.x.subarray(0, rows * (data.x.length / data.rows)) : data.x;
  return {
    x,
    y: data.y.subarray(0, rows),
    rows,
    ...(data.weights ? { weights: data.weights.subarray(0, rows) } : {}),
  };
}

function lossFn(net: Network, params: TrainParams, x: tf.Tensor, y: tf.Tensor2D, w: tf.Tensor2D): tf.Scalar {
  const logits = net.forward(x, true);
  // Σ w·BCE / batch size, as Keras applies class_weight and sample_weight, and as the
  // hand-written MLP step does (tfjs' Reduction.MEAN would divide by Σw instead: another
  // objective, with L2 weighed differently against the data term).
  const perSample = tf.losses.sigmoidCrossEntropy(y, logits, undefined, 0, tf.Reduction.NONE);
  let loss = tf.div(tf.sum(tf.mul(perSample, w)), y.shape[0]) as tf.Scalar;
  if (params.l2 > 0) {
    const penalty = tf.addN(net.penalised.map((k) => tf.sum(tf.square(k))));
    loss = tf.add(loss, tf.mul(penalty, params.l2));
  }
  return loss;
}

function makeOptimizer(params: TrainParams): tf.Optimizer {
  switch (params.optimizer) {
    case 'adam':
      return tf.train.adam(params.learningRate);
    case 'sgd':
      return tf.train.momentum(params.learningRate, 0.9);
    case 'rmsprop':
      return tf.train.rmsprop(params.learningRate);
  }
}

function shuffleInPlace(a: Int32Array, rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}
