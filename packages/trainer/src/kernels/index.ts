import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs';
import { batchMatMulWasmConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { maxPoolGradWasmConfig } from './max-pool-grad.js';

export { type AdamAttrs, adamUpdate, registerAdamUpdateKernels, UPDATE_RULES } from './adam-update.js';
export { ConvNet, type ConvNetOptions } from './conv-net.js';
export {
  DenseNet,
  type DenseNetOptions,
  type DenseOptimizer,
  type HiddenActivation,
  type MaskSource,
} from './dense-net.js';
export { registerDenseOps } from './dense-ops.js';
export { useWasmBackend, wasmBinaryDir, wasmThreadCount } from './wasm-backend.js';

let registered = false;

function replace(config: KernelConfig): void {
  if (getKernel(config.kernelName, 'wasm') !== undefined) {
    unregisterKernel(config.kernelName, 'wasm');
  }
  registerKernel(config);
}

/**
 * Makes the tfjs wasm backend able to train CNNs, and faster at training dense nets: adds the
 * missing Conv2DBackpropFilter and replaces MaxPoolGrad (wrong for negative inputs),
 * Conv2DBackpropInput (scalar loop) and BatchMatMul (scalar loop for transposed operands).
 * Idempotent; may be called before or after the wasm backend is initialised.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  // Capture the shipped kernels before any of them is unregistered.
  const configs = [
    conv2DBackpropFilterWasmConfig,
    maxPoolGradWasmConfig,
    conv2DBackpropInputWasmConfig(),
    batchMatMulWasmConfig(),
  ];
  for (const config of configs) replace(config);
  registered = true;
}
