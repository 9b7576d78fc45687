import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DatasetError } from '@hpo/core';
import * as tar from 'tar';
import { unpack } from './archives.js';

const LIMITS = { entries: 100, bytes: 1_000_000 };
const fresh = () => mkdtempSync(join(tmpdir(), 'hpo-arch-'));

/** A tar made by hand, so an entry can have any name or type (tar tools refuse `..`). */
function rawTar(
  entries: { path: string; data?: string; type?: 'File' | 'SymbolicLink'; linkpath?: string }[],
): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const header = Buffer.alloc(512);
    new tar.Header({
      path: e.path,
      type: e.type ?? 'File',
      size: e.type === 'SymbolicLink' ? 0 : data.length,
      mode: 0o644,
      mtime: new Date(0),
      ...(e.linkpath ? { linkpath: e.linkpath } : {}),
    }).encode(header);
    blocks.push(header);
    if (e.type !== 'SymbolicLink') {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const datasetError = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof DatasetError, String(err));
  assert.match(err.message, pattern);
  return true;
};

describe('archive unpacking', () => {
  it('unpacks class folders, finds them under one top folder, and skips macOS metadata and hidden files', async () => {
    const dir = fresh();
    const file = join(dir, 'a.tar.gz');
    writeFileSync(
      file,
      gzipSync(
        rawTar([
          { path: 'images/cross/a.png', data: 'x' },
          { path: 'images/other/b.png', data: 'y' },
          { path: 'images/.DS_Store', data: 'z' },
          { path: '__MACOSX/images/cross/._a.png', data: 'z' },
        ]),
      ),
    );
    const root = join(dir, 'out');
    mkdirSync(root);
    const classes = await unpack('tar', file, root, LIMITS, 'upload t');
    assert.equal(classes, join(root, 'images'));
    assert.deepEqual(readdirSync(classes).sort(), ['cross', 'other']);
    assert.ok(!existsSync(join(root, '__MACOSX')));
  });

  it('never writes outside its folder: .. entries and links are skipped', async () => {
    const dir = fresh();
    const file = join(dir, 'evil.tar');
    writeFileSync(
      file,
      rawTar([
        { path: '../../escaped.png', data: 'x' },
        { path: 'cross/../../escaped2.png', data: 'x' },
        { path: 'cross/link.png', type: 'SymbolicLink', linkpath: '/etc/passwd' },
        { path: 'cross/ok.png', data: 'fine' },
      ]),
    );
    const root = join(dir, 'out');
    mkdirSync(root);
    await unpack('tar', file, root, LIMITS, 'upload t');
    assert.ok(!existsSync(join(dir, 'escaped.png')) && !existsSync(join(dir, 'escaped2.png')));
    assert.ok(!existsSync(join(root, 'cross/link.png')), 'no symbolic link is created');
    assert.ok(existsSync(join(root, 'cross/ok.png')));
  });

  it('stops at the limits on entries and unpacked bytes', async () => {
    const dir = fresh();
    const many = join(dir, 'many.tar');
    writeFileSync(many, rawTar(Array.from({ length: 12 }, (_, i) => ({ path: `c/${i}.png`, data: 'x' }))));
    const root = join(dir, 'o1');
    mkdirSync(root);
    await assert.rejects(
      unpack('tar', many, root, { entries: 10, bytes: 1e6 }, 'upload m'),
      datasetError(/^upload m: the archive has more than 10 entries/),
    );
    const big = join(dir, 'big.tar');
    writeFileSync(big, rawTar([{ path: 'c/a.png', data: 'x'.repeat(5000) }]));
    const root2 = join(dir, 'o2');
    mkdirSync(root2);
    await assert.rejects(
      unpack('tar', big, root2, { entries: 10, bytes: 4000 }, 'upload b'),
      datasetError(/the archive unpacks to more than 4000 bytes/),
    );
  });

  it('names a file that is not an archive', async () => {
    const dir = fresh();
    const file = join(dir, 'x');
    writeFileSync(file, 'not an archive');
    const root = join(dir, 'o');
    mkdirSync(root);
    await assert.rejects(
      unpack('zip', file, root, LIMITS, 'upload z'),
      datasetError(/^upload z: not a zip file/),
    );
    await assert.rejects(
      unpack('tar', file, root, LIMITS, 'upload t'),
      datasetError(/^upload t: cannot unpack the tar file/),
    );
  });
});
