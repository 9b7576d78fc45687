import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelFileDigest } from '@hpo/core';

/** One file of a saved model, in memory (what a refit thread hands back). */
export interface ModelFile {
  /** File name within the model folder, e.g. `weights.bin`. */
  name: string;
  data: Uint8Array;
}

/**
 * Writes a model's files into `dir`, each to a temporary then renamed, `model.json` last: a crash
 * never leaves a half-written model behind a complete-looking name. Returns their digests.
 * Pure file I/O: usable where TensorFlow.js is not loaded.
 */
export function writeModelFiles(dir: string, files: ModelFile[]): ModelFileDigest[] {
  mkdirSync(dir, { recursive: true });
  const ordered = inWriteOrder(files);
  for (const f of ordered) {
    if (f.name.includes('/') || f.name.includes('\\') || f.name.startsWith('.'))
      throw new Error(`model file name '${f.name}' is not a plain file name`);
    const path = join(dir, f.name);
    writeFileSync(`${path}.tmp`, f.data);
    renameSync(`${path}.tmp`, path);
  }
  return ordered.map(digestOf);
}

/** The files in the order they are stored: `model.json` last, so a model is complete once it is there. */
export function inWriteOrder(files: ModelFile[]): ModelFile[] {
  return [...files].sort((a, b) => Number(a.name === 'model.json') - Number(b.name === 'model.json'));
}

/** A file's name, SHA-256 and size. */
export function digestOf(f: ModelFile): ModelFileDigest {
  return { name: f.name, sha256: createHash('sha256').update(f.data).digest('hex'), bytes: f.data.length };
}
