import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KernelCalls } from './kernel-calls.js';

type Shape4 = [number, number, number, number];

/**
 * dW[kh, kw, ci, co] = Σ_{n, oh, ow} xPadded[n, oh·sh + kh, ow·sw + kw, ci] · dy[n, oh, ow, co],
 * computed as one matrix product cols[K, P] · dy[P, CO] with K = KH·KW·CI and P = N·OH·OW.
 * cols is laid out tap-major so that the product needs no transposed operand: the wasm
 * backend sends only untransposed batch-1 products to XNNPACK.
 */
export function conv2DBackpropFilterWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: Conv2DBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const x = inputs.x;
  const dy = inputs.dy;
  if (x === undefined || dy === undefined) throw new Error('Conv2DBackpropFilter needs x and dy');
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    format,
  );
  const channelsLast = info.dataFormat === 'channelsLast';
  const { batchSize, inChannels, outChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth } = info;
  const rows = batchSize * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;
  const k = new KernelCalls(backend);
  try {
    const xNhwc = channelsLast ? x : k.run('Transpose', { x }, { perm: [0, 2, 3, 1] });
    const cols = backend.makeOutput([1, taps, rows], 'float32');
    k.track(cols);
    im2colChannelMajor(
      backend.typedArrayFromHeap(xNhwc) as Float32Array,
      backend.typedArrayFromHeap(cols) as Float32Array,
      info,
    );
    const dyRows = channelsLast ? dy : k.run('Transpose', { x: dy }, { perm: [0, 2, 3, 1] });
    const product = k.run(
      'BatchMatMul',
      { a: cols, b: k.reshape(dyRows, [1, rows, outChannels]) },
      { transposeA: false, transposeB: false },
    );
    return k.keep(k.reshape(product, [...filterShape]));
  } finally {
    k.dispose();
  }
}

/**
 * Writes cols[(kh·KW + kw)·CI + ci][(n·OH + oh)·OW + ow] = x[n, oh·sh + kh − top, ow·sw + kw − left, ci]
 * (0 where that falls in the padding). A plain loop over the wasm heap that reads each input
 * pixel's channels contiguously: the backend's Slice/StridedSlice cost ~3 ns per element, this
 * ~1 ns.
 */
function im2colChannelMajor(x: Float32Array, cols: Float32Array, info: backend_util.Conv2DInfo) {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const rows = batchSize * outHeight * outWidth;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      const tapBase = (kh * filterWidth + kw) * inChannels * rows;
      let p = 0;
      for (let n = 0; n < batchSize; n++) {
        for (let oh = 0; oh < outHeight; oh++) {
          const r = oh * strideHeight + kh - top;
          const inRow = r >= 0 && r < inHeight;
          const rowBase = (n * inHeight + r) * inWidth;
          for (let ow = 0; ow < outWidth; ow++, p++) {
            const c = ow * strideWidth + kw - left;
            let dst = tapBase + p;
            if (!inRow || c < 0 || c >= inWidth) {
              for (let ci = 0; ci < inChannels; ci++, dst += rows) cols[dst] = 0;
              continue;
            }
            let src = (rowBase + c) * inChannels;
            for (let ci = 0; ci < inChannels; ci++, dst += rows) cols[dst] = x[src++] as number;
          }
        }
      }
    }
  }
}

/** Conv2DBackpropFilter for the wasm backend, which ships none (tfjs 4.22). */
export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelConfig['kernelFunc'],
};
