/**
 * LocalExecutor on a real piscina pool (one thread, wasm or cpu backend): a dropped fold stops
 * between two batches and the same thread, backend warm, runs the next fold; a thread's error
 * keeps its kind across the thread boundary; a refit writes the model where the executor says.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type FoldTask, HpoError, readCsvDataset } from '@hpo/core';
import { FileStudyStore } from '../stores/file-store.js';
import { LocalExecutor } from './local-executor.js';

const CHURN = join(dirname(fileURLToPath(import.meta.url)), '../../../../examples/churn/churn.csv');

describe('LocalExecutor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpo-local-'));
  const store = new FileStudyStore(dir);
  const datasetHash = store.saveDataset(
    readCsvDataset(CHURN, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } }),
  );
  const executor = new LocalExecutor({
    threads: 1,
    datasetFile: (hash) => store.datasetFile(hash),
    modelDir: store.modelDir,
  });
  const task = (epochs: number, params: FoldTask['params'] = {}): FoldTask => ({
    kind: 'fold',
    trial: 0,
    datasetHash,
    cv: { k: 3, seed: 1, repeat: 0, fold: 0 },
    params: { epochs, validationFraction: 0, layers: 1, units: 8, batchSize: 16, ...params },
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
    const long = executor.runFold(task(10_000), { drop: drop.signal });
    setTimeout(() => drop.abort(), 500);
    await assert.rejects(long, (err: unknown) => err instanceof HpoError && err.kind === 'stopped');
    const next = await executor.runFold(task(2), { drop: new AbortController().signal });
    assert.ok(next.metrics.rocAuc > 0.5, `ROC AUC ${next.metrics.rocAuc}`);
    assert.equal(next.epochs, 2);
  });

  it('passes on the reports a fold sends at its rungs while it trains, then its result', async () => {
    const reports: { epoch: number; value: number }[] = [];
    const withReport: FoldTask = {
      ...task(8),
      report: { metric: 'rocAuc', minEpochs: 1, factor: 2 },
    };
    const result = await executor.runFold(withReport, { onReport: (r) => reports.push(r) });
    // Rungs 1, 2 and 4; the last epoch is none (the result follows).
    assert.deepEqual(
      reports.map((r) => r.epoch),
      [1, 2, 4],
    );
    for (const r of reports) assert.ok(r.value > 0 && r.value <= 1, `ROC AUC ${r.value}`);
    // The value at rung 4 is the validation ROC AUC after 4 epochs: what a 4-epoch fold of the
    // same seed reports as its result (no inner validation here, so its last weights are kept).
    const four = await executor.runFold(task(4));
    assert.ok(
      Math.abs(reports[2]!.value - four.metrics.rocAuc) < 1e-9,
      `${reports[2]!.value} vs ${four.metrics.rocAuc}`,
    );
    // Without a listener nothing is sent, and the fold trains the same.
    const plain = await executor.runFold(withReport);
    assert.equal(plain.metrics.rocAuc, result.metrics.rocAuc);
  });

  it("rebuilds a thread's error with its kind and message", async () => {
    await assert.rejects(
      executor.runFold(task(2, { units: 0 })),
      (err: unknown) =>
        err instanceof HpoError &&
        err.kind === 'params' &&
        /params\.units: must be an integer/.test(err.message),
    );
  });

  it('refits on every row and writes the model files into modelDir', async () => {
    const result = await executor.refit({
      kind: 'refit',
      trial: 3,
      datasetHash,
      params: { epochs: 2, validationFraction: 0, layers: 1, units: 8 },
      seed: 7,
      metadata: {
        study: 'churn',
        trial: 3,
        params: { units: 8 },
        objective: { metric: 'rocAuc', direction: 'maximize', value: 0.8 },
        cv: { k: 3, repeats: 1, seed: 1, metrics: {} },
        thresholds: { default: 0.5, bestF1: 0.4 },
        datasetHash,
        seed: 0,
      },
    });
    assert.equal(result.location, store.modelDir);
    assert.deepEqual(result.files.map((f) => f.name).sort(), [
      'metadata.json',
      'model.json',
      'preprocessing.json',
      'weights.bin',
    ]);
    for (const f of result.files) {
      const bytes = readFileSync(join(store.modelDir, f.name));
      assert.equal(f.sha256, createHash('sha256').update(bytes).digest('hex'), f.name);
      assert.equal(f.bytes, bytes.length);
    }
    const meta = JSON.parse(readFileSync(join(store.modelDir, 'metadata.json'), 'utf8'));
    assert.equal(meta.trial, 3);
    assert.equal(meta.backend, result.backend.name);
  });
});
