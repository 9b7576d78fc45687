/**
 * Export to ONNX: one `.onnx` file holding the whole inference path, written with the ONNX
 * protobuf definitions of `onnx-proto` (opset 13 and ai.onnx.ml 3).
 *
 * Tables: one input per training column, named as the column. Numeric columns are double
 * [N, 1] (NaN = missing), categorical ones string [N, 1] ("" or one of the training CSV's
 * missing markers, in lower, upper or capitalised case = missing). Inside: imputation
 * (Where/IsNaN), scaling (Sub/Div), one-hot encoding (ai.onnx.ml OneHotEncoder; an unseen
 * category encodes as zeros, a missing one as its fill), then the network, then the sigmoid and
 * the calibration. Images: one input `pixels`, float [N, H, W, C] raw values (divided by the
 * pixel scale inside). Output: `probability` [N, 1], of `metadata_props.positive`.
 *
 * Not expressible here: the kNN imputer (refused, naming the step; retrain with another
 * imputer or export tfjs-layers with its JSON sidecar).
 */
import { createRequire } from 'node:module';
import { type Calibration, DEFAULT_MISSING, type FittedPipeline } from '@hpo/core';
import type * as OnnxTypes from 'onnx-proto';
import type { SavedModelMetadata, TrainedModel } from './artifact.js';
import { BN_EPSILON } from './network.js';
import { mlpWidths } from './params.js';

/** onnx-proto, loaded on the first export (not by every import of the trainer). */
let onnxProto: typeof OnnxTypes.onnx | undefined;
function onnxModule(): typeof OnnxTypes.onnx {
  onnxProto ??= (createRequire(import.meta.url)('onnx-proto') as typeof OnnxTypes).onnx;
  return onnxProto;
}
type NodeInit = OnnxTypes.onnx.INodeProto;
type TensorInit = OnnxTypes.onnx.ITensorProto;

/** Why a model cannot be exported to ONNX, naming the step. */
export class OnnxExportError extends Error {
  override name = 'OnnxExportError';
}

const FLOAT = 1;
const INT64 = 7;
const STRING = 8;
const DOUBLE = 11;
const ML = 'ai.onnx.ml';

/** Logits are clipped where Platt's probability clip (1e-7) puts them. */
const LOGIT_LIMIT = Math.log((1 - 1e-7) / 1e-7);

class Graph {
  readonly nodes: NodeInit[] = [];
  readonly initializers: TensorInit[] = [];
  private n = 0;

  /** Internal names live under `hpo/`, apart from the inputs (column names) and the output. */
  name(prefix: string): string {
    return `hpo/${prefix}_${++this.n}`;
  }

  double(prefix: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.name(prefix);
    this.initializers.push({ name, dataType: DOUBLE, dims, doubleData: Array.from(values) });
    return name;
  }

  constant(prefix: string, dims: number[], values: ArrayLike<number>): string {
    const name = this.name(prefix);
    this.initializers.push({ name, dataType: FLOAT, dims, floatData: Array.from(values) });
    return name;
  }

  int64(prefix: string, values: number[]): string {
    const name = this.name(prefix);
    this.initializers.push({ name, dataType: INT64, dims: [values.length], int64Data: values });
    return name;
  }

  op(
    opType: string,
    inputs: string[],
    attributes: OnnxTypes.onnx.IAttributeProto[] = [],
    domain = '',
  ): string {
    const out = this.name(opType.toLowerCase());
    this.nodes.push({ opType, input: inputs, output: [out], attribute: attributes, domain, name: out });
    return out;
  }
}

const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
const int = (name: string, v: number) => ({ name, type: 2, i: v });
const strings = (name: string, v: string[]) => ({
  name,
  type: 8,
  strings: v.map((s) => new TextEncoder().encode(s)),
});

