import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeExecutor, testSpec } from '@hpo/testing';
import type { StudyEvent } from '../events.js';
import { StudyRunner } from '../runner/study-runner.js';
import { FileStudyStore } from '../stores/file-store.js';
import { runStudy } from './lifecycle.js';
import { parseEventLines } from './study-log.js';

const TRIALS = 4;
const spec = testSpec({ cv: { k: 2, seed: 1 }, budget: { trials: TRIALS, parallelism: 1 } });
const datasetHash = 'd'.repeat(64);

/** Opens the study in `dir` (new or from its log), runs it to the end and closes the store. */
async function runOnce(dir: string): Promise<void> {
  const store = new FileStudyStore(dir);
  try {
    const runner = await StudyRunner.open({ spec, datasetHash, executor: new FakeExecutor(1), store });
    const outcome = await runStudy(runner);
    assert.equal(outcome.state, 'finished');
  } finally {
    store.close();
  }
}

/** Line ends (byte offsets just past each '\n') of a log. */
function lineEnds(bytes: Buffer): number[] {
  const ends: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) ends.push(i + 1);
  return ends;
}

/** Every trial started, finished complete, and every fold recorded, exactly once. */
function assertEachOnce(dir: string, context: string): void {
  const file = join(dir, 'events.jsonl');
  const { events, tornAt } = parseEventLines(readFileSync(file, 'utf8'), file);
  assert.equal(tornAt, undefined, `${context}: the log ends on a whole line`);
  const count = (pred: (e: StudyEvent) => boolean) => events.filter(pred).length;
  for (let t = 0; t < TRIALS; t++) {
    assert.equal(
      count((e) => e.type === 'trial_started' && e.trial === t),
      1,
      `${context}: trial ${t} started`,
    );
    assert.equal(
      count((e) => e.type === 'trial_finished' && e.trial === t && e.state === 'complete'),
      1,
      `${context}: trial ${t} complete`,
    );
    for (let f = 0; f < spec.cv.k; f++)
      assert.equal(
        count((e) => e.type === 'fold_done' && e.trial === t && e.fold === f),
        1,
        `${context}: trial ${t} fold ${f}`,
      );
  }
  assert.equal(
    count((e) => e.type === 'trial_started'),
    TRIALS,
    `${context}: no extra trial`,
  );
}

describe('a study log cut by a crash at any byte', () => {
  it('resumes twice from every cut within its last 3 events, each trial complete exactly once', async () => {
    // On tmpfs where there is one: thousands of fsynced appends, and only their order matters here.
    const base = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'hpo-cut-'));
    await runOnce(join(base, 'whole'));
    const whole = readFileSync(join(base, 'whole', 'events.jsonl'));
    const ends = lineEnds(whole);
    // Two crash points: the end of the study, and mid-study (just after trial 1 finished).
    const events = whole
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as StudyEvent);
    const mid = events.findIndex((e) => e.type === 'trial_finished' && e.trial === 1);
    const logs = [whole, whole.subarray(0, ends[mid]!)];
    let cuts = 0;
    for (const log of logs) {
      const logEnds = lineEnds(log);
      const from = logEnds[logEnds.length - 4]!;
      for (let cut = from; cut <= log.length; cut++) {
        const dir = join(base, `cut-${cuts++}`);
        mkdirSync(dir);
        writeFileSync(join(dir, 'events.jsonl'), log.subarray(0, cut));
        await runOnce(dir);
        await runOnce(dir);
        assertEachOnce(dir, `cut at byte ${cut} of ${log.length}`);
        rmSync(dir, { recursive: true });
      }
    }
    assert.ok(cuts > 500, `${cuts} cuts`);
    console.log(`# ${cuts} cuts`);
    rmSync(base, { recursive: true });
  });
});
