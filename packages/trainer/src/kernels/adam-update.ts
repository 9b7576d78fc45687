import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** Name of the fused Adam kernel registered by `registerAdamUpdateKernels`. */
export const ADAM_UPDATE = 'HpoAdamUpdate';

/**
 * Update rules of the fused kernel: Adam, SGD with (heavy-ball) momentum as tfjs'
 * MomentumOptimizer, and RMSprop (not centred, no momentum) as tfjs' RMSPropOptimizer.
 */
export const UPDATE_RULES = { adam: 0, momentum: 1, rmsprop: 2 } as const;

/**
 * Optimiser hyperparameters; `step` is the 1-based update count used for Adam's bias correction
 * and `weightDecay` adds weightDecay·p to the gradient (an L2 penalty λ·Σp² has weightDecay = 2λ).
 * `rule` picks the update (default Adam); momentum uses `beta1` as its momentum and RMSprop
 * `beta2` as its decay ρ.
 */
export interface AdamAttrs {
  learningRate: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  step: number;
  rule?: (typeof UPDATE_RULES)[keyof typeof UPDATE_RULES];
}

/**
 * One optimiser update of one parameter as a single loop. Replaces ~15 dispatched kernels per
 * parameter (Adam) or 5–7 (momentum, RMSprop).
 * - Adam: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g², p ← p − lr·m̂/(√v̂ + ε), with m̂, v̂
 *   bias-corrected as tfjs' AdamOptimizer does.
 * - momentum: m ← β1·m + g, p ← p − lr·m (v unchanged).
 * - RMSprop: v ← ρ·v + (1−ρ)·g², p ← p − lr·g/√(v + ε) (m unchanged).
 */
function updateLoop(
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  outP: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
  a: AdamAttrs,
): void {
  const b1 = a.beta1;
  const b2 = a.beta2;
  const decay = a.weightDecay;
  const lr = a.learningRate;
  if (a.rule === UPDATE_RULES.momentum) {
    outV.set(v);
    for (let i = 0; i < p.length; i++) {
      const gi = (g[i] as number) + decay * (p[i] as number);
      const mi = b1 * (m[i] as number) + gi;
      outM[i] = mi;
      outP[i] = (p[i] as number) - lr * mi;
    }
    return;
  }
  if (a.rule === UPDATE_RULES.rmsprop) {
    outM.set(m);
    for (let i = 0; i < p.length; i++) {
      const gi = (g[i] as number) + decay * (p[i] as number);
      const vi = b2 * (v[i] as number) + (1 - b2) * gi * gi;
      outV[i] = vi;
      outP[i] = (p[i] as number) - (lr * gi) / Math.sqrt(vi + a.epsilon);
    }
    return;
  }
  const c1 = 1 / (1 - b1 ** a.step);
  const c2 = 1 / (1 - b2 ** a.step);
  for (let i = 0; i < p.length; i++) {
    const gi = (g[i] as number) + decay * (p[i] as number);
    const mi = b1 * (m[i] as number) + (1 - b1) * gi;
    const vi = b2 * (v[i] as number) + (1 - b2) * gi * gi;
    outM[i] = mi;
    outV[i] = vi;
    outP[i] = (p[i] as number) - (lr * mi * c1) / (Math.sqrt(vi * c2) + a.epsilon);
  }
}

type Inputs = tf.NamedTensorInfoMap;