/** The `.onnx` bytes of a model (see the module comment). */
export function onnxModelBytes(model: TrainedModel, metadata: SavedModelMetadata): Uint8Array {
  const g = new Graph();
  const inputs: OnnxTypes.onnx.IValueInfoProto[] = [];
  const tensorType = (elemType: number, dims: (number | string)[]) => ({
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  });
  let x: string;
  if (model.pipeline) {
    x = preprocess(g, model.pipeline, missingMarkers(model), inputs, tensorType);
  } else {
    const [h, w, c] = model.imageShape!;
    inputs.push({ name: 'pixels', type: tensorType(FLOAT, ['N', h, w, c]) });
    const scaled = g.op('Div', ['pixels', g.constant('pixel_scale', [], [model.pixelScale ?? 255])]);
    x = g.op('Transpose', [scaled], [ints('perm', [0, 3, 1, 2])]);
  }
  const logit = network(g, model, x);
  const probability = calibrate(g, logit, metadata.calibration ?? { method: 'none' });
  g.nodes.push({ opType: 'Identity', input: [probability], output: ['probability'], name: 'probability' });
  const graph = {
    name: 'hpo',
    node: g.nodes,
    initializer: g.initializers,
    input: inputs,
    output: [{ name: 'probability', type: tensorType(FLOAT, ['N', 1]) }],
  };
  const props: Record<string, string> = {
    positive: model.classes.positive,
    negative: model.classes.negative,
    label: model.classes.label,
    threshold_default: String(metadata.thresholds?.default ?? 0.5),
    ...(metadata.decision
      ? {
          // The output is float32: the largest float32 not above the chosen threshold, so that
          // a probability equal to it (an isotonic plateau) stays on the positive side.
          threshold_auto: String(float32AtMost(metadata.decision.threshold)),
          threshold_auto_rule: metadata.decision.rule,
        }
      : {}),
    calibration: (metadata.calibration ?? { method: 'none' }).method,
    ...(model.pipeline ? { missing_markers: JSON.stringify(missingMarkers(model)) } : {}),
  };
  const onnx = onnxModule();
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'hpo',
    producerVersion: '0.1.0',
    opsetImport: [
      { domain: '', version: 13 },
      { domain: ML, version: 3 },
    ],
    graph,
    metadataProps: Object.entries(props).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** Imputation, scaling and one-hot encoding of the raw columns → features [N, d]. */
function preprocess(
  g: Graph,
  p: FittedPipeline,
  markers: string[],
  inputs: OnnxTypes.onnx.IValueInfoProto[],
  tensorType: (elemType: number, dims: (number | string)[]) => OnnxTypes.onnx.ITypeProto,
): string {
  if (p.knn)
    throw new OnnxExportError(
      'the kNN imputer (imputer: knn) has no ONNX form; retrain with imputer mean, median or most_frequent, or export --format tfjs-layers (its sidecar holds the pipeline)',
    );
  const parts: string[] = [];
  if (p.numeric.length) {
    // Double inputs (numpy's and JavaScript's numbers), imputed and scaled in double as the
    // trainer does, then float for the network.
    for (const c of p.numeric) inputs.push({ name: c.name, type: tensorType(DOUBLE, ['N', 1]) });
    const names = p.numeric.map((c) => c.name);
    const raw = names.length === 1 ? names[0]! : g.op('Concat', names, [int('axis', 1)]);
    const n = p.numeric.length;
    const fill = g.double(
      'fill',
      [1, n],
      p.numeric.map((c) => c.fill),
    );
    const imputed = g.op('Where', [g.op('IsNaN', [raw]), fill, raw]);
    const center = g.double(
      'center',
      [1, n],
      p.numeric.map((c) => c.center),
    );
    const scale = g.double(
      'scale',
      [1, n],
      p.numeric.map((c) => c.scale),
    );
    const scaled = g.op('Div', [g.op('Sub', [imputed, center]), scale]);
    parts.push(g.op('Cast', [scaled], [int('to', FLOAT)]));
  }
  for (const c of p.categorical) {
    inputs.push({ name: c.name, type: tensorType(STRING, ['N', 1]) });
    const k = c.categories.length;
    // One-hot over the categories, then the missing markers ("" and the training CSV's, as
    // written in lower, upper and capitalised case); an unseen value is all zeros.
    const known = new Set(c.categories);
    const missing = markers.filter((m) => !known.has(m));
    const width = k + missing.length;
    const cats = strings('cats_strings', [...c.categories, ...missing]);
    const onehot = g.op('OneHotEncoder', [c.name], [cats, int('zeros', 1)], ML);
    const flat = g.op('Reshape', [onehot, g.int64('shape', [-1, width])]);
    // [width, k]: the identity, then the fill's one-hot for each marker (zeros when no fill).
    const m = new Float32Array(width * k);
    for (let i = 0; i < k; i++) m[i * k + i] = 1;
    const fill = c.fill === null ? -1 : c.categories.indexOf(c.fill);
    if (fill >= 0) for (let r = k; r < width; r++) m[r * k + fill] = 1;
    parts.push(g.op('MatMul', [flat, g.constant(`onehot_${c.name}`, [width, k], m)]));
  }
  return parts.length === 1 ? parts[0]! : g.op('Concat', parts, [int('axis', 1)]);
}

/** The network from features (or NCHW images) to the logit [N, 1]. */
function network(g: Graph, model: TrainedModel, input: string): string {
  const p = model.params;
  const w = new Map([...model.net.weights, ...model.net.state].map((v) => [v.name, v.variable]));
  const get = (name: string) => {
    const v = w.get(name);
    if (!v) throw new OnnxExportError(`the network has no weight '${name}'`);
    return { shape: v.shape, data: v.dataSync() as Float32Array };
  };
  const activation = (x: string): string => {
    switch (p.activation) {
      case 'relu':
        return g.op('Relu', [x]);
      case 'elu':
        return g.op('Elu', [x]);
      case 'selu':
        return g.op('Selu', [x]);
      case 'tanh':
        return g.op('Tanh', [x]);
      case 'sigmoid':
        return g.op('Sigmoid', [x]);
      case 'swish':
        return g.op('Mul', [x, g.op('Sigmoid', [x])]);
    }
  };
  /** Inference batch norm as a per-channel scale and shift (`shape` broadcasts over the channel axis). */
  const batchNorm = (x: string, name: string, shape: number[]): string => {
    const gamma = get(`${name}/bn/gamma`).data;
    const beta = get(`${name}/bn/beta`).data;
    const mean = get(`${name}/bn/moving_mean`).data;
    const variance = get(`${name}/bn/moving_variance`).data;
    const scale = gamma.map((v, i) => v / Math.sqrt(variance[i]! + BN_EPSILON));
    const shift = beta.map((v, i) => v - mean[i]! * scale[i]!);
    return g.op('Add', [
      g.op('Mul', [x, g.constant(`${name}_bn_scale`, shape, scale)]),
      g.constant(`${name}_bn_shift`, shape, shift),
    ]);
  };
  const dense = (x: string, name: string, act: boolean): string => {
    const k = get(`${name}/kernel`);
    let y = g.op('MatMul', [x, g.constant(`${name}_kernel`, k.shape, k.data)]);
    if (act && p.batchNorm) return activation(batchNorm(y, name, [1, k.shape[1]!]));
    const b = get(`${name}/bias`);
    y = g.op('Add', [y, g.constant(`${name}_bias`, [1, b.shape[0]!], b.data)]);
    return act ? activation(y) : y;
  };
  let x = input;
  if (p.family === 'mlp') {
    mlpWidths(p).forEach((_, i) => {
      x = dense(x, `dense${i}`, true);
    });
  } else {
    let [h, wd] = model.imageShape!;
    for (let b = 0; b < p.convBlocks; b++) {
      const name = `conv${b}`;
      const k = get(`${name}/kernel`); // [kh, kw, in, out]
      const [kh, kw, cin, cout] = k.shape as [number, number, number, number];
      // HWIO → OIHW.
      const oihw = new Float32Array(k.data.length);
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++)
          for (let ci = 0; ci < cin; ci++)
            for (let co = 0; co < cout; co++)
              oihw[((co * cin + ci) * kh + i) * kw + j] = k.data[((i * kw + j) * cin + ci) * cout + co]!;
      const attrs = [
        ints('kernel_shape', [kh, kw]),
        ...(p.padding === 'same'
          ? [{ name: 'auto_pad', type: 3, s: new TextEncoder().encode('SAME_UPPER') }]
          : []),
      ];
      const filter = g.constant(`${name}_kernel`, [cout, cin, kh, kw], oihw);
      let y: string;
      if (p.batchNorm) y = activation(batchNorm(g.op('Conv', [x, filter], attrs), name, [1, cout, 1, 1]));
      else {
        const bias = g.constant(`${name}_bias`, [cout], get(`${name}/bias`).data);
        y = activation(g.op('Conv', [x, filter, bias], attrs));
      }
      if (p.padding === 'valid') {
        h = h - kh + 1;
        wd = wd - kw + 1;
      }
      if (p.pool !== 'none' && h >= 2 && wd >= 2) {
        y = g.op(
          p.pool === 'max' ? 'MaxPool' : 'AveragePool',
          [y],
          [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])],
        );
        h = Math.floor(h / 2);
        wd = Math.floor(wd / 2);
      }
      x = y;
    }
    // Back to NHWC before flattening: the dense weights were learnt on that order.
    x = g.op('Flatten', [g.op('Transpose', [x], [ints('perm', [0, 2, 3, 1])])], [int('axis', 1)]);
    if (p.denseUnits > 0) x = dense(x, 'head', true);
  }
  return dense(x, 'output', false);
}

