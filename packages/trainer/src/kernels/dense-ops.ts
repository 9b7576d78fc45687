import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Fused element-wise kernels of the hand-written MLP step. Each is one loop over the tensors'
 * memory (the wasm heap, or the cpu backend's arrays) in place of 3–15 dispatched tfjs kernels:
 * on the small tensors of a training step, dispatch costs more than the arithmetic.
 *
 * Every kernel is written once, as a loop over Float32Arrays; `runFused` runs it as a
 * registered kernel on wasm and cpu, and over downloaded values on any other backend
 * (tfjs-node), so there is no second implementation to keep in step.
 */

/** Hidden activations by code (kernel attributes are numbers). */
export const ACTIVATION_CODES = {
  relu: 0,
  tanh: 1,
  sigmoid: 2,
  elu: 3,
  selu: 4,
  swish: 5,
  linear: 6,
} as const;

/** SELU's λ and λ·α, as tfjs' selu kernel. */
const SELU_SCALE = 1.0507009873554805;
const SELU_SCALE_ALPHA = 1.7580993408473768;

type Attrs = Record<string, number>;

interface FusedKernel {
  /** Names of the inputs, in the order the loop receives them; a missing optional one is skipped. */
  inputs: string[];
  /** Output shapes from the input shapes (by name) and the attributes. */
  outputs(shapes: Record<string, number[]>, attrs: Attrs): number[][];
  loop(ins: Record<string, Float32Array>, outs: Float32Array[], attrs: Attrs): void;
}

const KERNELS: Record<string, FusedKernel> = {
  /** d(loss)/d(logit) of weighted BCE through the sigmoid: g = (σ(z) − y)·scale. */
  HpoBceGrad: {
    inputs: ['z', 'y', 'scale'],
    outputs: (s) => [s.z!],
    loop({ z, y, scale }, [g]) {
      for (let i = 0; i < g!.length; i++) {
        g![i] = (1 / (1 + Math.exp(-z![i]!)) - y![i]!) * scale![i]!;
      }
    },
  },
  /**
   * Gradient at a hidden layer's pre-activation: g = dh ⊙ mask ⊙ act′, with act′ written in terms
   * of the layer's output h (and its pre-activation z for swish): relu 1[h>0], tanh 1−h²,
   * sigmoid h(1−h), elu 1[h>0] + (h+1)·1[h≤0], selu λ·1[h>0] + (h+λα)·1[h≤0], swish σ(z) + h(1−σ(z)).
   */
  HpoActivationGrad: {
    inputs: ['dh', 'h', 'mask', 'z'],
    outputs: (s) => [s.dh!],
    loop({ dh, h, mask, z }, [g], { activation }) {
      // One loop per activation (a switch per element costs more than the arithmetic on a
      // CNN's large activations); the mask, where given, is applied after.
      const out = g!;
      const d = dh!;
      const y = h!;
      const n = out.length;
      switch (activation) {
        case ACTIVATION_CODES.relu:
          for (let i = 0; i < n; i++) out[i] = y[i]! > 0 ? d[i]! : 0;
          break;
        case ACTIVATION_CODES.tanh:
          for (let i = 0; i < n; i++) out[i] = d[i]! * (1 - y[i]! * y[i]!);
          break;
        case ACTIVATION_CODES.sigmoid:
          for (let i = 0; i < n; i++) out[i] = d[i]! * y[i]! * (1 - y[i]!);
          break;
        case ACTIVATION_CODES.elu:
          for (let i = 0; i < n; i++) out[i] = y[i]! > 0 ? d[i]! : d[i]! * (y[i]! + 1);
          break;
        case ACTIVATION_CODES.selu:
          for (let i = 0; i < n; i++) out[i] = d[i]! * (y[i]! > 0 ? SELU_SCALE : y[i]! + SELU_SCALE_ALPHA);
          break;
        case ACTIVATION_CODES.swish:
          for (let i = 0; i < n; i++) {
            const s = 1 / (1 + Math.exp(-z![i]!));
            out[i] = d[i]! * (s + y[i]! * (1 - s));
          }
          break;
        default:
          out.set(d);
      }
      if (mask) for (let i = 0; i < n; i++) out[i] = out[i]! * mask[i]!;
    },
  },
  /**
   * Batch norm over a [rows, units] batch with the batch's statistics: y = γ·x̂ + β with
   * x̂ = (z − μ)/√(σ² + ε), σ² the biased variance (as tf.moments). Outputs y, x̂, 1/√(σ²+ε), μ, σ².
   */
  HpoBatchNormTrain: {
    inputs: ['z', 'gamma', 'beta'],
    outputs: (s) => [s.z!, s.z!, s.gamma!, s.gamma!, s.gamma!],
    loop({ z, gamma, beta }, [y, xhat, invStd, mean, variance], { epsilon }) {
      const units = gamma!.length;
      const rows = z!.length / units;
      for (let u = 0; u < units; u++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += z![r * units + u]!;
        const mu = sum / rows;
        let sq = 0;
        for (let r = 0; r < rows; r++) {
          const c = z![r * units + u]! - mu;
          sq += c * c;
        }
        const v = sq / rows;
        const inv = 1 / Math.sqrt(v + epsilon!);
        mean![u] = mu;
        variance![u] = v;
        invStd![u] = inv;
        const g = gamma![u]!;
        const b = beta![u]!;
        for (let r = 0; r < rows; r++) {
          const i = r * units + u;
          const x = (z![i]! - mu) * inv;
          xhat![i] = x;
          y![i] = g * x + b;
        }
      }
    },
  },
  /**
   * Backward pass of `HpoBatchNormTrain` from dy = d(loss)/dy: dβ = Σdy, dγ = Σdy·x̂ and, through
   * the batch statistics, dz = γ/√(σ²+ε) · (dy − (dβ + x̂·dγ)/N). Outputs dz, dγ, dβ.
   */
  HpoBatchNormGrad: {
    inputs: ['dy', 'xhat', 'gamma', 'invStd'],
    outputs: (s) => [s.dy!, s.gamma!, s.gamma!],
    loop({ dy, xhat, gamma, invStd }, [dz, dGamma, dBeta]) {
      const units = gamma!.length;
      const rows = dy!.length / units;
      for (let u = 0; u < units; u++) {
        let sb = 0;
        let sg = 0;
        for (let r = 0; r < rows; r++) {
          const i = r * units + u;
          sb += dy![i]!;
          sg += dy![i]! * xhat![i]!;
        }
        dBeta![u] = sb;
        dGamma![u] = sg;
        const scale = gamma![u]! * invStd![u]!;
        for (let r = 0; r < rows; r++) {
          const i = r * units + u;
          dz![i] = scale * (dy![i]! - (sb + xhat![i]! * sg) / rows);
        }
      }
    },
  },
  /** Moving statistics: m ← momentum·m + (1 − momentum)·μ, v likewise with σ². Outputs m, v. */
  HpoMovingStats: {
    inputs: ['movingMean', 'movingVar', 'mean', 'variance'],
    outputs: (s) => [s.mean!, s.mean!],
    loop({ movingMean, movingVar, mean, variance }, [m, v], { momentum }) {
      const mo = momentum!;
      for (let i = 0; i < m!.length; i++) {
        m![i] = mo * movingMean![i]! + (1 - mo) * mean![i]!;
        v![i] = mo * movingVar![i]! + (1 - mo) * variance![i]!;
      }
    },
  },
};

export type FusedKernelName = keyof typeof KERNELS;

type Inputs = tf.NamedTensorInfoMap;

function shapesOf(inputs: Inputs): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(inputs)) if (t) shapes[name] = t.shape;
  return shapes;
}

