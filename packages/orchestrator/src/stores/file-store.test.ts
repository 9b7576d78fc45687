import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testSpec } from '@hpo/testing';
import type { StudyEvent } from '../events.js';
import { FileStudyStore } from './file-store.js';

const at = '2026-01-01T00:00:00.000Z';
const started = (trial: number): StudyEvent => ({ type: 'trial_started', at, trial, params: { lr: trial } });

describe('FileStudyStore', () => {
  it('cuts off a torn last line before the next append, so no later load fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-store-'));
    const store = new FileStudyStore(dir);
    await store.append({
      type: 'study_created',
      at,
      study: 't',
      spec: testSpec(),
      datasetHash: 'a'.repeat(64),
      folds: 3,
    });
    await store.append(started(0));
    store.close();
    // A crash mid-write leaves half a line behind.
    appendFileSync(join(dir, 'events.jsonl'), '{"type":"trial_started","at":"2026');
    const resumed = new FileStudyStore(dir);
    assert.equal((await resumed.load()).length, 2);
    await resumed.append(started(1));
    resumed.close();
    const again = new FileStudyStore(dir);
    assert.deepEqual(
      (await again.load()).map((e) => e.type),
      ['study_created', 'trial_started', 'trial_started'],
    );
    assert.ok(readFileSync(join(dir, 'events.jsonl'), 'utf8').endsWith('\n'));
  });

  it('puts a lost final newline back, so the next event starts a line of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-store-'));
    appendFileSync(join(dir, 'events.jsonl'), JSON.stringify(started(0)));
    const store = new FileStudyStore(dir);
    assert.equal((await store.load()).length, 1);
    await store.append(started(1));
    store.close();
    assert.equal((await new FileStudyStore(dir).load()).length, 2);
  });
});
