import {
  backend_util,
  type KernelConfig,
  MaxPoolGrad,
  type MaxPoolGradAttrs,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Shape4 = [number, number, number, number];

/**
 * MaxPoolGrad for wasm, written as one pass over the wasm heap: each window's gradient goes to
 * its first maximum in row-major order, as on the cpu backend. Replaces the shipped kernel,
 * which (tfjs 4.22) starts its search at FLT_MIN (so windows of negative inputs route the
 * gradient to the wrong cell), picks the last of tied maxima, and is several times slower.
 */
export function maxPoolGradWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: MaxPoolGradAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy;
  const input = inputs.input;
  if (dy === undefined || input === undefined) throw new Error('MaxPoolGrad needs dy and input');
  const info = backend_util.computePool2DInfo(
    input.shape as Shape4,
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
  const channels = info.inChannels;
  const top = info.padInfo.top;
  const left = info.padInfo.left;

  const dx = backend.makeOutput(input.shape, 'float32');
  // Views are taken after the allocation above, which may grow (and detach) the heap.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const out = backend.typedArrayFromHeap(dx) as Float32Array;
  out.fill(0);
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  let dyOffset = 0;
  for (let b = 0; b < batchSize; b++) {
    const batchBase = b * inHeight * inWidth * channels;
    for (let oh = 0; oh < outHeight; oh++) {
      const r0 = oh * strideHeight - top;
      for (let ow = 0; ow < outWidth; ow++) {
        const c0 = ow * strideWidth - left;
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let r = r0; r < r0 + effectiveFilterHeight; r += dilationHeight) {
          if (r < 0 || r >= inHeight) continue;
          for (let col = c0; col < c0 + effectiveFilterWidth; col += dilationWidth) {
            if (col < 0 || col >= inWidth) continue;
            const base = batchBase + (r * inWidth + col) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[base + c] as number;
              if (v > (best[c] as number)) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const at = where[c] as number;
          if (at >= 0) out[at] = (out[at] as number) + (g[dyOffset + c] as number);
        }
        dyOffset += channels;
      }
    }
  }
  return dx;
}

/** Replacement MaxPoolGrad for wasm (see `maxPoolGradWasm`). */
export const maxPoolGradWasmConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as KernelConfig['kernelFunc'],
};
