import * as tf from '@tensorflow/tfjs';
import { activate, BN_EPSILON, BN_MOMENTUM, type ConvBlockLayout, FUSED_ACTIVATIONS } from '../network.js';
import { DenseNet, type DenseNetOptions, type HiddenActivation, type MaskSource } from './dense-net.js';
import { ACTIVATION_CODES, runFused } from './dense-ops.js';

/** What a `ConvNet` trains: the network's conv blocks, then a `DenseNet` head (hidden + output). */
export interface ConvNetOptions
  extends Pick<DenseNetOptions, 'optimizer' | 'learningRate' | 'l2' | 'bnMomentum' | 'bnEpsilon'> {
  activation: HiddenActivation;
  /** The conv blocks as the network built them (`Network.cnn.blocks`). */
  blocks: ConvBlockLayout[];
  /** Width of the last block's flattened output: the head's input size. */
  flat: number;
  /** The head's dense layers (hidden, if any, then the output), as `DenseNetOptions.variables`. */
  head: NonNullable<DenseNetOptions['variables']>;
  /** Dropout rate of the head's hidden layer. */
  dropout: number;
  batchNorm: boolean;
  masks: MaskSource;
}

/** What a block's training forward pass keeps for its backward pass. */
interface BlockPass {
  x: tf.Tensor4D;
  /** Activation output (before pooling), and the pre-activation for swish. */
  h: tf.Tensor4D;
  pre: tf.Tensor4D | undefined;
  pooled: tf.Tensor4D;
  mask: tf.Tensor4D | undefined;
  norm: { xhat: tf.Tensor; invStd: tf.Tensor } | undefined;
  out: tf.Tensor4D;
}

/**
 * A CNN trained by a hand-written forward and backward pass: per conv block a fused conv + bias +
 * activation, pooling and an inverted-dropout mask; backward the pooling gradient, one fused
 * activation-gradient kernel, the filter and input gradients (the wasm kernels in this folder),
 * and batch norm through the same fused kernels as dense layers (a [N, H, W, C] tensor is
 * [N·H·W, C] rows). The flattened output feeds a `DenseNet`, which computes the head's gradients
 * and d(loss)/d(input), and owns the optimiser state of every parameter. Dropout masks come from
 * the network's stream in its forward order, so the step trains what tfjs autodiff over the
 * network's forward pass trains.
 */
export class ConvNet {
  private readonly dense: DenseNet;
  private readonly blocks: ConvBlockLayout[];
  private readonly flat: number;
  private readonly activation: HiddenActivation;
  private readonly masks: MaskSource;
  private readonly bnEpsilon: number;
  private readonly bnMomentum: number;

  constructor(options: ConvNetOptions) {
    this.blocks = options.blocks;
    this.flat = options.flat;
    this.activation = options.activation;
    this.masks = options.masks;
    this.bnEpsilon = options.bnEpsilon ?? BN_EPSILON;
    this.bnMomentum = options.bnMomentum ?? BN_MOMENTUM;
    this.dense = new DenseNet({
      inputSize: options.flat,
      hiddenUnits: [],
      activation: options.activation,
      ...(options.optimizer ? { optimizer: options.optimizer } : {}),
      ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
      ...(options.l2 !== undefined ? { l2: options.l2 } : {}),
      dropout: options.dropout,
      masks: options.masks,
      batchNorm: options.batchNorm,
      bnEpsilon: this.bnEpsilon,
      bnMomentum: this.bnMomentum,
      variables: options.head,
    });
  }

  /** One optimiser step on a batch x [N, H, W, C]; `scale` as for `DenseNet.trainStep`. */
  trainStep(x: tf.Tensor4D, y: tf.Tensor2D, scale?: tf.Tensor2D): void {
    tf.tidy(() => {
      const passes: BlockPass[] = [];
      let h = x;
      for (const block of this.blocks) {
        const pass = this.forwardBlock(block, h);
        passes.push(pass);
        h = pass.out;
      }
      const rows = x.shape[0];
      const { updates, dx } = this.dense.gradients(tf.reshape(h, [rows, this.flat]), y, scale, true);
      let d = tf.reshape(dx as tf.Tensor2D, h.shape) as tf.Tensor4D;
      for (let b = this.blocks.length - 1; b >= 0; b--) {
        const next = this.backwardBlock(this.blocks[b]!, passes[b]!, d, updates, b > 0);
        if (next) d = next;
      }
      this.dense.applyUpdates(
        updates,
        this.blocks.map((block) => block.filter),
      );
    });
  }

  /** Frees the optimiser state (the variables belong to the network). */
  dispose(): void {
    this.dense.dispose();
  }

