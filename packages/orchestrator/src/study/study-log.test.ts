import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HpoError } from '@hpo/core';
import { fakeResult, testSpec } from '@hpo/testing';
import type { StudyEvent } from '../events.js';
import { parseEventLines, readStudyLog, StudyLog } from './study-log.js';
import { durationSeconds } from './summary.js';

const at = '2026-01-01T00:00:00.000Z';
const created: StudyEvent = {
  type: 'study_created',
  at,
  study: 'test',
  spec: testSpec(),
  datasetHash: 'a'.repeat(64),
  folds: 3,
};
const started = (trial: number): StudyEvent => ({ type: 'trial_started', at, trial, params: { lr: trial } });
const finished = (trial: number, state: 'complete' | 'pruned' | 'failed', value?: number): StudyEvent => ({
  type: 'trial_finished',
  at,
  trial,
  state,
  ...(value !== undefined ? { value } : {}),
  ...(state === 'failed' ? { error: `boom ${trial}` } : {}),
});

describe('StudyLog', () => {
  it('folds events into trials, ignoring a duplicate fold result and a second finish', () => {
    const s = new StudyLog('maximize');
    s.apply(started(0));
    s.apply({ type: 'fold_done', at, trial: 0, fold: 1, result: fakeResult(0.7) });
    s.apply({ type: 'fold_done', at, trial: 0, fold: 1, result: fakeResult(0.1) });
    assert.equal(s.get(0)!.folds[1]!.metrics.rocAuc, 0.7, 'the first result of a fold wins');
    assert.equal(s.apply(finished(0, 'complete', 0.7))?.number, 0);
    assert.equal(s.apply(finished(0, 'failed')), undefined, 'a finished trial stays finished');
    assert.equal(s.get(0)!.state, 'complete');
  });

  it('ranks complete, pruned, running, failed; by value in the objective direction', () => {
    for (const [direction, bestValue] of [
      ['maximize', 0.9],
      ['minimize', 0.2],
    ] as const) {
      const s = new StudyLog(direction);
      for (let t = 0; t < 6; t++) s.apply(started(t));
      s.apply(finished(0, 'complete', 0.5));
      s.apply(finished(1, 'complete', 0.9));
      s.apply(finished(2, 'complete', 0.2));
      s.apply(finished(3, 'pruned', 0.95));
      s.apply(finished(4, 'failed'));
      const order = s.leaderboard().map((t) => t.state);
      assert.deepEqual(order, ['complete', 'complete', 'complete', 'pruned', 'running', 'failed']);
      assert.equal(s.best()!.value, bestValue, direction);
      assert.equal(s.failures, 1);
      assert.equal(s.lastError(), 'boom 4');
      assert.deepEqual(
        s.samplerRecords().map((r) => r.outcome?.state ?? 'pending'),
        ['complete', 'complete', 'complete', 'pruned', 'failed', 'pending'],
      );
    }
  });

  it('keeps its counts, open trials and best trial in step with the trials, in any event order', () => {
    // What the incremental views must equal: the same questions answered by walking every trial.
    for (const direction of ['maximize', 'minimize'] as const) {
      let seed = direction === 'maximize' ? 7 : 11;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const s = new StudyLog(direction);
      const numbers = Array.from({ length: 40 }, (_, i) => i).sort(() => random() - 0.5);
      const pending = [...numbers];
      const open: number[] = [];
      for (let step = 0; step < 200 && (pending.length > 0 || open.length > 0); step++) {
        if (pending.length > 0 && (open.length === 0 || random() < 0.5)) {
          const n = pending.pop()!;
          s.apply(started(n));
          s.apply(started(n)); // a repeat changes nothing
          open.push(n);
        } else {
          const n = open.splice(Math.floor(random() * open.length), 1)[0]!;
          const r = random();
          // Values repeat (ties go to the lower trial number).
          const value = Math.round(random() * 5) / 5;
          s.apply(
            r < 0.6
              ? finished(n, 'complete', value)
              : r < 0.8
                ? finished(n, 'pruned', value)
                : finished(n, 'failed'),
          );
          s.apply(finished(n, 'complete', 9)); // a second finish changes nothing
        }
        const all = [...s.all()];
        assert.deepEqual(
          all.map((t) => t.number),
          [...all.map((t) => t.number)].sort((a, b) => a - b),
        );
        const running = all.filter((t) => t.state === 'running');
        assert.equal(s.running, running.length);
        assert.equal(s.finished, all.length - running.length);
        assert.deepEqual(
          s.openTrials().map((t) => t.number),
          running.map((t) => t.number),
        );
        const sign = direction === 'maximize' ? -1 : 1;
        const complete = all
          .filter((t) => t.state === 'complete')
          .sort((a, b) => sign * (a.value! - b.value!) || a.number - b.number);
        assert.equal(s.best()?.number, complete[0]?.number);
        assert.equal(s.leaderboard()[0]?.number, complete[0]?.number ?? s.leaderboard()[0]?.number);
      }
      assert.equal(s.running, 0);
      assert.equal(s.size, 40);
    }
  });

  it("shows trials open in a stopped study as 'unfinished', until trial work resumes", () => {
    const log = readStudyLog([
      created,
      started(0),
      started(1),
      finished(0, 'complete', 0.8),
      { type: 'study_finished', at, reason: 'time_limit' },
    ]);
    assert.deepEqual(log.ended, { reason: 'time_limit', message: undefined });
    assert.equal(log.shownState(log.get(1)!), 'unfinished');
    assert.equal(log.shownState(log.get(0)!), 'complete');
    assert.equal(log.unfinishedCount(), 1);
    // A resumed run works on the trial again: it is running, not unfinished.
    log.apply({ type: 'fold_done', at, trial: 1, fold: 0, result: fakeResult(0.7) });
    assert.equal(log.ended, undefined);
    assert.equal(log.shownState(log.get(1)!), 'running');
    log.apply({ type: 'study_finished', at, reason: 'cancelled' });
    assert.equal(log.shownState(log.get(1)!), 'unfinished');
    log.reopen();
    assert.equal(log.shownState(log.get(1)!), 'running');
  });

  it("takes the direction from the spec and reads a model's location (and the older 'dir')", () => {
    const log = readStudyLog([
      { ...created, spec: testSpec({ objective: { metric: 'logLoss' } }) } as StudyEvent,
      {
        type: 'model_saved',
        at,
        trial: 0,
        dir: '/old/model',
        threshold: { default: 0.5, bestF1: 0.4 },
      } as StudyEvent,
    ]);
    assert.equal(log.direction, 'minimize');
    assert.equal(log.model!.location, '/old/model');
    assert.throws(
      () => readStudyLog([started(0)]),
      (e: unknown) => e instanceof HpoError,
    );
  });
});

