import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  type Dataset,
  decodeDataset,
  encodeOof,
  type FoldResult,
  type FoldTask,
  type RefitResult,
  type RefitTask,
  stratifiedFold,
  studyDatasets,
  type TabularDataset,
} from '@hpo/core';
import { fakeResult, testSpec } from '@hpo/testing';
import type { Executor } from '../ports.js';
import { StudyRunner } from '../runner/study-runner.js';
import { FileStudyStore } from '../stores/file-store.js';
import { runStudy } from './lifecycle.js';
import { outOfFoldChoices } from './out-of-fold.js';

/** 200 rows whose one feature is the row's index in the original data, 20% positive. */
function numberedRows(): TabularDataset {
  const n = 200;
  return {
    kind: 'tabular',
    classes: { label: 'y', positive: '1', negative: '0' },
    columns: [{ kind: 'numeric', name: 'rowId', values: Float64Array.from({ length: n }, (_, i) => i) }],
    labels: Uint8Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 1 : 0)),
  };
}

const ids = (ds: Dataset, rows?: ArrayLike<number>): number[] => {
  const col = (ds as TabularDataset).columns[0]!;
  const values = col.kind === 'numeric' ? col.values : new Float64Array();
  return rows ? Array.from(rows, (r) => values[r]!) : [...values];
};

/**
 * An executor that trains nothing but records, by original row id, every row each fold and the
 * refit could see: the rows of the dataset a task names, split exactly as the trainer splits.
 */
class RecordingExecutor implements Executor {
  readonly capacity = 2;
  readonly foldRows = new Set<number>();
  refitRows: number[] = [];
  refitTestRows: number[] = [];
  constructor(private readonly store: FileStudyStore) {}
  private load(hash: string): Dataset {
    return decodeDataset(readFileSync(this.store.datasetFile(hash)));
  }
  async runFold(task: FoldTask): Promise<FoldResult> {
    const ds = this.load(task.datasetHash);
    const { train, valid } = stratifiedFold(ds.labels, task.cv.k, task.cv.seed, task.cv.repeat, task.cv.fold);
    for (const id of [...ids(ds, train), ...ids(ds, valid)]) this.foldRows.add(id);
    const y = Array.from(valid, (r) => ds.labels[r]!);
    return {
      ...fakeResult(0.8),
      oof: encodeOof(
        y,
        y.map((v) => (v ? 0.7 : 0.3)),
        1,
      ),
    };
  }
  async refit(task: RefitTask): Promise<RefitResult> {
    this.refitRows = ids(this.load(task.datasetHash));
    assert.ok(task.testDatasetHash, 'the refit gets the test set');
    this.refitTestRows = ids(this.load(task.testDatasetHash));
    return {
      epochs: 1,
      backend: { name: 'cpu', threads: 1, reason: 'test', tfjsVersion: '0' },
      location: '/nowhere',
      files: [{ name: 'model.json', sha256: 'f'.repeat(64), bytes: 1 }],
    };
  }
  async close(): Promise<void> {}
}

describe('a held-out test set', () => {
  it('never reaches a fold (nor its inner split, which draws from the fold): only the refit sees it', async () => {
    const spec = testSpec({ cv: { k: 4, seed: 3, holdout: 0.25 }, budget: { trials: 3, parallelism: 2 } });
    const { train, test, testRows } = studyDatasets(spec, numberedRows());
    assert.ok(test && testRows);
    assert.equal(testRows.length, 50);
    const store = new FileStudyStore(mkdtempSync(join(tmpdir(), 'hpo-holdout-')));
    const executor = new RecordingExecutor(store);
    const runner = await StudyRunner.open({
      spec,
      datasetHash: store.saveDataset(train),
      testDatasetHash: store.saveDataset(test),
      executor,
      store,
    });
    const outcome = await runStudy(runner);
    store.close();
    assert.equal(outcome.state, 'finished');
    const held = new Set(testRows);
    assert.equal(executor.foldRows.size, 150, 'the folds saw every training row');
    for (const id of executor.foldRows) assert.ok(!held.has(id), `test row ${id} reached a fold`);
    for (const id of executor.refitRows)
      assert.ok(!held.has(id), `test row ${id} reached the refit's training`);
    assert.deepEqual(
      executor.refitTestRows,
      [...testRows],
      'the refit is evaluated on exactly the held-out rows',
    );
    // The decision threshold was chosen on the pooled out-of-fold predictions.
    assert.equal(outcome.model?.decision?.rule, 'best F1');
    assert.equal(outcome.model?.outOfFold?.rows, 150);
  });

  it('from a file must hold the same kind of data, classes and columns', () => {
    const spec = testSpec({ dataset: { path: 'x.csv', label: 'y', test: 'test.csv' } });
    const main = numberedRows();
    const other: TabularDataset = { ...main, classes: { label: 'y', positive: 'yes', negative: 'no' } };
    assert.throws(
      () => studyDatasets(spec, main, other),
      /test\.csv: has classes 'yes' \/ 'no', the training data '1' \/ '0'/,
    );
    const renamed: TabularDataset = { ...main, columns: [{ ...main.columns[0]!, name: 'id' }] };
    assert.throws(() => studyDatasets(spec, main, renamed), /lacks the column 'rowId'/);
    assert.equal(studyDatasets(spec, main, main).test, main);
  });

  it('is either split off or read from a file, not both', () => {
    assert.throws(
      () =>
        testSpec({
          dataset: { path: 'x.csv', label: 'y', test: 't.csv' },
          cv: { k: 3, seed: 1, holdout: 0.2 },
        }),
      /cv\.holdout: give either cv\.holdout or dataset\.test, not both/,
    );
  });

  it('out-of-fold choices fall back to the defaults for a spec logged before decision and calibration existed', () => {
    const spec = testSpec() as unknown as Record<string, unknown>;
    delete spec.decision;
    delete spec.calibration;
    const y = [1, 0, 1, 0, 0, 1];
    const trial = {
      folds: [{ ...fakeResult(0.8), oof: encodeOof(y, [0.9, 0.2, 0.7, 0.4, 0.1, 0.6], 1) }],
    } as unknown as Parameters<typeof outOfFoldChoices>[1];
    const chosen = outOfFoldChoices(spec as unknown as Parameters<typeof outOfFoldChoices>[0], trial);
    assert.equal(chosen.decision?.rule, 'best F1');
    assert.equal(chosen.calibration?.method, 'none');
  });
});