  private forwardBlock(block: ConvBlockLayout, x: tf.Tensor4D): BlockPass {
    const filter = block.filter as tf.Tensor4D;
    let h: tf.Tensor4D;
    let pre: tf.Tensor4D | undefined;
    let norm: BlockPass['norm'];
    if (block.bn) {
      const z = tf.conv2d(x, filter, 1, block.pad);
      const [n, height, width, channels] = z.shape;
      const [y, xhat, invStd, mean, variance] = runFused(
        'HpoBatchNormTrain',
        { z: tf.reshape(z, [n * height * width, channels]), gamma: block.bn.gamma, beta: block.bn.beta },
        { epsilon: this.bnEpsilon },
      ) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      norm = { xhat, invStd };
      // Moving statistics from this batch, as the network's forward pass records them.
      const [m, v] = runFused(
        'HpoMovingStats',
        { movingMean: block.bn.movingMean, movingVar: block.bn.movingVar, mean, variance },
        { momentum: this.bnMomentum },
      ) as [tf.Tensor, tf.Tensor];
      block.bn.movingMean.assign(m);
      block.bn.movingVar.assign(v);
      [h, pre] = this.activate(tf.reshape(y, z.shape) as tf.Tensor4D);
    } else if (FUSED_ACTIVATIONS.has(this.activation)) {
      h = tf.fused.conv2d({
        x,
        filter,
        bias: block.bias,
        strides: 1,
        pad: block.pad,
        activation: this.activation as tf.fused.Activation,
      });
    } else {
      [h, pre] = this.activate(tf.fused.conv2d({ x, filter, bias: block.bias, strides: 1, pad: block.pad }));
    }
    const pooled =
      block.pool === 'max'
        ? tf.maxPool(h, 2, 2, 'valid')
        : block.pool === 'avg'
          ? tf.avgPool(h, 2, 2, 'valid')
          : h;
    const mask =
      block.dropout > 0
        ? (tf.tensor(this.masks.next(pooled.size, block.dropout), pooled.shape) as tf.Tensor4D)
        : undefined;
    return { x, h, pre, pooled, mask, norm, out: mask ? tf.mul(pooled, mask) : pooled };
  }

  /** act(z) as its own kernel(s); also returns z where the gradient needs it (swish). */
  private activate(z: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D | undefined] {
    return [activate(z, this.activation), this.activation === 'swish' ? z : undefined];
  }

  /**
   * Gradients of one block from d(loss)/d(its output): pushes its parameters' gradients and
   * returns d(loss)/d(its input) when `inputGradient`.
   */
  private backwardBlock(
    block: ConvBlockLayout,
    pass: BlockPass,
    dOut: tf.Tensor4D,
    updates: Array<[tf.Variable, tf.Tensor]>,
    inputGradient: boolean,
  ): tf.Tensor4D | undefined {
    const engine = tf.engine();
    let d: tf.Tensor4D = pass.mask ? tf.mul(dOut, pass.mask) : dOut;
    const pool = { filterSize: [2, 2], strides: [2, 2], pad: 'valid' };
    if (block.pool === 'max') {
      d = engine.runKernel('MaxPoolGrad', { dy: d, input: pass.h, output: pass.pooled }, pool) as tf.Tensor4D;
    } else if (block.pool === 'avg') {
      d = engine.runKernel('AvgPoolGrad', { dy: d, input: pass.h }, pool) as tf.Tensor4D;
    }
    // relu's gradient as two SIMD wasm kernels: on a conv block's large activations that beats
    // the one-loop JS kernel (0.3 against 1.5 ms a step on the reference CNN's first block).
    let g: tf.Tensor4D =
      this.activation === 'relu'
        ? tf.mul(d, tf.step(pass.h))
        : (runFused(
            'HpoActivationGrad',
            { dh: d, h: pass.h, z: pass.pre },
            { activation: ACTIVATION_CODES[this.activation] },
          )[0] as tf.Tensor4D);
    if (block.bn && pass.norm) {
      const [n, height, width, channels] = g.shape;
      const [dz, dGamma, dBeta] = runFused('HpoBatchNormGrad', {
        dy: tf.reshape(g, [n * height * width, channels]),
        xhat: pass.norm.xhat,
        gamma: block.bn.gamma,
        invStd: pass.norm.invStd,
      }) as [tf.Tensor, tf.Tensor, tf.Tensor];
      updates.push([block.bn.gamma, dGamma], [block.bn.beta, dBeta]);
      g = tf.reshape(dz, g.shape);
    } else {
      updates.push([block.bias, tf.sum(g, [0, 1, 2])]);
    }
    const conv = { strides: [1, 1], pad: block.pad, dataFormat: 'NHWC' };
    updates.push([
      block.filter,
      engine.runKernel(
        'Conv2DBackpropFilter',
        { x: pass.x, dy: g },
        { ...conv, filterShape: block.filter.shape },
      ) as tf.Tensor,
    ]);
    if (!inputGradient) return undefined;
    return engine.runKernel(
      'Conv2DBackpropInput',
      { dy: g, filter: block.filter },
      { ...conv, inputShape: pass.x.shape },
    ) as tf.Tensor4D;
  }
}
