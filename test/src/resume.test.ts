import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { collect, runCli, smallChurnSpec, startCli, writeStudy } from '@hpo/testing/processes';

interface Event {
  type: string;
  trial?: number;
  fold?: number;
  state?: string;
}

/** The log's complete lines: the last one may be half written while the study runs (or was killed). */
function events(dir: string): Event[] {
  const text = readFileSync(join(dir, 'events.jsonl'), 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event);
}

describe('hpo tune --resume after the process is killed', () => {
  it('continues a SIGKILLed study without losing or repeating finished trials', async () => {
    const { dir, file } = writeStudy(
      smallChurnSpec({
        budget: { trials: 8, parallelism: 2 },
        search: { ...(smallChurnSpec().search as object), fixed: { epochs: 6, layers: 1, batchSize: 64 } },
      }),
    );
    const out = join(dir, 'study');
    const child = startCli(['tune', file, '--out', out, '--threads', '2', '--quiet']);
    const done = collect(child, 120_000);
    // Kill as soon as two trials have finished: mid-study, with folds in flight.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const log = join(out, 'events.jsonl');
        if (existsSync(log) && events(out).filter((e) => e.type === 'trial_finished').length >= 2) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        reject(new Error('the study finished before it could be killed'));
      });
    });
    await done;
    const before = events(out);
    const finishedBefore = before.filter((e) => e.type === 'trial_finished').map((e) => e.trial);
    assert.ok(
      finishedBefore.length >= 2 && finishedBefore.length < 8,
      `finished before kill: ${finishedBefore}`,
    );
    assert.ok(!before.some((e) => e.type === 'study_finished'));

    const r = await runCli(['tune', '--resume', out, '--json', '--threads', '2']);
    assert.equal(r.code, 0, r.stderr);
    const after = events(out);
    const started = after.filter((e) => e.type === 'trial_started').map((e) => e.trial);
    const finished = after.filter((e) => e.type === 'trial_finished').map((e) => e.trial);
    assert.deepEqual(
      [...started].sort((a, b) => a! - b!),
      [0, 1, 2, 3, 4, 5, 6, 7],
      'each trial started once',
    );
    assert.deepEqual(
      [...finished].sort((a, b) => a! - b!),
      [0, 1, 2, 3, 4, 5, 6, 7],
      'each trial finished once',
    );
    // Folds recorded before the kill are not run again.
    const foldKeys = after.filter((e) => e.type === 'fold_done').map((e) => `${e.trial}/${e.fold}`);
    assert.equal(new Set(foldKeys).size, foldKeys.length, 'no fold recorded twice');
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.trials.length, 8);
    assert.ok(existsSync(join(out, 'model', 'model.json')));
  });

  it('Ctrl-C (SIGINT) stops cleanly: finished trials kept, the best one refit and saved, exit 130', async () => {
    const { dir, file } = writeStudy(smallChurnSpec({ budget: { trials: 30, parallelism: 1 } }));
    const out = join(dir, 'study');
    const child = startCli(['tune', file, '--out', out, '--threads', '1']);
    const done = collect(child, 120_000);
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (!existsSync(join(out, 'events.jsonl'))) return;
        // After a trial finished and the next one started: that one is left unfinished.
        const log = events(out);
        const count = (type: string) => log.filter((e) => e.type === type).length;
        if (count('trial_finished') >= 1 && count('trial_started') > count('trial_finished')) {
          clearInterval(timer);
          child.kill('SIGINT');
          resolve();
        }
      }, 20);
    });
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /stopping: finished trials are kept/);
    const log = events(out);
    const finished = log.filter((e) => e.type === 'study_finished') as (Event & { reason?: string })[];
    assert.equal(finished.length, 1);
    assert.equal(finished[0]!.reason, 'cancelled');
    assert.ok(
      log.some((e) => e.type === 'model_saved'),
      'the best trial was refit',
    );
    assert.ok(existsSync(join(out, 'model', 'weights.bin')));
    assert.match(r.stdout, /best trial \d+; model saved to/);
    const started = log.filter((e) => e.type === 'trial_started').length;
    assert.ok(started < 30, 'the study stopped early');
    // Usually the trial started just before the SIGINT; it may have finished in between.
    const openTrials = started - log.filter((e) => e.type === 'trial_finished').length;
    if (openTrials > 0) {
      const said = r.stderr.match(
        /(\d+) trials? (?:was|were) left unfinished; continue with: hpo tune --resume /,
      );
      assert.equal(Number(said?.[1]), openTrials, r.stderr);
    } else assert.doesNotMatch(r.stderr, /left unfinished/);
  });
});