function wasmAdam(args: { inputs: Inputs; backend: BackendWasm; attrs: AdamAttrs }) {
  const { inputs, backend, attrs } = args;
  const { param, grad, m, v } = inputs as Record<string, tf.TensorInfo>;
  if (!param || !grad || !m || !v) throw new Error(`${ADAM_UPDATE} needs param, grad, m, v`);
  const outs = [param, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  // Heap views only after every allocation (an allocation may grow and detach the heap).
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  const [oP, oM, oV] = outs.map(view) as [Float32Array, Float32Array, Float32Array];
  updateLoop(view(param), view(grad), view(m), view(v), oP, oM, oV, attrs);
  return outs;
}

interface CpuLike extends tf.KernelBackend {
  data: { get(id: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuAdam(args: { inputs: Inputs; backend: CpuLike; attrs: AdamAttrs }) {
  const { inputs, backend, attrs } = args;
  const { param, grad, m, v } = inputs as Record<string, tf.TensorInfo>;
  if (!param || !grad || !m || !v) throw new Error(`${ADAM_UPDATE} needs param, grad, m, v`);
  const values = (t: tf.TensorInfo) => backend.data.get(t.dataId).values;
  const n = tf.util.sizeFromShape(param.shape);
  const [oP, oM, oV] = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  updateLoop(values(param), values(grad), values(m), values(v), oP, oM, oV, attrs);
  return [oP, oM, oV].map((vals) => backend.makeTensorInfo(param.shape, 'float32', vals));
}

/** Name of the kernel that updates several parameters in one call (`updateAll`). */
export const UPDATE_ALL = 'HpoOptimizerUpdateAll';

/** Attributes of `UPDATE_ALL`: one optimiser, and each parameter's weight decay. */
interface UpdateAllAttrs extends Omit<AdamAttrs, 'weightDecay'> {
  weightDecays: number[];
}

/** Inputs p0, g0, m0, v0, p1, … ; outputs [p0, m0, v0, p1, m1, v1, …]. */
function wasmUpdateAll(args: { inputs: Inputs; backend: BackendWasm; attrs: UpdateAllAttrs }) {
  const { inputs, backend, attrs } = args;
  const n = attrs.weightDecays.length;
  const outs: tf.TensorInfo[] = [];
  for (let i = 0; i < n; i++) {
    const p = inputs[`p${i}`] as tf.TensorInfo;
    outs.push(...[0, 1, 2].map(() => backend.makeOutput(p.shape, 'float32')));
  }
  // Heap views only after every allocation (an allocation may grow and detach the heap).
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  for (let i = 0; i < n; i++) {
    const at = (k: string) => view(inputs[`${k}${i}`] as tf.TensorInfo);
    const [oP, oM, oV] = outs.slice(3 * i, 3 * i + 3).map(view) as [Float32Array, Float32Array, Float32Array];
    updateLoop(at('p'), at('g'), at('m'), at('v'), oP, oM, oV, {
      ...attrs,
      weightDecay: attrs.weightDecays[i]!,
    });
  }
  return outs;
}

function cpuUpdateAll(args: { inputs: Inputs; backend: CpuLike; attrs: UpdateAllAttrs }) {
  const { inputs, backend, attrs } = args;
  const outs: tf.TensorInfo[] = [];
  attrs.weightDecays.forEach((weightDecay, i) => {
    const at = (k: string) => backend.data.get((inputs[`${k}${i}`] as tf.TensorInfo).dataId).values;
    const shape = (inputs[`p${i}`] as tf.TensorInfo).shape;
    const size = tf.util.sizeFromShape(shape);
    const [oP, oM, oV] = [new Float32Array(size), new Float32Array(size), new Float32Array(size)];
    updateLoop(at('p'), at('g'), at('m'), at('v'), oP, oM, oV, { ...attrs, weightDecay });
    outs.push(...[oP, oM, oV].map((vals) => backend.makeTensorInfo(shape, 'float32', vals)));
  });
  return outs;
}

/** Registers the fused optimiser kernels for the wasm and cpu backends (idempotent). */
export function registerAdamUpdateKernels(): void {
  const configs: Array<[string, string, unknown]> = [
    [ADAM_UPDATE, 'wasm', wasmAdam],
    [ADAM_UPDATE, 'cpu', cpuAdam],
    [UPDATE_ALL, 'wasm', wasmUpdateAll],
    [UPDATE_ALL, 'cpu', cpuUpdateAll],
  ];
  for (const [kernelName, backendName, kernelFunc] of configs) {
    if (tf.getKernel(kernelName, backendName) === undefined) {
      tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
    }
  }
}

/**
 * One optimiser step for several parameters in one kernel call (what a training step does):
 * returns [param, m, v] per parameter. Elsewhere than wasm and cpu, one `adamUpdate` each.
 */
export function updateAll(
  items: Array<{ param: tf.Tensor; grad: tf.Tensor; m: tf.Tensor; v: tf.Tensor; weightDecay: number }>,
  attrs: Omit<AdamAttrs, 'weightDecay'>,
): Array<[tf.Tensor, tf.Tensor, tf.Tensor]> {
  if (tf.getKernel(UPDATE_ALL, tf.getBackend()) === undefined) {
    return items.map(({ param, grad, m, v, weightDecay }) =>
      adamUpdate(param, grad, m, v, { ...attrs, weightDecay }),
    );
  }
  const inputs: Record<string, tf.Tensor> = {};
  items.forEach((item, i) => {
    inputs[`p${i}`] = item.param;
    inputs[`g${i}`] = item.grad;
    inputs[`m${i}`] = item.m;
    inputs[`v${i}`] = item.v;
  });
  const out = tf.engine().runKernel(
    UPDATE_ALL,
    inputs as tf.NamedTensorMap,
    {
      ...attrs,
      weightDecays: items.map((item) => item.weightDecay),
    } as unknown as tf.NamedAttrMap,
  ) as unknown as tf.Tensor[];
  return items.map((_, i) => [out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!]);
}

/**
 * Optimiser step for one parameter: returns [param, m, v] after the update. One kernel where
 * `registerAdamUpdateKernels` covers the active backend, tf ops elsewhere (e.g. tfjs-node).
 */
export function adamUpdate(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  attrs: AdamAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) !== undefined) {
    const out = tf
      .engine()
      .runKernel(ADAM_UPDATE, { param, grad, m, v }, attrs as unknown as tf.NamedAttrMap);
    return out as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
  }
  return tf.tidy(() => {
    if (attrs.weightDecay !== 0) grad = tf.add(grad, tf.mul(param, attrs.weightDecay));
    if (attrs.rule === UPDATE_RULES.momentum) {
      const m1 = tf.add(tf.mul(m, attrs.beta1), grad);
      return [tf.sub(param, tf.mul(m1, attrs.learningRate)), m1, tf.clone(v)];
    }
    if (attrs.rule === UPDATE_RULES.rmsprop) {
      const v1 = tf.add(tf.mul(v, attrs.beta2), tf.mul(tf.square(grad), 1 - attrs.beta2));
      const delta = tf.div(tf.mul(grad, attrs.learningRate), tf.sqrt(tf.add(v1, attrs.epsilon)));
      return [tf.sub(param, delta), tf.clone(m), v1];
    }
    const m1 = tf.add(tf.mul(m, attrs.beta1), tf.mul(grad, 1 - attrs.beta1));
    const v1 = tf.add(tf.mul(v, attrs.beta2), tf.mul(tf.square(grad), 1 - attrs.beta2));
    const mHat = tf.div(m1, 1 - attrs.beta1 ** attrs.step);
    const vHat = tf.div(v1, 1 - attrs.beta2 ** attrs.step);
    const delta = tf.div(tf.mul(mHat, attrs.learningRate), tf.add(tf.sqrt(vHat), attrs.epsilon));
    return [tf.sub(param, delta), m1, v1];
  });
}
