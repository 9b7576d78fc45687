import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sha256Hex } from '@hpo/core';
import { type BlobSource, DatasetCache, DatasetUnavailableError } from './dataset-cache.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hpo-cache-test-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An in-memory object store counting its reads. */
function store(objects: Record<string, Uint8Array>): BlobSource & { reads: number } {
  return {
    reads: 0,
    async getBlob(name: string) {
      this.reads++;
      await new Promise((r) => setTimeout(r, 10));
      return objects[name] ?? null;
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

  it('rejects a blob that does not match its hash', async () => {
    const cache = new DatasetCache(tempDir(), async () =>
      store({ [hash]: new TextEncoder().encode('tampered') }),
    );
    await assert.rejects(cache.get(hash), /SHA-256/);
  });
});
