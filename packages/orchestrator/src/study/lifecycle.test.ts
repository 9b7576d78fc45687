import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HpoError } from '@hpo/core';

import { FakeExecutor, testSpec } from '@hpo/testing';
import { StudyRunner } from '../runner/study-runner.js';
import { MemoryStudyStore } from '../stores/memory-store.js';
import { runStudy } from './lifecycle.js';

const datasetHash = 'a'.repeat(64);
const open = (executor: FakeExecutor, trials = 3) =>
  StudyRunner.open({
    spec: testSpec({ budget: { trials, parallelism: 1, maxFailedTrials: 1 } }),
    datasetHash,
    executor,
    store: new MemoryStudyStore(),
  });

describe('study lifecycle', () => {
  it('runs, refits the best trial and ends finished with the model', async () => {
    const executor = new FakeExecutor(2);
    const runner = await open(executor);
    const outcome = await runStudy(runner);
    assert.equal(outcome.state, 'finished');
    assert.equal(outcome.reason, 'budget');
    assert.equal(outcome.model?.trial, runner.best()!.number);
    assert.equal(executor.refits.length, 1);
  });

  it('a cancel keeps the trials and saves no model, unless asked to refit (hpo tune)', async () => {
    for (const refitWhenCancelled of [false, true]) {
      const executor = new FakeExecutor(
        1,
        () => false,
        () => 5,
      );
      const runner = await open(executor, 6);
      const stop = new AbortController();
      const ran = runStudy(runner, {
        stop: stop.signal,
        stopRefit: new AbortController().signal,
        refitWhenCancelled,
      });
      // Stop once one trial completed.
      while (!runner.best()) await new Promise((r) => setTimeout(r, 2));
      stop.abort();
      const outcome = await ran;
      assert.equal(outcome.state, 'cancelled');
      assert.equal(outcome.reason, 'cancelled');
      assert.equal(executor.refits.length, refitWhenCancelled ? 1 : 0);
      assert.equal(outcome.model !== undefined, refitWhenCancelled);
    }
  });

  it('too many failures, or no complete trial, end failed with the last error', async () => {
    const failing = await open(new FakeExecutor(1, () => true));
    const tooMany = await runStudy(failing);
    assert.equal(tooMany.state, 'failed');
    assert.equal(tooMany.reason, 'too_many_failures');
    assert.match(tooMany.message!, /stopped after 2 failed trials/);

    const one = await StudyRunner.open({
      spec: testSpec({ budget: { trials: 1, parallelism: 1, maxFailedTrials: 5 } }),
      datasetHash,
      executor: new FakeExecutor(1, () => true),
      store: new MemoryStudyStore(),
    });
    const none = await runStudy(one);
    assert.equal(none.state, 'failed');
    assert.equal(none.reason, 'budget');
    assert.match(none.message!, /^no trial completed; last error: .*boom/);
  });

  it('a refit that fails ends failed, naming the refit; a stopped refit ends cancelled', async () => {
    const broken = new FakeExecutor(2);
    broken.refit = async () => {
      throw new HpoError('params', 'params.units: bad');
    };
    const failed = await runStudy(await open(broken));
    assert.equal(failed.state, 'failed');
    assert.match(failed.message!, /^refit failed: params\.units: bad/);

    const slow = new FakeExecutor(2);
    const stopRefit = new AbortController();
    slow.refit = (_task, control) =>
      new Promise<never>((_resolve, reject) => {
        control?.signal?.addEventListener('abort', () => reject(new HpoError('stopped', 'refit stopped')));
        stopRefit.abort();
      });
    const stopped = await runStudy(await open(slow), { stopRefit: stopRefit.signal });
    assert.equal(stopped.state, 'cancelled');
    assert.equal(stopped.model, undefined);
  });
});