/**
 * Sigmoid of the logit, then the calibration → probability [N, 1]. Computed in double from the
 * float logit, as hpo's predict does, then cast to float.
 */
function calibrate(g: Graph, logit: string, c: Calibration): string {
  const z = g.op('Cast', [logit], [int('to', DOUBLE)]);
  const toFloat = (x: string) => g.op('Cast', [x], [int('to', FLOAT)]);
  if (c.method === 'platt') {
    // σ(a·logit(p) + b), with the logit clipped where the trainer clips p.
    const low = g.double('logit_min', [], [-LOGIT_LIMIT]);
    const high = g.double('logit_max', [], [LOGIT_LIMIT]);
    const clipped = g.op('Clip', [z, low, high]);
    const scaled = g.op('Mul', [clipped, g.double('platt_a', [], [c.a])]);
    return toFloat(g.op('Sigmoid', [g.op('Add', [scaled, g.double('platt_b', [], [c.b])])]));
  }
  const p = g.op('Sigmoid', [z]);
  if (c.method === 'none') return toFloat(p);
  // Piecewise linear through the breakpoints, flat outside: y0 + Σ slope_k · clamp(p − x_k, 0, width_k).
  const lo: number[] = [];
  const width: number[] = [];
  const slope: number[] = [];
  for (let k = 0; k + 1 < c.x.length; k++) {
    const dx = c.x[k + 1]! - c.x[k]!;
    if (dx <= 0) continue;
    lo.push(c.x[k]!);
    width.push(dx);
    slope.push((c.y[k + 1]! - c.y[k]!) / dx);
  }
  const y0 = g.double('iso_y0', [], [c.y[0] ?? 0]);
  const zero = g.double('zero', [], [0]);
  if (lo.length === 0) return toFloat(g.op('Add', [g.op('Mul', [p, zero]), y0]));
  const k = lo.length;
  const d = g.op('Sub', [p, g.double('iso_lo', [1, k], lo)]);
  const clamped = g.op('Min', [g.op('Max', [d, zero]), g.double('iso_width', [1, k], width)]);
  return toFloat(g.op('Add', [g.op('MatMul', [clamped, g.double('iso_slope', [k, 1], slope)]), y0]));
}

/** The strings read as missing in a categorical input: the training CSV's markers, in three cases. */
function missingMarkers(model: TrainedModel): string[] {
  const base = model.csv?.missing ?? DEFAULT_MISSING;
  const out = new Set<string>(['']);
  for (const m of base) {
    const t = m.trim().toLowerCase();
    out.add(t);
    out.add(t.toUpperCase());
    out.add(t.charAt(0).toUpperCase() + t.slice(1));
  }
  return [...out];
}

/** The largest float32 value not above `v`. */
function float32AtMost(v: number): number {
  const f = Math.fround(v);
  if (f <= v) return f;
  const buf = new Float32Array([f]);
  const bits = new Int32Array(buf.buffer);
  bits[0]! += f > 0 ? -1 : 1;
  return buf[0]!;
}
