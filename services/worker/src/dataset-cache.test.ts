import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256Hex } from '@hpo/core';
import type { BlobSource } from '@hpo/protocol';
import { claimCacheDir, DatasetCache, DatasetUnavailableError } from './dataset-cache.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hpo-cache-test-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An in-memory object store counting its reads; objects come out in 4-byte chunks. */
function store(objects: Record<string, Uint8Array>): BlobSource & { reads: number } {
  return {
    reads: 0,
    async read(name: string, onChunk: (chunk: Uint8Array) => Promise<void>) {
      this.reads++;
      await new Promise((r) => setTimeout(r, 10));
      const bytes = objects[name];
      if (!bytes) return false;
      for (let at = 0; at < bytes.length; at += 4) await onChunk(bytes.slice(at, at + 4));
      return true;
    },
  };
}

describe('DatasetCache', () => {
  const bytes = new TextEncoder().encode('a dataset blob');
  const hash = sha256Hex(bytes);

  it('fetches a hash once, even for concurrent requests, and writes <hash>.bin', async () => {
    const src = store({ [hash]: bytes });
    const counts = { hit: 0, miss: 0 };
    const dir = tempDir();
    const cache = new DatasetCache(dir, async () => src, {
      hit: () => counts.hit++,
      miss: () => counts.miss++,
    });
    const refs = await Promise.all([cache.get(hash), cache.get(hash), cache.get(hash)]);
    await cache.get(hash);
    assert.equal(src.reads, 1);
    assert.deepEqual(counts, { hit: 3, miss: 1 });
    for (const r of refs) assert.deepEqual(r, { hash, path: join(dir, `${hash}.bin`) });
    assert.deepEqual(new Uint8Array(readFileSync(refs[0]!.path)), bytes);
  });

  it('reuses a verified file left by an earlier run', async () => {
    const dir = tempDir();
    await new DatasetCache(dir, async () => store({ [hash]: bytes })).get(hash);
    const src = store({});
    const ref = await new DatasetCache(dir, async () => src).get(hash);
    assert.equal(src.reads, 0);
    assert.ok(existsSync(ref.path));
  });

  it('names the hash of a missing dataset, and tries again next time', async () => {
    const objects: Record<string, Uint8Array> = {};
    const src = store(objects);
    const cache = new DatasetCache(tempDir(), async () => src);
    await assert.rejects(
      cache.get(hash),
      (err: unknown) => err instanceof DatasetUnavailableError && err.message.includes(hash),
    );
    objects[hash] = bytes;
    assert.equal((await cache.get(hash)).hash, hash);
    assert.equal(src.reads, 2);
  });

  it('keeps at most maxBytes on disk: the least recently used blob nobody holds goes first, a held one stays', async () => {
    const blobs = ['first blob', 'second blob', 'third blob'].map((t) => new TextEncoder().encode(t));
    const [a, b, c] = blobs.map((x) => sha256Hex(x));
    const objects = Object.fromEntries(blobs.map((x) => [sha256Hex(x), x]));
    const evicted: number[] = [];
    const dir = tempDir();
    // Room for two of the three (10 or 11 bytes each).
    const cache = new DatasetCache(
      dir,
      async () => store(objects),
      { hit() {}, miss() {}, evicted: (n) => evicted.push(n) },
      22,
    );
    const la = await cache.acquire(a!);
    const lb = await cache.acquire(b!);
    lb.release();
    la.release();
    // b was used last but a was released last: recency is the last acquire, so a (older) goes.
    const lc = await cache.acquire(c!);
    assert.equal(existsSync(join(dir, `${a}.bin`)), false, 'the least recently used blob is deleted');
    assert.equal(existsSync(join(dir, `${b}.bin`)), true);
    assert.deepEqual(evicted, [blobs[0]!.length]);
    assert.ok(cache.bytes <= 22);
    // Held blobs are never deleted, even past the limit: c and b held, then a needed again.
    const lb2 = await cache.acquire(b!);
    const la2 = await cache.acquire(a!);
    for (const l of [la2, lb2, lc]) assert.ok(existsSync(l.path), `${l.hash} is on disk while held`);
    assert.deepEqual(new Uint8Array(readFileSync(la2.path)), blobs[0]);
    for (const l of [la2, lb2, lc]) l.release();
    assert.ok(cache.bytes <= 22, 'back within the limit once released');
    // A restarted worker counts the blobs already on disk.
    assert.equal(new DatasetCache(dir, async () => store({}), undefined, 22).bytes, cache.bytes);
  });

  it('gives each live worker its own folder: a second one on the same --cache-dir gets a subfolder', () => {
    const dir = tempDir();
    assert.equal(claimCacheDir(dir, 'a'), dir, 'the first takes the folder');
    // The folder is owned by a live process other than this one (the parent of this test).
    writeFileSync(join(dir, '.owner'), `${process.ppid}\n`);
    assert.equal(claimCacheDir(dir, 'b'), join(dir, 'worker-b'));
    // A dead owner's folder is taken over.
    writeFileSync(join(dir, '.owner'), '999999999\n');
    assert.equal(claimCacheDir(dir, 'c'), dir);
  });

  it('rejects a blob that does not match its hash, and leaves no file behind', async () => {
    const dir = tempDir();
    const cache = new DatasetCache(dir, async () => store({ [hash]: new TextEncoder().encode('tampered') }));
    await assert.rejects(cache.get(hash), /SHA-256/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('fails a download the object store cuts short, keeping nothing', async () => {
    const dir = tempDir();
    const broken: BlobSource = {
      async read(_name, onChunk) {
        await onChunk(bytes.slice(0, 4));
        throw new Error('received 4 of 14 bytes');
      },
    };
    await assert.rejects(new DatasetCache(dir, async () => broken).get(hash), /received 4 of 14 bytes/);
    assert.deepEqual(readdirSync(dir), []);
  });
});