describe('parseEventLines', () => {
  const line = (e: StudyEvent) => `${JSON.stringify(e)}\n`;

  it('reads every line and says where a torn last line starts', () => {
    const good = line(created) + line(started(0));
    assert.deepEqual(parseEventLines(good, 'x').events.length, 2);
    assert.equal(parseEventLines(good, 'x').tornAt, undefined);
    const torn = `${good}{"type":"trial_sta`;
    const parsed = parseEventLines(torn, 'x');
    assert.equal(parsed.events.length, 2);
    assert.equal(parsed.tornAt, good.length);
  });

  it('calls any other unreadable line corruption, naming the file and line', () => {
    const text = `${line(created)}{oops\n${line(started(0))}`;
    assert.throws(
      () => parseEventLines(text, 'runs/x/events.jsonl'),
      (e: unknown) =>
        e instanceof HpoError &&
        e.kind === 'data_loss' &&
        /runs\/x\/events\.jsonl: line 2 is not valid JSON/.test(e.message) &&
        /^lines 1–1 are intact\. Keep a copy of the file, then either delete line 2/.test(e.hint ?? ''),
    );
  });

  it('ignores a repeated trial_started, which would otherwise wipe the trial', () => {
    const log = new StudyLog('maximize');
    log.apply(created);
    log.apply(started(0));
    log.apply({ type: 'fold_done', at, trial: 0, fold: 0, result: fakeResult(0.8) });
    log.apply(started(0));
    assert.equal(log.get(0)?.folds.filter(Boolean).length, 1);
  });

  it('does not count the time a study was stopped in the durations of trials open across it', () => {
    const log = new StudyLog('maximize');
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
    log.apply({ ...created, at: t(0) });
    log.apply({ ...started(0), at: t(1) });
    log.apply({ type: 'fold_done', at: t(3), trial: 0, fold: 0, result: fakeResult(0.8) });
    // Killed after t(3); resumed at t(50).
    log.apply({ type: 'study_resumed', at: t(50) });
    log.apply({ type: 'trial_finished', at: t(52), trial: 0, state: 'complete', value: 0.8 });
    assert.equal(durationSeconds(log.get(0)!), 4);
  });
});
