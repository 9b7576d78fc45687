import {
  BatchMatMul,
  type BatchMatMulAttrs,
  getKernel,
  type KernelBackend,
  type KernelConfig,
  type NamedTensorInfoMap,
  type TensorInfo,
  util,
} from '@tensorflow/tfjs';
import { KernelCalls } from './kernel-calls.js';

let shipped: KernelConfig | undefined;

/**
 * The wasm backend hands a product to XNNPACK only when neither operand is transposed and the
 * batch is 1; otherwise it runs a scalar triple loop. Backprop through every dense layer asks
 * for transposed products (dx = dy·Wᵀ, dW = xᵀ·dy), so this wrapper transposes the operand
 * explicitly (one cheap copy) and calls the shipped kernel untransposed.
 */
export function batchMatMulWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs: BatchMatMulAttrs;
}): TensorInfo {
  const original = shipped?.kernelFunc;
  if (original === undefined) throw new Error('the shipped wasm BatchMatMul was not captured');
  const { inputs, backend, attrs } = args;
  const a = inputs.a;
  const b = inputs.b;
  if (a === undefined || b === undefined) throw new Error('BatchMatMul needs a and b');
  const single =
    util.sizeFromShape(a.shape.slice(0, -2)) === 1 && util.sizeFromShape(b.shape.slice(0, -2)) === 1;
  if (!single || (!attrs.transposeA && !attrs.transposeB)) {
    return original(args as unknown as Parameters<typeof original>[0]) as TensorInfo;
  }
  const k = new KernelCalls(backend);
  try {
    const flip = (t: TensorInfo): TensorInfo => {
      const rows = t.shape[t.shape.length - 2] as number;
      const cols = t.shape[t.shape.length - 1] as number;
      const flipped = k.run('Transpose', { x: k.reshape(t, [rows, cols]) }, { perm: [1, 0] });
      return k.reshape(flipped, [...t.shape.slice(0, -2), cols, rows]);
    };
    const out = original({
      inputs: { a: attrs.transposeA ? flip(a) : a, b: attrs.transposeB ? flip(b) : b },
      backend,
      attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo;
    return out;
  } finally {
    k.dispose();
  }
}

/**
 * Config that replaces the shipped wasm BatchMatMul; it keeps the shipped setup function so the
 * wrapped kernel is initialised whether the backend starts before or after registration.
 */
export function batchMatMulWasmConfig(): KernelConfig {
  shipped ??= getKernel(BatchMatMul, 'wasm');
  if (shipped === undefined) throw new Error('the wasm backend has no BatchMatMul to wrap');
  const config: KernelConfig = {
    kernelName: BatchMatMul,
    backendName: 'wasm',
    kernelFunc: batchMatMulWasm as unknown as KernelConfig['kernelFunc'],
  };
  if (shipped.setupFunc !== undefined) config.setupFunc = shipped.setupFunc;
  if (shipped.disposeFunc !== undefined) config.disposeFunc = shipped.disposeFunc;
  return config;
}
