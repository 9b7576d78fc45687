import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, encodeDataset, sha256Hex } from '@hpo/core';
import type { DatasetRef } from '@hpo/trainer';

/** Writes a dataset's canonical bytes once to `<dir>/dataset-<sha256>.bin` and returns the reference. */
export function storeDatasetBlob(ds: Dataset, dir: string): DatasetRef {
  const bytes = encodeDataset(ds);
  const hash = sha256Hex(bytes);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `dataset-${hash}.bin`);
  if (!existsSync(path)) {
    writeFileSync(`${path}.tmp`, bytes);
    renameSync(`${path}.tmp`, path);
  }
  return { hash, path };
}
