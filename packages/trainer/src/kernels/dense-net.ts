import * as tf from '@tensorflow/tfjs';
import { activate, BN_EPSILON, BN_MOMENTUM, FUSED_ACTIVATIONS } from '../network.js';
import { type AdamAttrs, registerAdamUpdateKernels, UPDATE_RULES, updateAll } from './adam-update.js';
import { ACTIVATION_CODES, registerDenseOps, runFused } from './dense-ops.js';

/** Hidden-layer activations the hand-written backward pass supports (every one the schema allows, and linear). */
export type HiddenActivation = 'relu' | 'tanh' | 'linear' | 'elu' | 'selu' | 'sigmoid' | 'swish';

/** Optimisers of the hand-written step, with tfjs' semantics (SGD is momentum 0.9, as hpo's autodiff path). */
export type DenseOptimizer = 'adam' | 'sgd' | 'rmsprop';

/**
 * Inverted dropout masks: `next(size, rate)` returns `size` values, each 0 (dropped, with
 * probability `rate`) or 1/(1 − rate) (kept). A DenseNet calls it once per hidden layer per
 * training step, input side first, with size = rows × units.
 */
export interface MaskSource {
  next(size: number, rate: number): Float32Array;
}

/** Shape and optimiser of a `DenseNet`; every field but the sizes has a default. */
export interface DenseNetOptions {
  /** Number of input features. */
  inputSize: number;
  /** Units of each hidden layer, input side first (e.g. [64, 32]). */
  hiddenUnits: number[];
  /** Hidden activation; default 'relu'. The output is always one sigmoid unit. */
  activation?: HiddenActivation;
  /** Default 'adam'. */
  optimizer?: DenseOptimizer;
  /** Step size; default 0.001 (Keras and tfjs default). */
  learningRate?: number;
  /** Adam β1, β2, ε; defaults 0.9, 0.999, 1e-7 (Keras defaults). */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** L2 penalty λ·Σw² on the kernels (not biases), as Keras' `l2(λ)`; default 0. */
  l2?: number;
  /** Dropout rate after every hidden layer while training; default 0. Needs `masks` when > 0. */
  dropout?: number;
  /** Where training steps take their dropout masks from (e.g. the network's `DropoutMasks`). */
  masks?: MaskSource;
  /**
   * Batch norm in every hidden layer: x·kernel (the bias is not used) → batch norm → activation
   * → dropout, as hpo's network builds it. Training normalises with the batch's statistics and
   * updates the moving ones; inference uses the moving ones. Default false.
   */
  batchNorm?: boolean;
  /** Moving-statistics momentum and variance ε of batch norm; defaults 0.99 and 1e-3 (Keras). */
  bnMomentum?: number;
  bnEpsilon?: number;
  /** Seed of the Glorot-uniform kernel initialisation; default 0. */
  seed?: number;
  /**
   * Train these existing variables ([kernel, bias] per layer, input side first) instead of
   * creating new ones; the caller keeps ownership (dispose() then frees only optimiser state).
   */
  variables?: {
    kernels: tf.Variable[];
    biases: tf.Variable[];
    /** With batchNorm: per hidden layer, scale γ, offset β, moving mean and moving variance. */
    gammas?: tf.Variable[];
    betas?: tf.Variable[];
    movingMeans?: tf.Variable[];
    movingVars?: tf.Variable[];
  };
}

/** What a training forward pass keeps for the backward pass. */
interface Forward {
  logits: tf.Tensor2D;
  /** Each hidden layer's activation output, before dropout. */
  hidden: tf.Tensor2D[];
  /** Each hidden layer's output after dropout: the next layer's input. */
  dropped: tf.Tensor2D[];
  /** Each hidden layer's pre-activation (swish only: its gradient needs it). */
  pre: tf.Tensor2D[];
  masks: tf.Tensor2D[];
  /** Batch norm in training: each hidden layer's normalised x̂, 1/√(σ²+ε), batch mean and variance. */
  norms: Array<{ xhat: tf.Tensor2D; invStd: tf.Tensor1D; mean: tf.Tensor1D; variance: tf.Tensor1D }>;
}

/** Batch-norm parameters and moving statistics of one hidden layer. */
interface BatchNormVars {
  gamma: tf.Variable;
  beta: tf.Variable;
  movingMean: tf.Variable;
  movingVar: tf.Variable;
}

