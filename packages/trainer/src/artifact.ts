import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Calibration,
  type ClassNames,
  type CsvReadOptions,
  type Dataset,
  type Decision,
  type FittedPipeline,
  type ParamValue,
  Rng,
  type TestReport,
} from '@hpo/core';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.js';
import { ModelError } from './errors.js';
import { type ModelFile, writeModelFiles } from './model-files.js';
import { buildNetwork, disposeNetwork, type Network } from './network.js';
import { flattenParams, resolveParams, type TrainParams } from './params.js';
import { prepareTraining } from './prepare.js';
import { fit } from './train-loop.js';

/** A trained network with everything needed to apply it to raw rows. */
export interface TrainedModel {
  net: Network;
  params: TrainParams;
  pipeline: FittedPipeline | undefined;
  classes: ClassNames;
  /** Image shape [h, w, c] for CNNs on images; undefined for tabular data. */
  imageShape: [number, number, number] | undefined;
  /** What raw pixel values are divided by (images only; see ImageDataset.pixelScale). */
  pixelScale: number | undefined;
  epochs: number;
  /** Applied to the network's probabilities before any threshold (from metadata.json). */
  calibration?: Calibration | undefined;
  /** How the training CSV was read (from metadata.json): predict reads new rows alike. */
  csv?: CsvReadOptions | undefined;
}

/**
 * What `metadata.json` of a saved model holds besides what the trainer knows (a study's refit
 * writes core's `ModelMetadata`; older or hand-made models may hold less).
 */
export interface SavedModelMetadata {
  /** Decision thresholds (probabilities): `default` 0.5 and the cross-validated best-F1 one. */
  thresholds: { default: number; bestF1?: number };
  /** The threshold chosen on out-of-fold predictions, and the rule that chose it. */
  decision?: Decision;
  calibration?: Calibration;
  /** The refit model on held-out test rows. */
  test?: TestReport;
  [key: string]: unknown;
}

const FORMAT = 'hpo-model';
const VERSION = 1;

/** Trains on all `rows` (the refit of a study's best trial), with the same procedure as a fold. */
export async function trainModel(
  ds: Dataset,
  rows: ArrayLike<number>,
  flat: Record<string, ParamValue>,
  seed: number,
): Promise<TrainedModel> {
  await initBackend();
  const params = resolveParams(flat);
  const data = prepareTraining(ds, rows, params, seed);
  const net = buildNetwork(params, data.inputShape, seed);
  try {
    const report = fit({ net, params, train: data.train, valid: data.valid, seed });
    return {
      net,
      params,
      pipeline: data.pipeline,
      classes: ds.classes,
      imageShape: ds.kind === 'images' ? ds.shape : undefined,
      pixelScale: ds.kind === 'images' ? ds.pixelScale : undefined,
      epochs: report.epochs,
    };
  } catch (err) {
    disposeNetwork(net);
    throw err;
  }
}

/**
 * A model's files: `model.json` (architecture params and weight manifest), `weights.bin`
 * (float32, little-endian), `preprocessing.json` (the fitted pipeline) and `metadata.json`.
 */
