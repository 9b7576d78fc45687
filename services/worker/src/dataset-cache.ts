/**
 * Dataset blobs on local disk, fetched once per hash from the datasets object store
 * (streamed, `objectStoreSource`). The pool client reads a blob into memory its threads
 * share, once per process (`@hpo/trainer/pool`). The cache is bounded (`maxBytes`): past it,
 * the least recently used blobs no task is using are deleted.
 */
import { createHash } from 'node:crypto';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { HpoError } from '@hpo/core';
import { type BlobSource, BUCKETS } from '@hpo/protocol';

/** A dataset blob on local disk, checked against its hash. */
export interface DatasetRef {
  hash: string;
  path: string;
}

/**
 * The folder a worker caches in: `dir` when no other live process on this machine uses it (its
 * `.owner` file names a live pid), else a subfolder named after the worker. The cache deletes
 * files (eviction, leftovers of a crash), so two workers must never share one folder.
 */
export function claimCacheDir(dir: string, name: string): string {
  for (const candidate of [dir, join(dir, `worker-${name}`), join(dir, `worker-${name}-${process.pid}`)]) {
    mkdirSync(candidate, { recursive: true });
    const owner = join(candidate, '.owner');
    const pid = existsSync(owner) ? Number(readFileSync(owner, 'utf8').trim()) : 0;
    if (pid > 0 && pid !== process.pid && alive(pid)) continue;
    writeFileSync(owner, `${process.pid}\n`);
    return candidate;
  }
  throw new HpoError('internal', `no cache folder free under ${dir}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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

/** A dataset file held for a task: not evicted until released. */
export interface DatasetLease extends DatasetRef {
  /** The task is done with the file (idempotent). */
  release(): void;
}

export interface CacheEvents {
  hit(): void;
  miss(): void;
  /** A blob was deleted to stay within the size limit. */
  evicted?(bytes: number): void;
}

/** A blob on disk: its size, when it was last used, and by how many tasks now. */
interface Entry {
  size: number;
  usedAt: number;
  users: number;
}

/** Local, content-addressed copies of dataset blobs (`<dir>/<hash>.bin`), least recently used out first. */
export class DatasetCache {
  /** One fetch per hash: concurrent tasks for the same dataset wait on the same promise. */
  private readonly pending = new Map<string, Promise<DatasetRef>>();
  private readonly entries = new Map<string, Entry>();
  private tmpCount = 0;

  constructor(
    private readonly dir: string,
    private readonly source: () => Promise<BlobSource>,
    private readonly events: CacheEvents = { hit() {}, miss() {} },
    /** Bytes of blobs kept on disk; one blob larger than this is still kept while it is used. */
    private readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    mkdirSync(dir, { recursive: true });
    // Blobs left by an earlier run count from the start (verified when first used); a temporary
    // file is what a crash mid-write left.
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name.endsWith('.tmp')) rmSync(path, { force: true });
      else if (/^[0-9a-f]{64}\.bin$/.test(name)) {
        const st = statSync(path);
        this.entries.set(name.slice(0, 64), { size: st.size, usedAt: st.mtimeMs, users: 0 });
      }
    }
    this.evict();
  }

  /** Bytes of blobs on disk now. */
  get bytes(): number {
    let total = 0;
    for (const e of this.entries.values()) total += e.size;
    return total;
  }

  /**
   * Holds the local file of dataset `hash` for a task (fetching and verifying it on first use);
   * it is not evicted before `release()`.
   */
  async acquire(hash: string): Promise<DatasetLease> {
    let ref = await this.get(hash);
    let entry = this.entries.get(hash);
    // Evicted between the fetch and now (another task's release ran first): fetch it again.
    for (let tries = 1; !entry || !existsSync(ref.path); tries++) {
      if (tries > 3)
        throw new HpoError('unavailable', `dataset ${hash}: evicted from the cache as it was fetched`);
      this.pending.delete(hash);
      ref = await this.get(hash);
      entry = this.entries.get(hash);
    }
    entry.users++;
    entry.usedAt = Date.now();
    // Room for this one is made now that it is held (it cannot be the one evicted).
    this.evict();
    let released = false;
    return {
      ...ref,
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        this.evict();
      },
    };
  }

  /** Records a blob on disk, updating its entry in place (leases hold the entry object). */
  private track(hash: string, size: number): void {
    const entry = this.entries.get(hash);
    if (entry) {
      entry.size = size;
      entry.usedAt = Date.now();
    } else this.entries.set(hash, { size, usedAt: Date.now(), users: 0 });
  }

  /** Deletes the least recently used blobs nobody holds until the cache fits `maxBytes`. */
  private evict(): void {
    let total = this.bytes;
    if (total <= this.maxBytes) return;
    const idle = [...this.entries].filter(([, e]) => e.users === 0).sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [hash, e] of idle) {
      if (total <= this.maxBytes) break;
      // A fetch of this hash under way would write it again: leave it.
      this.pending.delete(hash);
      this.entries.delete(hash);
      rmSync(join(this.dir, `${hash}.bin`), { force: true });
      total -= e.size;
      this.events.evicted?.(e.size);
    }
  }

  /** The local file of dataset `hash`, fetching and verifying it on first use (not held: see acquire). */
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
    if (existsSync(path)) {
      // Hashed as a stream: a restarted worker does not read whole blobs into memory either.
      const digest = createHash('sha256');
      let size = 0;
      for await (const chunk of createReadStream(path)) {
        digest.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      if (digest.digest('hex') === hash) {
        this.events.hit();
        this.track(hash, size);
        return { hash, path };
      }
    }
    this.events.miss();
    const store = await this.source();
    // Streamed to disk chunk by chunk while it is hashed: the worker never holds the whole blob.
    // Written to a temporary name, then renamed: a crash mid-write never leaves a truncated blob
    // under the final name.
    const tmp = `${path}.${process.pid}.${this.tmpCount++}.tmp`;
    const digest = createHash('sha256');
    let size = 0;
    const file = await open(tmp, 'w');
    let found: boolean;
    try {
      found = await store.read(hash, async (chunk) => {
        digest.update(chunk);
        size += chunk.length;
        await file.write(chunk);
      });
      await file.close();
    } catch (err) {
      await file.close().catch(() => undefined);
      rmSync(tmp, { force: true });
      throw err;
    }
    if (!found) {
      rmSync(tmp, { force: true });
      throw new DatasetUnavailableError(
        hash,
        `dataset ${hash} not found in object store bucket ${BUCKETS.datasets}`,
      );
    }
    const actual = digest.digest('hex');
    if (actual !== hash) {
      rmSync(tmp, { force: true });
      throw new DatasetUnavailableError(
        hash,
        `dataset ${hash} from bucket ${BUCKETS.datasets} has SHA-256 ${actual}`,
      );
    }
    renameSync(tmp, path);
    this.track(hash, size);
    return { hash, path };
  }
}