/**
 * A binary classifier MLP (hidden layers + one sigmoid unit) trained by a hand-written
 * forward/backward pass: fused matmul+bias+activation forward, inverted dropout with masks from
 * a `MaskSource`, batch norm, the analytic gradient of weighted binary cross-entropy, fused
 * element-wise kernels for the gradients (dense-ops.ts), and one kernel call that updates every
 * parameter (Adam, momentum SGD or RMSprop). 24 kernels a training step on a two-layer relu net
 * instead of ~220 for `optimizer.minimize` over a layers model. Weights are in layers order
 * ([kernel, bias] per layer), so `getWeights()` fits `tf.LayersModel.setWeights`.
 */
export class DenseNet {
  private readonly kernels: tf.Variable[] = [];
  private readonly biases: tf.Variable[] = [];
  /** Per hidden layer with batch norm; empty without. */
  private readonly norms: BatchNormVars[] = [];
  private readonly bnMomentum: number;
  private readonly bnEpsilon: number;
  private readonly moments = new Map<tf.Variable, { m: tf.Tensor; v: tf.Tensor }>();
  private readonly activation: HiddenActivation;
  private readonly adam: Omit<AdamAttrs, 'step' | 'weightDecay'>;
  private readonly dropout: number;
  private readonly masks: MaskSource | undefined;
  private readonly weightDecay: number;
  private steps = 0;
  private readonly owned: boolean;

