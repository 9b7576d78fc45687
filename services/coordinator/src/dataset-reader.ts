/**
 * Turns an upload into the dataset a study runs on. A canonical blob is decoded as it is; a CSV,
 * pixel CSV, zip or tar is read here with the spec's dataset options by the same readers as
 * `hpo tune` (so the same errors name the row and column), and its canonical form is stored
 * under its own hash for the workers. Archives are unpacked with limits on entries and bytes and
 * nothing outside the unpacking folder.
 */
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  type Dataset,
  DatasetError,
  decodeDataset,
  encodeDataset,
  HpoError,
  loadDataset,
  SpecError,
  type StudySpec,
  sha256Hex,
} from '@hpo/core';
import * as tar from 'tar';
import yauzl from 'yauzl';
import type { DatasetRegistry, UploadFormat } from './datasets.js';
import type { Identity } from './security/auth-file.js';

/** The dataset kind each upload format holds. */
const KIND: Record<Exclude<UploadFormat, 'hpo'>, StudySpec['dataset']['kind']> = {
  csv: 'tabular',
  pixel_csv: 'pixels',
  zip: 'images',
  tar: 'images',
};

/** Limits on what an archive may unpack to. */
export interface ArchiveLimits {
  entries: number;
  bytes: number;
}

export class DatasetReader {
  constructor(
    private readonly registry: DatasetRegistry,
    /** A local folder for temporary copies. */
    private readonly workDir: string,
    private readonly limits: ArchiveLimits,
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
        if (rec.format === 'zip') await unzip(file, root, this.limits, name);
        else await untar(file, root, this.limits, name);
        path = imageRoot(root);
      }
      let dataset: Dataset;
      try {
        dataset = loadDataset(spec.dataset, path);
      } catch (err) {
        // Name the upload, not our temporary copy of it.
        if (err instanceof DatasetError)
          throw err.relocated((f) =>
            f.startsWith(dir) ? `${name}${f.slice(path === file ? file.length : path.length)}` : f,
          );
        throw err;
      }
      const bytes = encodeDataset(dataset);
      const hash = sha256Hex(bytes);
      if (!(await this.registry.datasets.info(hash)))
        await this.registry.datasets.putBlob({ name: hash }, bytes);
      // The tenant owns the canonical form too (counted in its quota through the upload).
      await this.registry.own(who.tenant, hash, { format: 'hpo', bytes: 0, at: new Date().toISOString() });
      return { hash, dataset };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private async canonical(hash: string): Promise<Dataset> {
    const bytes = await this.registry.datasets.getBlob(hash);
    if (!bytes) throw new HpoError('not_found', `dataset ${hash} not found; upload it first (UploadDataset)`);
    if (sha256Hex(bytes) !== hash)
      throw new HpoError('data_loss', `stored dataset ${hash} does not match its hash`);
    return decodeDataset(bytes, `dataset ${hash.slice(0, 12)}…`);
  }

  /** Streams an upload from the object store to a local file. */
  private async download(sha256: string, file: string): Promise<void> {
    const obj = await this.registry.uploads.get(sha256);
    if (!obj) throw new HpoError('not_found', `upload ${sha256} is recorded but its file is missing`);
    await pipeline(Readable.fromWeb(obj.data as WebReadableStream<Uint8Array>), createWriteStream(file));
    if (!(await obj.error)) return;
    throw new HpoError('data_loss', `upload ${sha256} could not be read back: ${(await obj.error)?.message}`);
  }
}

/** The folder whose subfolders are the classes: the root, or its one top folder. */
function imageRoot(root: string): string {
  const top = readdirSync(root);
  if (top.length === 1 && statSync(join(root, top[0]!)).isDirectory()) {
    const inner = join(root, top[0]!);
    // One folder holding class folders (zip -r images.zip images/), not a single class.
    if (readdirSync(inner).some((e) => statSync(join(inner, e)).isDirectory())) return inner;
  }
  return root;
}

/** Whether an archive entry is worth unpacking: no macOS metadata, hidden files or odd paths. */
function wanted(path: string): boolean {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts.length > 0 && !parts.some((p) => p.startsWith('.') || p === '__MACOSX' || p === '..');
}

/** Where an entry goes under `root`, or an error for a path that would leave it. */
function target(root: string, path: string, name: string): string {
  const out = normalize(join(root, path));
  if (!out.startsWith(root + sep))
    throw new DatasetError(`archive entry '${path}' points outside the archive`, { file: name });
  return out;
}

function tooBig(name: string, limits: ArchiveLimits, what: 'entries' | 'bytes'): DatasetError {
  return new DatasetError(
    what === 'entries'
      ? `the archive has more than ${limits.entries} entries`
      : `the archive unpacks to more than ${limits.bytes} bytes`,
    { file: name },
  );
}

async function unzip(file: string, root: string, limits: ArchiveLimits, name: string): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(file, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, z) =>
        err ? reject(err) : resolve(z),
      ),
    );
  } catch (err) {
    throw new DatasetError(`not a zip file: ${(err as Error).message}`, { file: name });
  }
  let entries = 0;
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', resolve);
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          if (++entries > limits.entries) throw tooBig(name, limits, 'entries');
          const path = entry.fileName;
          if (path.endsWith('/') || !wanted(path)) return;
          bytes += entry.uncompressedSize;
          if (bytes > limits.bytes) throw tooBig(name, limits, 'bytes');
          const out = target(root, path, name);
          mkdirSync(dirname(out), { recursive: true });
          const stream = await new Promise<Readable>((res, rej) =>
            zip.openReadStream(entry, (err, s) => (err ? rej(err) : res(s))),
          );
          await pipeline(stream, createWriteStream(out));
        })().then(
          () => zip.readEntry(),
          (err: unknown) => {
            zip.close();
            reject(err);
          },
        );
      });
      zip.readEntry();
    });
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw new DatasetError(`cannot unpack the zip file: ${(err as Error).message}`, { file: name });
  }
}

async function untar(file: string, root: string, limits: ArchiveLimits, name: string): Promise<void> {
  let entries = 0;
  let bytes = 0;
  let refused: DatasetError | undefined;
  try {
    await tar.x({
      file,
      cwd: root,
      strict: true,
      // Regular files and folders only: no links, devices or absolute paths.
      filter: (path, entry) => {
        if (refused) return false;
        if (++entries > limits.entries) refused = tooBig(name, limits, 'entries');
        const type = 'type' in entry ? entry.type : 'File';
        if (type !== 'File' && type !== 'OldFile' && type !== 'Directory') return false;
        bytes += 'size' in entry ? (entry.size ?? 0) : 0;
        if (bytes > limits.bytes) refused = tooBig(name, limits, 'bytes');
        return !refused && wanted(path);
      },
    });
  } catch (err) {
    throw new DatasetError(`cannot unpack the tar file: ${(err as Error).message}`, { file: name });
  }
  if (refused) throw refused;
}
