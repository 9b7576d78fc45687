import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type FoldTask, HpoError, writeDatasetFile } from '@hpo/core';
import { syntheticTabular } from '@hpo/testing';
import { runFoldOnPool, type TaskPool, type ThreadMessage } from './pool.js';

/** A pool that answers every fold at once and keeps the messages it was sent. */
function fakePool(): TaskPool & { sent: ThreadMessage[] } {
  const sent: ThreadMessage[] = [];
  return {
    sent,
    async run(message: ThreadMessage) {
      sent.push(message);
      return { ok: true, kind: 'fold', result: { metrics: {} } };
    },
  };
}

const task = (hash: string): FoldTask => ({
  kind: 'fold',
  trial: 0,
  datasetHash: hash,
  cv: { k: 3, seed: 1, repeat: 0, fold: 0 },
  params: {},
  seed: 1,
  threshold: 0.5,
});

describe('the pool client shares datasets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-pool-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a dataset once into shared memory for concurrent tasks, as views of it', async () => {
    const file = join(dir, 'a.bin');
    const hash = writeDatasetFile(syntheticTabular(300, 4, 11), file);
    const pool = fakePool();
    await Promise.all([1, 2, 3].map(() => runFoldOnPool(pool, task(hash), { datasetPath: file })));
    const [a, b, c] = pool.sent.map((m) => m.dataset);
    assert.ok(a === b && b === c, 'one dataset object for every task');
    assert.ok(a!.labels.buffer instanceof SharedArrayBuffer);
  });

  it('does not keep a failed read: a missing file, then a file with another hash', async () => {
    const file = join(dir, 'b.bin');
    const hash = writeDatasetFile(syntheticTabular(200, 4, 12), file);
    const pool = fakePool();
    const missing = join(dir, 'missing.bin');
    await assert.rejects(runFoldOnPool(pool, task(hash), { datasetPath: missing }), (err: HpoError) => {
      assert.equal(err.kind, 'internal');
      assert.match(err.message, /cannot read dataset .*missing\.bin/);
      return true;
    });
    writeFileSync(missing, 'not the dataset');
    await assert.rejects(runFoldOnPool(pool, task(hash), { datasetPath: missing }), (err: HpoError) => {
      assert.equal(err.kind, 'data_loss');
      return true;
    });
    await runFoldOnPool(pool, task(hash), { datasetPath: file });
    assert.equal(pool.sent.length, 1, 'no task ran on a failed read');
  });

  it('an aborted task goes no further than its dataset read', async () => {
    const file = join(dir, 'c.bin');
    const hash = writeDatasetFile(syntheticTabular(200, 4, 13), file);
    const pool = fakePool();
    const controller = new AbortController();
    controller.abort(new HpoError('stopped', 'cancelled'));
    await assert.rejects(
      runFoldOnPool(pool, task(hash), { datasetPath: file, signal: controller.signal }),
      /cancelled/,
    );
    assert.equal(pool.sent.length, 0);
  });
});