  constructor(options: DenseNetOptions) {
    registerAdamUpdateKernels();
    registerDenseOps();
    this.activation = options.activation ?? 'relu';
    const optimizer = options.optimizer ?? 'adam';
    // tfjs' defaults for each optimiser: momentum 0.9 (what hpo's autodiff path uses), RMSprop
    // decay 0.9 with the backend's ε (1e-7 in float32).
    this.adam =
      optimizer === 'adam'
        ? {
            learningRate: options.learningRate ?? 0.001,
            beta1: options.beta1 ?? 0.9,
            beta2: options.beta2 ?? 0.999,
            epsilon: options.epsilon ?? 1e-7,
          }
        : {
            rule: optimizer === 'sgd' ? UPDATE_RULES.momentum : UPDATE_RULES.rmsprop,
            learningRate: options.learningRate ?? 0.001,
            beta1: 0.9,
            beta2: 0.9,
            epsilon: options.epsilon ?? tf.backend().epsilon(),
          };
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1))
      throw new RangeError(`dropout must be in [0, 1), got ${this.dropout}`);
    this.masks = options.masks;
    if (this.dropout > 0 && this.masks === undefined)
      throw new Error('a DenseNet with dropout needs a mask source');
    this.weightDecay = 2 * (options.l2 ?? 0);
    const sizes = [options.inputSize, ...options.hiddenUnits, 1];
    const seed = options.seed ?? 0;
    this.bnMomentum = options.bnMomentum ?? BN_MOMENTUM;
    this.bnEpsilon = options.bnEpsilon ?? BN_EPSILON;
    this.owned = options.variables === undefined;
    const given = options.variables;
    if (given) {
      this.kernels.push(...given.kernels);
      this.biases.push(...given.biases);
    }
    if (options.batchNorm) {
      // Given variables fix the shape (their hiddenUnits may be left empty).
      const widths = given ? given.kernels.slice(0, -1).map((k) => k.shape[1]!) : options.hiddenUnits;
      widths.forEach((units, i) => {
        const pick = (list: tf.Variable[] | undefined, what: string) => {
          const v = list?.[i];
          if (v === undefined) throw new Error(`batch norm needs the ${what} of hidden layer ${i + 1}`);
          return v;
        };
        this.norms.push(
          given
            ? {
                gamma: pick(given.gammas, 'gamma'),
                beta: pick(given.betas, 'beta'),
                movingMean: pick(given.movingMeans, 'moving mean'),
                movingVar: pick(given.movingVars, 'moving variance'),
              }
            : {
                gamma: tf.variable(tf.ones([units]), true),
                beta: tf.variable(tf.zeros([units]), true),
                movingMean: tf.variable(tf.zeros([units]), false),
                movingVar: tf.variable(tf.ones([units]), false),
              },
        );
      });
    }
    for (let i = 0; this.owned && i + 1 < sizes.length; i++) {
      const fanIn = sizes[i] as number;
      const fanOut = sizes[i + 1] as number;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const init = tf.randomUniform([fanIn, fanOut], -limit, limit, 'float32', seed + i);
      this.kernels.push(tf.variable(init, true));
      this.biases.push(tf.variable(tf.zeros([fanOut]), true));
      init.dispose();
    }
    for (const p of this.trainable()) {
      this.moments.set(p, { m: tf.zerosLike(p), v: tf.zerosLike(p) });
    }
  }

  /** Logits [batch, 1] for inputs [batch, inputSize]. */
  logits(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.forward(x, false).logits);
  }

  /** Probabilities of the positive class, [batch, 1]. */
  predict(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(this.forward(x, false).logits));
  }

  /**
   * Mean weighted binary cross-entropy (nats) of a batch, from logits (no clipping needed):
   * Σ wᵢ·(softplus(zᵢ) − yᵢzᵢ) / batch, `weights` defaulting to 1.
   */
  loss(x: tf.Tensor2D, y: tf.Tensor2D, weights?: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const z = this.forward(x, false).logits;
      const perSample = tf.sub(tf.softplus(z), tf.mul(y, z));
      const weighted = weights === undefined ? perSample : tf.mul(perSample, weights);
      return tf.mean(weighted) as tf.Scalar;
    });
  }

  /**
   * One optimiser step on a batch, with dropout masks drawn from the mask source. `scale`
   * [batch, 1] multiplies each sample's loss gradient; pass sampleWeight / batchSize to get
   * Keras' weighted mean, or omit it for 1 / batchSize.
   */
  trainStep(x: tf.Tensor2D, y: tf.Tensor2D, scale?: tf.Tensor2D): void {
    tf.tidy(() => {
      const { updates } = this.gradients(x, y, scale, false);
      this.applyUpdates(updates);
    });
  }

  /**
   * The training forward and backward pass of a batch, inside the caller's tidy: every
   * parameter's gradient and, when `inputGradient`, d(loss)/dx (for a network in front of this
   * one, such as a CNN's conv blocks). Batch norm's moving statistics are updated here.
   */
  gradients(
    x: tf.Tensor2D,
    y: tf.Tensor2D,
    scale: tf.Tensor2D | undefined,
    inputGradient: boolean,
  ): { updates: Array<[tf.Variable, tf.Tensor]>; dx?: tf.Tensor2D } {
    const { logits, hidden, dropped, pre, masks, norms } = this.forward(x, true);
    const last = this.kernels.length - 1;
    // d(loss)/d(logit) of binary cross-entropy through the sigmoid: (σ(z) − y)·scale.
    let g = runFused('HpoBceGrad', {
      z: logits,
      y,
      scale: scale ?? tf.fill([x.shape[0], 1], 1 / x.shape[0]),
    })[0] as tf.Tensor2D;
    const updates: Array<[tf.Variable, tf.Tensor]> = [];
    let dx: tf.Tensor2D | undefined;
    for (let i = this.kernels.length - 1; i >= 0; i--) {
      const kernel = this.kernels[i] as tf.Variable;
      const below = i === 0 ? x : (dropped[i - 1] as tf.Tensor2D);
      updates.push([kernel, tf.matMul(below, g, true, false)]);
      // A batch-normalised layer does not use its bias (β shifts instead).
      if (i === last || this.norms.length === 0) updates.push([this.biases[i] as tf.Variable, tf.sum(g, 0)]);
      if (i === 0) {
        if (inputGradient) dx = tf.matMul(g, kernel as tf.Tensor2D, false, true) as tf.Tensor2D;
        break;
      }
      const dh: tf.Tensor2D = tf.matMul(g, kernel as tf.Tensor2D, false, true);
      // dh ⊙ dropout mask ⊙ act′ in one kernel.
      g = runFused(
        'HpoActivationGrad',
        { dh, h: hidden[i - 1], mask: masks[i - 1], z: pre[i - 1] },
        { activation: ACTIVATION_CODES[this.activation] },
      )[0] as tf.Tensor2D;
      const bn = this.norms[i - 1];
      const saved = norms[i - 1];
      if (bn && saved) {
        const [dz, dGamma, dBeta] = runFused('HpoBatchNormGrad', {
          dy: g,
          xhat: saved.xhat,
          gamma: bn.gamma,
          invStd: saved.invStd,
        }) as [tf.Tensor2D, tf.Tensor, tf.Tensor];
        updates.push([bn.gamma, dGamma], [bn.beta, dBeta]);
        g = dz;
      }
    }
    // Moving statistics from this step's batch (before the update), as Keras and hpo's network.
    for (const [j, bn] of this.norms.entries()) {
      const { mean, variance } = norms[j]!;
      const [m, v] = runFused(
        'HpoMovingStats',
        { movingMean: bn.movingMean, movingVar: bn.movingVar, mean, variance },
        { momentum: this.bnMomentum },
      ) as [tf.Tensor, tf.Tensor];
      bn.movingMean.assign(m);
      bn.movingVar.assign(v);
    }
    return dx ? { updates, dx } : { updates };
  }

  /**
   * One optimiser step over these gradients (inside the caller's tidy). Parameters outside this
   * net (a CNN's filters) get optimiser state on first use; `decayed` lists the extra ones the
   * L2 penalty applies to.
   */
  applyUpdates(updates: Array<[tf.Variable, tf.Tensor]>, decayed: tf.Variable[] = []): void {
    this.steps++;
    const items = updates.map(([param, grad]) => {
      let state = this.moments.get(param);
      if (state === undefined) {
        state = { m: tf.keep(tf.zerosLike(param)), v: tf.keep(tf.zerosLike(param)) };
        this.moments.set(param, state);
      }
      const weightDecay = this.kernels.includes(param) || decayed.includes(param) ? this.weightDecay : 0;
      return { param, grad, m: state.m, v: state.v, weightDecay };
    });
    // Every parameter in one kernel call.
    const results = updateAll(items, { ...this.adam, step: this.steps });
    items.forEach(({ param, m, v }, k) => {
      const [p1, m1, v1] = results[k]!;
      param.assign(p1);
      tf.dispose([m, v]);
      this.moments.set(param as tf.Variable, { m: tf.keep(m1), v: tf.keep(v1) });
    });
  }

  /** [kernel, bias] per layer, input side first (the order of `LayersModel.getWeights`). */
  getWeights(): tf.Tensor[] {
    return this.kernels.flatMap((k, i) => {
      const bn = this.norms[i];
      return bn ? [k, this.biases[i] as tf.Variable, bn.gamma, bn.beta] : [k, this.biases[i] as tf.Variable];
    });
  }

  /** Batch norm's moving mean and variance per hidden layer (empty without batch norm). */
  getState(): tf.Tensor[] {
    return this.norms.flatMap((bn) => [bn.movingMean, bn.movingVar]);
  }

  /** Frees the parameters and optimiser state. */
  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    if (this.owned) tf.dispose([...this.trainable(), ...this.getState()]);
    this.moments.clear();
  }

  private forward(x: tf.Tensor2D, training: boolean): Forward {
    const out: Forward = { logits: x, hidden: [], dropped: [], pre: [], masks: [], norms: [] };
    const drop = training && this.dropout > 0;
    let h = x;
    const last = this.kernels.length - 1;
    for (let i = 0; i <= last; i++) {
      const kernel = this.kernels[i] as tf.Tensor2D;
      const bias = this.biases[i] as tf.Tensor1D;
      if (i === last) {
        out.logits = tf.fused.matMul({ a: h, b: kernel, bias }) as tf.Tensor2D;
        return out;
      }
      const bn = this.norms[i];
      if (bn) {
        const z = tf.matMul(h, kernel);
        let y: tf.Tensor2D;
        if (training) {
          const [yt, xhat, invStd, mean, variance] = runFused(
            'HpoBatchNormTrain',
            { z, gamma: bn.gamma, beta: bn.beta },
            { epsilon: this.bnEpsilon },
          ) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
          out.norms.push({ xhat, invStd, mean, variance });
          y = yt;
        } else {
          y = tf.batchNorm(z, bn.movingMean, bn.movingVar, bn.beta, bn.gamma, this.bnEpsilon) as tf.Tensor2D;
        }
        h = this.applyActivation(y, out.pre);
      } else {
        h = this.activate(h, kernel, bias, out.pre);
      }
      out.hidden.push(h);
      if (drop) {
        const [rows, units] = h.shape;
        const mask = tf.tensor2d((this.masks as MaskSource).next(rows * units, this.dropout), [rows, units]);
        out.masks.push(mask);
        h = tf.mul(h, mask);
      }
      out.dropped.push(h);
    }
    throw new Error('DenseNet has no layers');
  }

  /** act(x·kernel + bias), fused where tfjs fuses the activation; swish keeps its pre-activation. */
  private activate(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, pre: tf.Tensor2D[]): tf.Tensor2D {
    const a = this.activation;
    if (FUSED_ACTIVATIONS.has(a)) {
      return tf.fused.matMul({ a: x, b: kernel, bias, activation: a as tf.fused.Activation }) as tf.Tensor2D;
    }
    return this.applyActivation(tf.fused.matMul({ a: x, b: kernel, bias }) as tf.Tensor2D, pre);
  }

  /** act(z) as its own kernel(s); swish keeps z for its gradient. */
  private applyActivation(z: tf.Tensor2D, pre: tf.Tensor2D[]): tf.Tensor2D {
    if (this.activation === 'swish') pre.push(z);
    return activate(z, this.activation);
  }

  /** Every parameter the optimiser updates: kernels, biases, and batch norm's γ and β. */
  private trainable(): tf.Variable[] {
    return [...this.kernels, ...this.biases, ...this.norms.flatMap((bn) => [bn.gamma, bn.beta])];
  }
}
