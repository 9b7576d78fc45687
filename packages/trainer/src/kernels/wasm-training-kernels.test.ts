import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { assertSameOutputs, onCpuAndWasm, seededValues } from '@hpo/testing/tf';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels, useWasmBackend } from './index.js';

// Mixed absolute/relative error |wasm − cpu| / (1 + |cpu|) allowed for float32 results whose
// summation order differs between backends (XNNPACK GEMM vs. scalar loops).
const TOLERANCE = 1e-4;

type Pad =
  | 'same'
  | 'valid'
  | number
  | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const convCases: ConvCase[] = [
  { name: '3x3 valid stride 1', x: [2, 7, 8, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { name: '3x3 same stride 2', x: [3, 9, 7, 2], filter: [3, 3, 2, 5], strides: 2, pad: 'same' },
  { name: '2x3 same strides 2,1', x: [2, 6, 7, 3], filter: [2, 3, 3, 4], strides: [2, 1], pad: 'same' },
  { name: '3x3 valid stride 2 odd', x: [2, 8, 9, 4], filter: [3, 3, 4, 3], strides: 2, pad: 'valid' },
  { name: '1x1 stride 2', x: [2, 5, 6, 3], filter: [1, 1, 3, 6], strides: 2, pad: 'valid' },
  { name: '5x5 same batch 1', x: [1, 9, 9, 2], filter: [5, 5, 2, 3], strides: 1, pad: 'same' },
  {
    name: 'explicit padding',
    x: [2, 6, 7, 3],
    filter: [3, 2, 3, 4],
    strides: [1, 2],
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  },
  {
    name: 'numeric pad, floor rounding',
    x: [2, 8, 7, 2],
    filter: [3, 3, 2, 3],
    strides: 2,
    pad: 1,
    dimRoundingMode: 'floor',
  },
  { name: 'reference CNN layer 2', x: [4, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid' },
  {
    name: 'NCHW 3x3 same stride 2',
    x: [2, 3, 7, 8],
    filter: [3, 3, 3, 4],
    strides: 2,
    pad: 'same',
    dataFormat: 'NCHW',
  },
];

function convOutShape(c: ConvCase): number[] {
  const format = c.dataFormat === 'NCHW' ? 'channelsFirst' : 'channelsLast';
  const info = tf.backend_util.computeConv2DInfo(
    c.x,
    c.filter,
    c.strides,
    1,
    c.pad,
    c.dimRoundingMode,
    false,
    format,
  );
  return info.outShape;
}

before(async () => {
  registerWasmTrainingKernels();
  registerWasmTrainingKernels(); // idempotent
  await useWasmBackend();
});

describe('Conv2DBackpropFilter on wasm matches cpu', () => {
  for (const c of convCases) {
    test(c.name, async () => {
      const dyShape = convOutShape(c);
      const xs = seededValues(tf.util.sizeFromShape(c.x), 1);
      const dys = seededValues(tf.util.sizeFromShape(dyShape), 2);
      const got = await onCpuAndWasm(
        () =>
          tf
            .engine()
            .runKernel('Conv2DBackpropFilter', { x: tf.tensor(xs, c.x), dy: tf.tensor(dys, dyShape) }, {
              strides: c.strides,
              pad: c.pad,
              dataFormat: c.dataFormat ?? 'NHWC',
              dimRoundingMode: c.dimRoundingMode,
              filterShape: c.filter,
            } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
      assertSameOutputs(got, TOLERANCE, c.name);
    });
  }
});

describe('Conv2DBackpropInput on wasm matches cpu', () => {
  for (const c of convCases) {
    test(c.name, async () => {
      const dyShape = convOutShape(c);
      const fs = seededValues(tf.util.sizeFromShape(c.filter), 3);
      const dys = seededValues(tf.util.sizeFromShape(dyShape), 4);
      const got = await onCpuAndWasm(
        () =>
          tf
            .engine()
            .runKernel(
              'Conv2DBackpropInput',
              { dy: tf.tensor(dys, dyShape), filter: tf.tensor(fs, c.filter) },
              {
                strides: c.strides,
                pad: c.pad,
                dataFormat: c.dataFormat ?? 'NHWC',
                dimRoundingMode: c.dimRoundingMode,
                inputShape: c.x,
              } as unknown as tf.NamedAttrMap,
            ) as tf.Tensor,
      );
      assertSameOutputs(got, TOLERANCE, c.name);
    });
  }
});

describe('gradients of conv + maxpool losses on wasm match cpu', () => {
  const nhwc = convCases.filter((c) => c.dataFormat !== 'NCHW');
  for (const c of nhwc) {
    test(`conv ${c.name} → relu → maxpool`, async () => {
      const xs = seededValues(tf.util.sizeFromShape(c.x), 5);
      const fs = seededValues(tf.util.sizeFromShape(c.filter), 6);
      const got = await onCpuAndWasm(() => {
        const x = tf.tensor4d(xs, c.x);
        const f = tf.tensor4d(fs, c.filter);
        const loss = (a: tf.Tensor, w: tf.Tensor) => {
          const y = tf.relu(
            tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad, 'NHWC', 1, c.dimRoundingMode),
          );
          const pooled = tf.maxPool(y, 2, 2, 'same');
          return tf.sum(tf.mul(pooled, tf.sin(tf.range(0, pooled.size).reshape(pooled.shape))));
        };
        return tf.grads(loss)([x, f]);
      });
      assertSameOutputs(got, TOLERANCE, c.name);
    });
  }

  test('dilated conv gradients are unsupported by tfjs itself (cpu and wasm alike)', async () => {
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const x = tf.ones([1, 7, 7, 1]) as tf.Tensor4D;
      const f = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
      assert.throws(
        () => tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'valid', 'NHWC', 2)))(f),
        /dilation/,
      );
      tf.dispose([x, f]);
    }
  });
});

describe('MaxPoolGrad on wasm matches cpu', () => {
  const cases: Array<{
    name: string;
    x: [number, number, number, number];
    size: number | [number, number];
    strides: number | [number, number];
    pad: Pad;
  }> = [
    { name: '2x2 stride 2 valid', x: [2, 8, 8, 3], size: 2, strides: 2, pad: 'valid' },
    { name: '2x2 stride 2 same, odd size', x: [2, 7, 9, 3], size: 2, strides: 2, pad: 'same' },
    { name: '3x3 stride 2 overlapping', x: [2, 9, 9, 4], size: 3, strides: 2, pad: 'valid' },
    { name: '3x2 strides 1,2 same', x: [1, 6, 7, 2], size: [3, 2], strides: [1, 2], pad: 'same' },
  ];
  for (const c of cases) {
    for (const kind of ['negative values', 'ties']) {
      test(`${c.name}, ${kind}`, async () => {
        const raw = seededValues(tf.util.sizeFromShape(c.x), 7);
        // All-negative windows and tied maxima are where the shipped kernel goes wrong.
        const xs = raw.map((v) => (kind === 'ties' ? Math.round(v * 2) : v - 2));
        const got = await onCpuAndWasm(() =>
          tf.grad((x: tf.Tensor) => {
            const y = tf.maxPool(x as tf.Tensor4D, c.size, c.strides, c.pad as 'same' | 'valid');
            return tf.sum(tf.mul(y, tf.cos(tf.range(0, y.size).reshape(y.shape))));
          })(tf.tensor4d(xs, c.x)),
        );
        assertSameOutputs(got, TOLERANCE, c.name);
      });
    }
  }
});

describe('BatchMatMul on wasm matches cpu', () => {
  const shapes: Array<[number[], number[]]> = [
    [
      [5, 7],
      [7, 3],
    ],
    [
      [1, 5, 7],
      [1, 7, 3],
    ],
    [
      [3, 5, 7],
      [3, 7, 3],
    ],
    [
      [3, 5, 7],
      [1, 7, 3],
    ],
  ];
  for (const [aShape, bShape] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        test(`${aShape} x ${bShape} transposeA=${ta} transposeB=${tb}`, async () => {
          const swap = (s: number[], t: boolean) =>
            t ? [...s.slice(0, -2), s[s.length - 1] as number, s[s.length - 2] as number] : s;
          const as = swap(aShape, ta);
          const bs = swap(bShape, tb);
          const av = seededValues(tf.util.sizeFromShape(as), 8);
          const bv = seededValues(tf.util.sizeFromShape(bs), 9);
          const got = await onCpuAndWasm(() => tf.matMul(tf.tensor(av, as), tf.tensor(bv, bs), ta, tb));
          assertSameOutputs(got, TOLERANCE, 'matMul');
        });
      }
    }
  }
});

test('training the reference CNN on wasm leaks no tensors or backend buffers', async () => {
  await tf.setBackend('wasm');
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 16, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  const optimizer = tf.train.adam();
  const x = tf.tensor4d(seededValues(4 * 28 * 28, 11), [4, 28, 28, 1]);
  const y = tf.tensor2d([0, 1, 1, 0], [4, 1]);
  const step = () =>
    optimizer.minimize(() => {
      const p = model.apply(x, { training: true }) as tf.Tensor;
      return tf.mean(tf.metrics.binaryCrossentropy(y, p)) as tf.Scalar;
    });
  step();
  const before = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
  for (let i = 0; i < 5; i++) step();
  const after = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numDataBuffers, before.numDataBuffers);
  assert.equal(after.numBytes, before.numBytes);
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
});
