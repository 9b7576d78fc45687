/**
 * Turns an upload into the dataset a study runs on. A canonical blob is decoded as it is; a CSV,
 * pixel CSV, zip or tar is read here with the spec's dataset options by the same readers as
 * `hpo tune` (so the same errors name the row and column), and its canonical form is stored
 * under its own hash for the workers. Archives are unpacked with limits on entries and bytes and
 * nothing outside the unpacking folder.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  type Dataset,
  decodeDataset,
  encodeDataset,
  fromWireError,
  HpoError,
  readDatasetFile,
  SpecError,
  type StudySpec,
  sha256Hex,
  type WireError,
} from '@hpo/core';
import type { BlobSource } from '@hpo/protocol';
import type { ObjectStore } from '@nats-io/obj';
import { type UnpackLimits, unpack } from './archives.js';
import { type DatasetRegistry, present, type UploadFormat } from './datasets.js';
import type { Identity } from './security/auth-file.js';

/** The dataset kind each upload format holds. */
const KIND: Record<Exclude<UploadFormat, 'hpo'>, StudySpec['dataset']['kind']> = {
  csv: 'tabular',
  pixel_csv: 'pixels',
  zip: 'images',
  tar: 'images',
};

/** Limits on what reading an upload may take. */
export interface ReadLimits extends UnpackLimits {
  /** Heap (MiB) of the thread that reads the file. */
  heapMb: number;
}

/**
 * Reads a file with core's readers in a worker thread, which writes the canonical bytes to `out`;
 * resolves with their hash once they are there. The thread's memory is gone before the bytes are
 * read back.
 */
function readInThread(
  options: StudySpec['dataset'],
  path: string,
  name: string,
  heapMb: number,
  out: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(new URL('./read-thread.js', import.meta.url), {
      workerData: { options, path, name, out },
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    let answered: { ok: true; hash: string } | { ok: false; error: WireError } | undefined;
    let failed = false;
    thread.once('message', (m: { ok: true; hash: string } | { ok: false; error: WireError }) => {
      answered = m;
    });
    thread.once('error', (err: Error & { code?: string }) => {
      failed = true;
      reject(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new HpoError('resource_exhausted', `${name} needs more than ${heapMb} MiB of memory to read`)
          : new HpoError('internal', `reading ${name} failed: ${err.message}`),
      );
    });
    thread.once('exit', (code) => {
      if (failed) return;
      if (!answered) reject(new HpoError('internal', `reading ${name} stopped (exit ${code})`));
      else if (answered.ok) resolve(answered.hash);
      else reject(fromWireError(answered.error));
    });
  });
}

export class DatasetReader {
  /** The canonical datasets' object store. */
  get datasets(): ObjectStore {
    return this.registry.datasets;
  }

  constructor(
    private readonly registry: DatasetRegistry,
    /** A local folder for temporary copies. */
    private readonly workDir: string,
    private readonly limits: ReadLimits,
    /** The two buckets read chunk by chunk, with back-pressure (never a whole object in memory). */
    private readonly sources: { uploads: BlobSource; datasets: BlobSource },
  ) {}

  /** The canonical hash and dataset of `who`'s upload `sha256`, read as `spec` describes. */
  async read(who: Identity, sha256: string, spec: StudySpec): Promise<{ hash: string; dataset: Dataset }> {
    const rec = await this.registry.get(who, sha256);
    if (!rec) throw new HpoError('not_found', `dataset ${sha256} not found; upload it first (UploadDataset)`);
    if (rec.format === 'hpo') return { hash: sha256, dataset: await this.canonical(sha256) };
    if (KIND[rec.format] !== spec.dataset.kind) {
      throw new SpecError([
        {
          path: 'dataset.kind',
          message: `is ${spec.dataset.kind}, but upload ${sha256.slice(0, 12)}… is a ${rec.format} file (dataset.kind ${KIND[rec.format]})`,
        },
      ]);
    }
    mkdirSync(this.workDir, { recursive: true });
    const dir = mkdtempSync(join(this.workDir, 'upload-'));
    const name = `upload ${sha256.slice(0, 12)}…`;
    try {
      const file = join(dir, 'file');
      await this.download(sha256, file);
      let path = file;
      if (rec.format === 'zip' || rec.format === 'tar') {
        const root = join(dir, 'images');
        mkdirSync(root);
        path = await unpack(rec.format, file, root, this.limits, name);
      }
      const out = join(dir, 'canonical');
      const hash = await readInThread(spec.dataset, path, name, this.limits.heapMb, out);
      // Read in chunks and checked against the thread's hash (no 2 GiB limit as with readFileSync).
      const bytes = await readDatasetFile(out, hash);
      // Views of the bytes, not copies: the dataset is only looked at while the study is created.
      return {
        hash: await this.storeBytes(who, bytes),
        dataset: decodeDataset(bytes, name, { copy: false }),
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Stores a dataset made here (a held-out split) in canonical form, owned by `who`; its hash. */
  store(who: Identity, dataset: Dataset): Promise<string> {
    return this.storeBytes(who, encodeDataset(dataset));
  }

  /** Stores canonical bytes under their hash (once) and records `who`'s tenant as an owner. */
  private async storeBytes(who: Identity, bytes: Uint8Array): Promise<string> {
    const hash = sha256Hex(bytes);
    if (!(await present(this.registry.datasets, hash)))
      await this.registry.datasets.putBlob({ name: hash }, bytes);
    // The tenant owns the canonical form too, and it counts toward its quota: it is stored.
    await this.registry.own(who.tenant, hash, {
      format: 'hpo',
      bytes: bytes.length,
      at: new Date().toISOString(),
    });
    return hash;
  }

  private async canonical(hash: string): Promise<Dataset> {
    const info = await this.registry.datasets.info(hash);
    if (!info || info.deleted)
      throw new HpoError('not_found', `dataset ${hash} not found; upload it first (UploadDataset)`);
    // Into one buffer of the object's size, chunk by chunk: no second copy while it arrives.
    const bytes = new Uint8Array(info.size);
    let at = 0;
    const found = await this.sources.datasets.read(hash, async (chunk) => {
      if (at + chunk.length > bytes.length)
        throw new HpoError('data_loss', `stored dataset ${hash} is longer than its ${info.size} bytes`);
      bytes.set(chunk, at);
      at += chunk.length;
    });
    if (!found) throw new HpoError('not_found', `dataset ${hash} not found; upload it first (UploadDataset)`);
    if (sha256Hex(bytes) !== hash)
      throw new HpoError('data_loss', `stored dataset ${hash} does not match its hash`);
    return decodeDataset(bytes, `dataset ${hash.slice(0, 12)}…`, { copy: false });
  }

  /** Streams an upload from the object store to a local file, a chunk at a time, checking its hash. */
  private async download(sha256: string, file: string): Promise<void> {
    const out = await open(file, 'w');
    const hash = createHash('sha256');
    let found: boolean;
    try {
      found = await this.sources.uploads.read(sha256, async (chunk) => {
        hash.update(chunk);
        for (let at = 0; at < chunk.length; ) at += (await out.write(chunk, at)).bytesWritten;
      });
    } finally {
      await out.close().catch(() => undefined);
    }
    if (!found) throw new HpoError('not_found', `upload ${sha256} is recorded but its file is missing`);
    const actual = hash.digest('hex');
    if (actual !== sha256)
      throw new HpoError('data_loss', `upload ${sha256} reads back with SHA-256 ${actual}`);
  }
}