function wasmKernel(kernel: FusedKernel) {
  return (args: { inputs: Inputs; backend: BackendWasm; attrs: Attrs }) => {
    const { inputs, backend, attrs } = args;
    const outs = kernel.outputs(shapesOf(inputs), attrs).map((shape) => backend.makeOutput(shape, 'float32'));
    // Heap views only after every allocation (an allocation may grow and detach the heap).
    const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
    const ins: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(inputs)) if (t) ins[name] = view(t);
    kernel.loop(ins, outs.map(view), attrs);
    return outs;
  };
}

interface CpuLike extends tf.KernelBackend {
  data: { get(id: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuKernel(kernel: FusedKernel) {
  return (args: { inputs: Inputs; backend: CpuLike; attrs: Attrs }) => {
    const { inputs, backend, attrs } = args;
    const ins: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(inputs)) if (t) ins[name] = backend.data.get(t.dataId).values;
    const shapes = kernel.outputs(shapesOf(inputs), attrs);
    const outs = shapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
    kernel.loop(ins, outs, attrs);
    return outs.map((values, i) => backend.makeTensorInfo(shapes[i]!, 'float32', values));
  };
}

/** Registers the fused kernels for the wasm and cpu backends (idempotent). */
export function registerDenseOps(): void {
  for (const [name, kernel] of Object.entries(KERNELS)) {
    for (const [backendName, make] of [
      ['wasm', wasmKernel],
      ['cpu', cpuKernel],
    ] as const) {
      if (tf.getKernel(name, backendName) === undefined) {
        tf.registerKernel({
          kernelName: name,
          backendName,
          kernelFunc: make(kernel) as unknown as tf.KernelFunc,
        });
      }
    }
  }
}

/**
 * Runs a fused kernel: one dispatch where the active backend has it registered; elsewhere the
 * same loop over downloaded values (correct, not fast). Undefined inputs are left out.
 */
export function runFused(
  name: FusedKernelName,
  inputs: Record<string, tf.Tensor | undefined>,
  attrs: Attrs = {},
): tf.Tensor[] {
  const given: Record<string, tf.Tensor> = {};
  for (const [k, t] of Object.entries(inputs)) if (t !== undefined) given[k] = t;
  if (tf.getKernel(name, tf.getBackend()) !== undefined) {
    return tf
      .engine()
      .runKernel(name, given as unknown as tf.NamedTensorMap, attrs) as unknown as tf.Tensor[];
  }
  const kernel = KERNELS[name]!;
  const ins: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(given)) ins[k] = t.dataSync() as Float32Array;
  const shapes = kernel.outputs(
    Object.fromEntries(Object.entries(given).map(([k, t]) => [k, t.shape])),
    attrs,
  );
  const outs = shapes.map((shape) => new Float32Array(tf.util.sizeFromShape(shape)));
  kernel.loop(ins, outs, attrs);
  return outs.map((values, i) => tf.tensor(values, shapes[i]!));
}
