/**
 * Unpacking an uploaded image folder (zip, tar, tar.gz) safely: regular files only, nothing
 * outside the target folder, macOS metadata and hidden files skipped, and limits on entries and
 * unpacked bytes. Problems are DatasetErrors naming the upload.
 */
import { createWriteStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DatasetError } from '@hpo/core';
import * as tar from 'tar';
import yauzl from 'yauzl';

/** Limits on what an archive may unpack to. */
export interface UnpackLimits {
  /** Entries of the archive. */
  entries: number;
  /** Bytes it unpacks to. */
  bytes: number;
}

/** Unpacks a zip or tar(.gz) `file` into `root`; returns the folder whose subfolders are the classes. */
export async function unpack(
  format: 'zip' | 'tar',
  file: string,
  root: string,
  limits: UnpackLimits,
  name: string,
): Promise<string> {
  if (format === 'zip') await unzip(file, root, limits, name);
  else await untar(file, root, limits, name);
  return imageRoot(root);
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

function tooBig(name: string, limits: UnpackLimits, what: 'entries' | 'bytes'): DatasetError {
  return new DatasetError(
    what === 'entries'
      ? `the archive has more than ${limits.entries} entries`
      : `the archive unpacks to more than ${limits.bytes} bytes`,
    { file: name },
  );
}

async function unzip(file: string, root: string, limits: UnpackLimits, name: string): Promise<void> {
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

async function untar(file: string, root: string, limits: UnpackLimits, name: string): Promise<void> {
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
