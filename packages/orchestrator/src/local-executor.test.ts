/**
 * LocalExecutor on a real piscina pool (one thread, wasm or cpu backend): a dropped fold stops
 * between two batches and the same thread, backend warm, runs the next fold.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCsvDataset } from '@hpo/core';
import type { FoldTaskMessage } from '@hpo/trainer';
import { storeDatasetBlob } from './dataset-blob.js';
import { LocalExecutor } from './local-executor.js';

process.env.HPO_LOG = 'silent';
const CHURN = join(dirname(fileURLToPath(import.meta.url)), '../../../examples/churn/churn.csv');

describe('LocalExecutor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-local-'));
  const executor = new LocalExecutor({ threads: 1 });
  const dataset = storeDatasetBlob(
    readCsvDataset(CHURN, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } }),
    dir,
  );
  const task = (epochs: number): FoldTaskMessage => ({
    kind: 'fold',
    trial: 0,
    dataset,
    cv: { k: 3, seed: 1, repeat: 0, fold: 0 },
    params: { epochs, validationFraction: 0, layers: 1, units: 8, batchSize: 16 },
    seed: 1,
    threshold: 0.5,
  });
  after(async () => {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops a dropped fold between batches and keeps the thread for the next fold', async () => {
    const drop = new AbortController();
    // 10,000 epochs take many minutes: only the drop can end this fold soon.
    const long = executor.runFold(task(10_000), undefined, drop.signal);
    setTimeout(() => drop.abort(), 500);
    await assert.rejects(long, /training stopped/);
    const next = await executor.runFold(task(2), undefined, new AbortController().signal);
    assert.ok(next.metrics.rocAuc > 0.5, `ROC AUC ${next.metrics.rocAuc}`);
    assert.equal(next.epochs, 2);
  });
});
