import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  getKernel,
  type KernelBackend,
  type KernelConfig,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { KernelCalls } from './kernel-calls.js';

type Shape4 = [number, number, number, number];

let shipped: KernelConfig | undefined;

/**
 * dx of a conv as a forward convolution on the wasm backend's XNNPACK Conv2D: dy, dilated by
 * the stride (zeros between rows/columns) and padded by KH−1−top / KW−1−left, convolved with
 * the filter rotated 180° and with its in/out channels swapped. The shipped kernel is a scalar
 * loop, tens of times slower on a 3×3×32×64 layer. NCHW and paddings that would need cropping
 * (pad > filter − 1) go to the shipped kernel.
 */
export function conv2DBackpropInputWasm(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs: Conv2DBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const dy = inputs.dy;
  const filter = inputs.filter;
  if (dy === undefined || filter === undefined) {
    throw new Error('Conv2DBackpropInput needs dy and filter');
  }
  const format = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape as Shape4,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    format,
  );
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, padInfo } = info;
  // Rows of the dilated dy before/after it, so that the valid conv yields exactly inHeight rows.
  const dilatedHeight = (outHeight - 1) * sh + 1;
  const dilatedWidth = (outWidth - 1) * sw + 1;
  const padTop = fh - 1 - padInfo.top;
  const padLeft = fw - 1 - padInfo.left;
  const padBottom = inHeight + fh - 1 - padTop - dilatedHeight;
  const padRight = inWidth + fw - 1 - padLeft - dilatedWidth;
  if (
    info.dataFormat !== 'channelsLast' ||
    Math.min(padTop, padLeft, padBottom, padRight) < 0 ||
    shipped === undefined
  ) {
    const original = shipped?.kernelFunc;
    if (original === undefined) throw new Error('the shipped wasm Conv2DBackpropInput is missing');
    return original(args as unknown as Parameters<typeof original>[0]) as TensorInfo;
  }
  const k = new KernelCalls(backend);
  try {
    let spread = dy;
    if (sh > 1 || sw > 1) {
      // Insert stride−1 zeros after every row and column: pad a 6-D view, then crop the tail.
      const sixD = k.reshape(dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
      const zeros = k.run(
        'PadV2',
        { x: sixD },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      const flat = k.reshape(zeros, [batchSize, outHeight * sh, outWidth * sw, outChannels]);
      spread = k.run(
        'Slice',
        { x: flat },
        { begin: [0, 0, 0, 0], size: [batchSize, dilatedHeight, dilatedWidth, outChannels] },
      );
    }
    const rotated = k.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = k.run('Transpose', { x: rotated }, { perm: [0, 1, 3, 2] });
    const dx = k.run(
      'Conv2D',
      { x: spread, filter: swapped },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      },
    );
    return k.keep(dx);
  } finally {
    k.dispose();
  }
}

/** Config that replaces the shipped wasm Conv2DBackpropInput, keeping it as the fallback. */
export function conv2DBackpropInputWasmConfig(): KernelConfig {
  shipped ??= getKernel(Conv2DBackpropInput, 'wasm');
  if (shipped === undefined) throw new Error('the wasm backend has no Conv2DBackpropInput');
  const config: KernelConfig = {
    kernelName: Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: conv2DBackpropInputWasm as unknown as KernelConfig['kernelFunc'],
  };
  if (shipped.setupFunc !== undefined) config.setupFunc = shipped.setupFunc;
  return config;
}