export function modelFiles(model: TrainedModel, metadata: SavedModelMetadata): ModelFile[] {
  const tensors = [...model.net.weights, ...model.net.state];
  const manifest: { name: string; shape: number[]; offset: number; trainable: boolean }[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  tensors.forEach(({ name, variable }, i) => {
    const data = variable.dataSync() as Float32Array;
    manifest.push({ name, shape: variable.shape, offset, trainable: i < model.net.weights.length });
    chunks.push(data);
    offset += data.length;
  });
  const weights = new Float32Array(offset);
  let at = 0;
  for (const c of chunks) {
    weights.set(c, at);
    at += c.length;
  }
  const arch = {
    format: FORMAT,
    version: VERSION,
    params: flattenParams(model.params),
    inputShape: model.net.inputShape,
    imageShape: model.imageShape ?? null,
    pixelScale: model.pixelScale ?? null,
    classes: model.classes,
    weights: manifest,
  };
  const text = (value: unknown, indent: number) => encoder.encode(JSON.stringify(value, null, indent));
  return [
    { name: 'weights.bin', data: new Uint8Array(weights.buffer) },
    { name: 'preprocessing.json', data: text(model.pipeline ?? null, 1) },
    { name: 'metadata.json', data: text({ ...metadata, savedAt: new Date().toISOString() }, 2) },
    { name: 'model.json', data: text(arch, 1) },
  ];
}

const encoder = new TextEncoder();

/** Writes a model directory (see `modelFiles`); a crash never leaves a half-written model. */
export function saveModel(dir: string, model: TrainedModel, metadata: SavedModelMetadata): void {
  writeModelFiles(dir, modelFiles(model, metadata));
}

/** Loads a model directory written by saveModel; every problem is a ModelError naming the directory. */
export async function loadModel(dir: string): Promise<TrainedModel & { metadata: SavedModelMetadata }> {
  checkModelDir(dir);
  await initBackend();
  const arch = readJson(dir, 'model.json') as {
    format?: string;
    version?: number;
    params: Record<string, ParamValue>;
    inputShape: number[];
    imageShape: [number, number, number] | null;
    pixelScale?: number | null;
    classes: ClassNames;
    weights: { name: string; shape: number[]; offset: number }[];
  };
  if (arch.format !== FORMAT)
    throw new ModelError(dir, `model.json is not an hpo model (format '${arch.format}')`);
  if (arch.version !== VERSION)
    throw new ModelError(dir, `model format version ${arch.version} is not supported (expected ${VERSION})`);
  const pipeline = readJson(dir, 'preprocessing.json') as FittedPipeline | null;
  const metadata = readJson(dir, 'metadata.json') as SavedModelMetadata;
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, 'weights.bin'));
  } catch {
    throw new ModelError(dir, 'weights.bin is missing');
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const params = resolveParams(arch.params);
  // Seed is irrelevant: every weight is overwritten from the file below.
  const net = buildNetwork(params, arch.inputShape, new Rng(0).int(1000));
  const byName = new Map(arch.weights.map((w) => [w.name, w]));
  for (const { name, variable } of [...net.weights, ...net.state]) {
    const w = byName.get(name);
    const size = variable.shape.reduce((a, b) => a * b, 1);
    if (!w || w.offset + size > all.length || w.shape.join() !== variable.shape.join()) {
      disposeNetwork(net);
      throw new ModelError(dir, `weights.bin does not match model.json at '${name}'`);
    }
    tf.tidy(() => variable.assign(tf.tensor(all.subarray(w.offset, w.offset + size), variable.shape)));
  }
  return {
    net,
    params,
    pipeline: pipeline ?? undefined,
    classes: arch.classes,
    imageShape: arch.imageShape ?? undefined,
    pixelScale: arch.pixelScale ?? undefined,
    epochs: 0,
    calibration: metadata.calibration,
    csv: metadata.csv as CsvReadOptions | undefined,
    metadata,
  };
}

/**
 * A model directory must exist and be one: a missing path, a file, or a study directory given
 * instead of its `model/` get messages that name the right path.
 */
export function checkModelDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new ModelError(
      dir,
      'no such directory',
      'give the model/ folder of a study directory, e.g. runs/<study>/model',
    );
  }
  if (!isDir)
    throw new ModelError(dir, 'is a file, not a model directory', 'give the folder that holds model.json');
  if (existsSync(join(dir, 'model.json'))) return;
  const inner = join(dir, 'model');
  if (existsSync(join(inner, 'model.json'))) {
    throw new ModelError(dir, 'is a study directory, not a model directory', `use --model ${inner}`);
  }
  if (existsSync(join(dir, 'events.jsonl'))) {
    throw new ModelError(
      dir,
      'is a study directory with no saved model (the study has not refit its best trial yet)',
      `finish it with \`hpo tune --resume ${dir}\`, then use --model ${inner}`,
    );
  }
  throw new ModelError(dir, 'holds no model.json; it is not a model directory written by hpo');
}

function readJson(dir: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(join(dir, file), 'utf8');
  } catch {
    throw new ModelError(dir, `${file} is missing; is this a model directory written by hpo?`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ModelError(dir, `${file} is not valid JSON`);
  }
}
