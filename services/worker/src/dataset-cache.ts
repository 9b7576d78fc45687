/**
 * Dataset blobs on local disk, fetched once per hash from the datasets object store. The pool's
 * threads read the file themselves, so the main thread never holds a decoded dataset.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HpoError, sha256Hex } from '@hpo/core';
import { BUCKETS } from '@hpo/protocol';

/** A dataset blob on local disk, checked against its hash. */
export interface DatasetRef {
  hash: string;
  path: string;
}

/** The one thing the cache needs from an object store (a port, so tests can swap it). */
export interface BlobSource {
  /** The object's bytes, or null when there is no such object. */
  getBlob(name: string): Promise<Uint8Array | null>;
}

/**
 * A dataset that cannot be used whatever the retries: missing from the bucket, or not matching its
 * hash. Other fetch errors (connection lost) are transient and worth a redelivery.
 */
export class DatasetUnavailableError extends HpoError {
  override name = 'DatasetUnavailableError';
  constructor(
    readonly hash: string,
    message: string,
  ) {
    super('not_found', message, { retryable: false, details: { hash } });
  }
}

export interface CacheEvents {
  hit(): void;
  miss(): void;
}

/** Local, content-addressed copies of dataset blobs (`<dir>/<hash>.bin`). */
export class DatasetCache {
  /** One fetch per hash: concurrent tasks for the same dataset wait on the same promise. */
  private readonly pending = new Map<string, Promise<DatasetRef>>();

  constructor(
    private readonly dir: string,
    private readonly source: () => Promise<BlobSource>,
    private readonly events: CacheEvents = { hit() {}, miss() {} },
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** The local file of dataset `hash`, fetching and verifying it on first use. */
  get(hash: string): Promise<DatasetRef> {
    const known = this.pending.get(hash);
    if (known) {
      this.events.hit();
      return known;
    }
    const p = this.load(hash);
    this.pending.set(hash, p);
    // A failed fetch must not poison the hash: the next task tries again.
    p.catch(() => {
      if (this.pending.get(hash) === p) this.pending.delete(hash);
    });
    return p;
  }

  private async load(hash: string): Promise<DatasetRef> {
    const path = join(this.dir, `${hash}.bin`);
    // A file left by an earlier run of this worker is reused only if it still matches its hash.
    if (existsSync(path) && sha256Hex(readFileSync(path)) === hash) {
      this.events.hit();
      return { hash, path };
    }
    this.events.miss();
    const store = await this.source();
    const bytes = await store.getBlob(hash);
    if (!bytes)
      throw new DatasetUnavailableError(
        hash,
        `dataset ${hash} not found in object store bucket ${BUCKETS.datasets}`,
      );
    const actual = sha256Hex(bytes);
    if (actual !== hash) {
      throw new DatasetUnavailableError(
        hash,
        `dataset ${hash} from bucket ${BUCKETS.datasets} has SHA-256 ${actual}`,
      );
    }
    // Write then rename: a crash mid-write never leaves a truncated blob under the final name.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
    return { hash, path };
  }
}
