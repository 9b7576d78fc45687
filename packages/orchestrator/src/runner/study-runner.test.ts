import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { FoldTask } from '@hpo/core';
import { AshaPruner, MedianPruner } from '@hpo/optimizer';
import { FakeExecutor, testSpec } from '@hpo/testing';
import type { StudyEvent } from '../events.js';
import { makeAsha, makePruner } from '../sampling.js';
import { FileStudyStore } from '../stores/file-store.js';
import { MemoryStudyStore } from '../stores/memory-store.js';
import { summarizeStudy } from '../study/summary.js';
import { StudyRunner } from './study-runner.js';

const datasetHash = 'a'.repeat(64);

describe('StudyRunner', () => {
  it('runs every trial as one task per fold and aggregates mean ± std', async () => {
    const executor = new FakeExecutor(2);
    const store = new MemoryStudyStore();
    const runner = await StudyRunner.open({ spec: testSpec(), datasetHash, executor, store });
    assert.equal(await runner.run(), 'budget');
    const trials = runner.allTrials();
    assert.equal(trials.length, 8);
    assert.equal(executor.calls.length, 8 * 3);
    assert.ok(trials.every((t) => t.state === 'complete' && t.folds.length === 3));
    const t = trials[0]!;
    const folds = t.folds.map((f) => f!.metrics.rocAuc);
    assert.ok(Math.abs(t.metrics!.rocAuc!.mean - (folds[0]! + folds[1]! + folds[2]!) / 3) < 1e-12);
    assert.ok(Math.abs(t.metrics!.rocAuc!.std - 0.01) < 1e-9, 'sample std of folds 0, +0.01, +0.02');
    assert.ok(t.metrics!.rocAuc!.ci95[0] < t.metrics!.rocAuc!.mean);
    // The leaderboard is sorted by the objective, best first.
    const values = runner.leaderboard().map((x) => x.value!);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => b - a),
    );
    assert.equal(runner.best()!.number, runner.leaderboard()[0]!.number);
    // Every fold gets its own seed and its (repeat, fold) coordinates.
    assert.equal(new Set(executor.calls.map((c) => c.seed)).size, 24);
    assert.deepEqual(
      executor.calls
        .slice(0, 3)
        .map((c) => c.cv.fold)
        .sort(),
      [0, 1, 2],
    );
  });

  it('never has more than capacity folds in flight, nor more than parallelism trials running', async () => {
    let inflight = 0;
    let peak = 0;
    const executor = new FakeExecutor(
      3,
      () => false,
      () => 2,
    );
    const orig = executor.runFold.bind(executor);
    executor.runFold = async (task, control) => {
      peak = Math.max(peak, ++inflight);
      try {
        return await orig(task, control);
      } finally {
        inflight--;
      }
    };
    let runningPeak = 0;
    const store = new MemoryStudyStore();
    let runner: StudyRunner | undefined;
    runner = await StudyRunner.open({
      spec: testSpec({ budget: { trials: 6, parallelism: 2 } }),
      datasetHash,
      executor,
      store,
      onEvent: () => {
        runningPeak = Math.max(
          runningPeak,
          runner?.allTrials().filter((t) => t.state === 'running').length ?? 0,
        );
      },
    });
    await runner.run();
    assert.equal(peak, 3);
    assert.ok(runningPeak <= 2);
  });

  it('is deterministic: same spec and seed give the same trial parameters and fold metrics', async () => {
    const run = async () => {
      const runner = await StudyRunner.open({
        spec: testSpec({ budget: { trials: 10, parallelism: 1 } }),
        datasetHash,
        executor: new FakeExecutor(2),
        store: new MemoryStudyStore(),
      });
      await runner.run();
      return runner
        .allTrials()
        .map((t) => ({ params: t.params, folds: t.folds.map((f) => f!.metrics.rocAuc) }));
    };
    assert.deepEqual(await run(), await run());
  });

  it('records failed trials with their error, keeps going, and stops after maxFailedTrials', async () => {
    const executor = new FakeExecutor(1, (task) => Number(task.params.learningRate) > 0.05);
    const runner = await StudyRunner.open({
      spec: testSpec({ budget: { trials: 12, parallelism: 1, maxFailedTrials: 100 } }),
      datasetHash,
      executor,
      store: new MemoryStudyStore(),
    });
    assert.equal(await runner.run(), 'budget');
    const failed = runner.allTrials().filter((t) => t.state === 'failed');
    assert.ok(failed.length > 0 && failed.length < 12, `${failed.length} failed`);
    assert.match(failed[0]!.error!, /boom in fold/);
    assert.ok(runner.best(), 'the study still has a best trial');

    const always = await StudyRunner.open({
      spec: testSpec({ budget: { trials: 12, parallelism: 1, maxFailedTrials: 2 } }),
      datasetHash,
      executor: new FakeExecutor(1, () => true),
      store: new MemoryStudyStore(),
    });
    assert.equal(await always.run(), 'too_many_failures');
    assert.equal(always.allTrials().length, 3);
    assert.match(
      always.ending()!.message!,
      /stopped after 3 failed trials \(budget.maxFailedTrials is 2\); last error: .*boom/,
    );
    assert.equal(summarizeStudy(always.log).best, null);
  });

  it('prunes inside the runner: a pruned trial stops running folds and is told as pruned', async () => {
    const executor = new FakeExecutor(1);
    const runner = await StudyRunner.open({
      spec: testSpec({
        budget: { trials: 20, parallelism: 1 },
        sampler: { type: 'random', seed: 3 },
        pruner: { type: 'median', warmupTrials: 3, minFolds: 1, alpha: 0.05 },
      }),
      datasetHash,
      executor,
      store: new MemoryStudyStore(),
    });
    await runner.run();
    const pruned = runner.allTrials().filter((t) => t.state === 'pruned');
    assert.ok(pruned.length > 0, 'some trials are pruned');
    for (const t of pruned) {
      assert.ok(t.folds.filter(Boolean).length < 3, 'a pruned trial did not run all folds');
      assert.ok(t.value !== undefined);
    }
    assert.ok(executor.calls.length < 20 * 3);
    assert.ok(
      runner
        .allTrials()
        .slice(0, 3)
        .every((t) => t.state === 'complete'),
      'no pruning during warm-up',
    );
  });

  it('with parallelism 4, gives the same trials however the folds are scheduled (reproducible mode), and not without it', async () => {
    const run = async (reproducible: boolean, capacity: number, delay: (t: FoldTask) => number) => {
      const runner = await StudyRunner.open({
        spec: testSpec({
          cv: { k: 3, seed: 1 },
          budget: { trials: 14, parallelism: 4, reproducible },
          sampler: { type: 'tpe', seed: 5, startupTrials: 4 },
          pruner: { type: 'median', warmupTrials: 3, minFolds: 1, alpha: 0.05 },
        }),
        datasetHash,
        executor: new FakeExecutor(capacity, () => false, delay),
        store: new MemoryStudyStore(),
      });
      await runner.run();
      return runner.allTrials().map((t) => [t.number, t.params.learningRate, t.state, t.value]);
    };
    // Three schedules: folds in order; later trials faster; a pseudo-random mix of durations.
    const schedules: [number, (t: FoldTask) => number][] = [
      [1, () => 0],
      [12, (t) => 1 + 3 * (14 - t.trial)],
      [5, (t) => 1 + ((t.trial * 7 + t.cv.fold * 13) % 9)],
    ];
    const reproducible = [];
    for (const [capacity, delay] of schedules) reproducible.push(await run(true, capacity, delay));
    assert.deepEqual(reproducible[1], reproducible[0]);
    assert.deepEqual(reproducible[2], reproducible[0]);
    // Without it, the sampler sees whichever trials finished first: the schedules disagree.
    const free = [];
    for (const [capacity, delay] of schedules) free.push(await run(false, capacity, delay));
    assert.notDeepEqual(free[1], free[0], 'the check above would catch a schedule-dependent sampler');
  });

  it('reproducible mode resumes to the same trials as an uninterrupted run', async () => {
    const spec = testSpec({
      budget: { trials: 10, parallelism: 3, reproducible: true },
      sampler: { type: 'tpe', seed: 2, startupTrials: 3 },
    });
    const whole = await StudyRunner.open({
      spec,
      datasetHash,
      executor: new FakeExecutor(4),
      store: new MemoryStudyStore(),
    });
    await whole.run();
    const dir = mkdtempSync(join(tmpdir(), 'hpo-repro-'));
    const stop = new AbortController();
    let finished = 0;
    const first = await StudyRunner.open({
      spec,
      datasetHash,
      executor: new FakeExecutor(
        4,
        () => false,
        (t) => 1 + (t.trial % 3),
      ),
      store: new FileStudyStore(dir),
      onEvent: (e) => {
        if (e.type === 'trial_finished' && ++finished === 5) stop.abort();
      },
    });
    await first.run(stop.signal);
    const second = await StudyRunner.open({
      spec,
      datasetHash,
      executor: new FakeExecutor(2),
      store: new FileStudyStore(dir),
    });
    await second.run();
    const params = (r: StudyRunner) => r.allTrials().map((t) => [t.number, t.params.learningRate]);
    assert.deepEqual(params(second), params(whole));
  });

  it('prunes the same trials at the same fold whichever fold finishes first', async () => {
    const run = async (capacity: number, delay: (t: FoldTask) => number) => {
      const runner = await StudyRunner.open({
        spec: testSpec({
          cv: { k: 5, seed: 1 },
          budget: { trials: 16, parallelism: 1 },
          sampler: { type: 'random', seed: 3 },
          pruner: { type: 'median', warmupTrials: 3, minFolds: 1, alpha: 0.05 },
        }),
        datasetHash,
        executor: new FakeExecutor(capacity, () => false, delay),
        store: new MemoryStudyStore(),
      });
      await runner.run();
      // Not the count of folds run: with folds in parallel, later ones may have finished too.
      return runner.allTrials().map((t) => [t.number, t.state, t.value, t.metrics?.rocAuc?.mean]);
    };
    // One fold at a time, against three at a time where each later fold finishes first.
    const sequential = await run(1, () => 0);
    const reversed = await run(3, (t) => 1 + 4 * (4 - t.cv.fold));
    assert.ok(
      sequential.some(([, state]) => state === 'pruned'),
      'the study prunes something',
    );
    assert.deepEqual(reversed, sequential);
  });

  describe('ASHA over epochs', () => {
    const ashaSpec = (over: Parameters<typeof testSpec>[0] = {}) =>
      testSpec({
        cv: { k: 3, seed: 1 },
        search: {
          space: { learningRate: { type: 'float', low: 1e-4, high: 1, log: true } },
          fixed: { epochs: 27 },
        },
        sampler: { type: 'random', seed: 4 },
        budget: { trials: 24, parallelism: 1 },
        pruner: { type: 'asha', reductionFactor: 3, minEpochs: 1 },
        ...over,
      });

    it('stops trials at rungs, keeps the best one, and records each report and the rung it stopped at', async () => {
      const executor = new FakeExecutor(3);
      const events: StudyEvent[] = [];
      const runner = await StudyRunner.open({
        spec: ashaSpec(),
        datasetHash,
        executor,
        store: new MemoryStudyStore(),
        onEvent: (e) => events.push(e),
      });
      assert.equal(await runner.run(), 'budget');
      const trials = runner.allTrials();
      const pruned = trials.filter((t) => t.state === 'pruned');
      assert.ok(pruned.length >= 8, `${pruned.length} of 24 trials stopped at a rung`);
      // Fewer than η trials at a rung: the first two always go on.
      assert.equal(trials[0]!.state, 'complete');
      assert.equal(trials[1]!.state, 'complete');
      for (const t of pruned) {
        assert.ok([1, 3, 9].includes(t.prunedAtEpoch!), `stopped at epoch ${t.prunedAtEpoch}`);
        // Its value is the mean at that rung over its two leading folds (rungFolds' default).
        const at = t.reports!.get(t.prunedAtEpoch!)!;
        assert.ok(Math.abs((at[0]! + at[1]!) / 2 - t.value!) < 1e-12, `value ${t.value} from ${at}`);
        assert.ok(t.folds.filter(Boolean).length < 3, 'a stopped trial did not finish every fold');
      }
      assert.ok(executor.dropped.length > 0, 'folds of stopped trials were stopped while training');
      // Learning curves here keep their order across epochs, so the best trial is never stopped:
      // the best complete trial is the sampled learning rate closest to 0.01.
      const distance = (t: (typeof trials)[number]) =>
        Math.abs(Math.log10(Number(t.params.learningRate)) + 2);
      const closest = [...trials].sort((a, b) => distance(a) - distance(b))[0]!;
      assert.equal(runner.best()!.number, closest.number);
      // Every report is in the log once, with the trial, fold, epoch and value.
      const reports = events.filter((e) => e.type === 'fold_report');
      assert.ok(reports.length > 24);
      const keys = reports.map((e) => `${e.trial}/${e.fold}/${e.epoch}`);
      assert.equal(new Set(keys).size, keys.length);
      // Only the leading two folds report (the third trains without the validation passes).
      assert.ok(reports.every((e) => e.type === 'fold_report' && e.fold < 2));
      assert.ok(executor.calls.every((c) => c.cv.fold < 2 === (c.report !== undefined)));
      const stopped = events.filter((e) => e.type === 'trial_finished' && e.state === 'pruned');
      assert.ok(stopped.every((e) => e.type === 'trial_finished' && e.epoch !== undefined));
    });

    it('stops the same trials at the same rungs however folds are scheduled (reproducible mode)', async () => {
      const run = async (capacity: number, delay: (t: FoldTask) => number) => {
        const runner = await StudyRunner.open({
          spec: ashaSpec({
            budget: { trials: 16, parallelism: 3, reproducible: true },
            sampler: { type: 'tpe', seed: 7, startupTrials: 4 },
          }),
          datasetHash,
          executor: new FakeExecutor(capacity, () => false, delay),
          store: new MemoryStudyStore(),
        });
        await runner.run();
        return runner
          .allTrials()
          .map((t) => [t.number, t.params.learningRate, t.state, t.value, t.prunedAtEpoch]);
      };
      const inOrder = await run(1, () => 0);
      const laterFirst = await run(9, (t) => 1 + 2 * (16 - t.trial) + 3 * (2 - t.cv.fold));
      const mixed = await run(4, (t) => 1 + ((t.trial * 7 + t.cv.fold * 13) % 9));
      assert.ok(
        inOrder.some(([, , state]) => state === 'pruned'),
        'the study stops something',
      );
      assert.deepEqual(laterFirst, inOrder);
      assert.deepEqual(mixed, inOrder);
    });

    it('applies a fold pruner too when pruner.folds names one', async () => {
      const spec = ashaSpec({
        pruner: { type: 'asha', reductionFactor: 3, minEpochs: 1, folds: 'median', warmupTrials: 3 },
      });
      assert.ok(makePruner(spec) instanceof MedianPruner);
      assert.ok(makeAsha(spec) instanceof AshaPruner);
      assert.equal(makePruner(ashaSpec()), undefined);
      assert.equal(makeAsha(testSpec()), undefined);
    });

    it('resumes with the reports of the log: a report is never recorded twice', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hpo-asha-'));
      const spec = ashaSpec({ budget: { trials: 12, parallelism: 2 } });
      const stop = new AbortController();
      let reports = 0;
      const first = await StudyRunner.open({
        spec,
        datasetHash,
        executor: new FakeExecutor(3),
        store: new FileStudyStore(dir),
        onEvent: (e) => {
          if (e.type === 'fold_report' && ++reports === 20) stop.abort();
        },
      });
      await first.run(stop.signal);
      const second = await StudyRunner.open({
        spec,
        datasetHash,
        executor: new FakeExecutor(3),
        store: new FileStudyStore(dir),
      });
      assert.equal(await second.run(), 'budget');
      const events = await new FileStudyStore(dir).load();
      const keys = events
        .filter((e) => e.type === 'fold_report')
        .map((e) => (e.type === 'fold_report' ? `${e.trial}/${e.fold}/${e.epoch}` : ''));
      assert.equal(new Set(keys).size, keys.length, 'no report twice');
      assert.equal(second.allTrials().length, 12);
      assert.ok(second.allTrials().every((t) => t.state === 'complete' || t.state === 'pruned'));
    });
  });

  it('resumes from the event log without losing or repeating finished trials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-study-'));
    const spec = testSpec({ budget: { trials: 10, parallelism: 2 } });
    // First run: cancelled after 4 trials have finished.
    const stop = new AbortController();
    const first = await StudyRunner.open({
      spec,
      datasetHash,
      executor: new FakeExecutor(
        2,
        () => false,
        () => 1,
      ),
      store: new FileStudyStore(dir),
      onEvent: (e) => {
        if (e.type === 'trial_finished' && e.trial === 3) stop.abort();
      },
    });
    assert.equal(await first.run(stop.signal), 'cancelled');
    const before = first.allTrials();
    const finished = before.filter((t) => t.state !== 'running');
    assert.ok(finished.length >= 4);

    const executor = new FakeExecutor(2);
    const second = await StudyRunner.open({ spec, datasetHash, executor, store: new FileStudyStore(dir) });
    assert.equal(await second.run(), 'budget');
    const after = second.allTrials();
    assert.equal(after.length, 10);
    assert.ok(after.every((t) => t.state === 'complete'));
    for (const t of finished)
      assert.deepEqual(after[t.number]!.folds, t.folds, `trial ${t.number} kept as it was`);
    const rerun = new Set(executor.calls.map((c) => JSON.stringify(c.params)));
    for (const t of finished)
      assert.ok(!rerun.has(JSON.stringify({ ...t.params })), `finished trial ${t.number} not re-run`);
    // The continued study asks the same parameters an uninterrupted one would.
    const straight = await StudyRunner.open({
      spec: testSpec({ budget: { trials: 10, parallelism: 2 } }),
      datasetHash,
      executor: new FakeExecutor(2),
      store: new MemoryStudyStore(),
    });
    await straight.run();
    assert.equal(after.length, straight.allTrials().length);
  });

  it('refits the best trial once and records the model', async () => {
    const executor = new FakeExecutor(2);
    const store = new MemoryStudyStore();
    const runner = await StudyRunner.open({
      spec: testSpec({ budget: { trials: 3, parallelism: 1 } }),
      datasetHash,
      executor,
      store,
    });
    await runner.run();
    const saved = await runner.refitBest();
    assert.equal(saved!.trial, runner.best()!.number);
    await runner.refitBest();
    assert.equal(executor.refits.length, 1);
    assert.ok(Math.abs(executor.refits[0]!.metadata.thresholds.bestF1! - 0.4) < 1e-12);
    assert.equal(executor.refits[0]!.metadata.objective.value, runner.best()!.value);
    assert.equal(summarizeStudy(runner.log).modelDir, '/fake/model');
    assert.deepEqual(runner.savedModel()!.files, [{ name: 'model.json', sha256: 'f'.repeat(64), bytes: 1 }]);
  });

  it('refuses to resume on a different dataset', async () => {
    const store = new MemoryStudyStore();
    const r = await StudyRunner.open({ spec: testSpec(), datasetHash, executor: new FakeExecutor(), store });
    await r.run();
    await assert.rejects(
      StudyRunner.open({
        spec: testSpec(),
        datasetHash: 'b'.repeat(64),
        executor: new FakeExecutor(),
        store,
      }),
      /created on dataset aaaaaaaaaaaa/,
    );
  });

  it('stops at the wall-clock limit, keeping finished trials and leaving unfinished ones resumable', async () => {
    const runner = await StudyRunner.open({
      // Limits of seconds, not tenths: a busy machine may stall this process for a few hundred ms.
      spec: testSpec({ budget: { trials: 100, parallelism: 1, timeLimitSeconds: 2 } }),
      datasetHash,
      executor: new FakeExecutor(
        1,
        () => false,
        () => 20,
      ),
      store: new MemoryStudyStore(),
    });
    assert.equal(await runner.run(), 'time_limit');
    const trials = runner.allTrials();
    assert.ok(trials.length > 1 && trials.length < 100, `${trials.length} trials started`);
    assert.ok(trials.filter((t) => t.state === 'complete').length >= 1);
    assert.ok(trials.every((t) => t.state === 'complete' || t.state === 'running'));
  });

  it('counts the time a study already ran against its limit when it resumes', async () => {
    const spec = testSpec({ budget: { trials: 100, parallelism: 1, timeLimitSeconds: 60 } });
    // A log of a study that ran 90 s (over its 60 s limit) and was stopped an hour ago.
    const store = new MemoryStudyStore();
    const t0 = Date.now() - 3_600_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    store.events.push(
      { type: 'study_created', at: at(0), study: 'test', spec, datasetHash, folds: 3 },
      { type: 'trial_started', at: at(90), trial: 0, params: { learningRate: 0.01 } },
    );
    const runner = await StudyRunner.open({ spec, datasetHash, executor: new FakeExecutor(1), store });
    assert.equal(await runner.run(), 'time_limit', 'no new minute is granted by the resume');
    assert.equal(runner.allTrials().length, 1);
    assert.ok(
      runner.log.runningMs >= 90_000 && runner.log.runningMs < 95_000,
      `${runner.log.runningMs} ms ran`,
    );
  });

  it('shows a trial left running by the time limit as unfinished once the study has stopped', async () => {
    // Trial 0 is quick; trial 1's first fold would run far past the limit, so it is given up
    // at the limit (a worker would stop it) and the trial's other folds never start.
    const executor = new FakeExecutor(
      1,
      () => false,
      (task) => (task.trial === 0 ? 1 : 60_000),
    );
    const runner = await StudyRunner.open({
      spec: testSpec({ budget: { trials: 5, parallelism: 1, timeLimitSeconds: 2 } }),
      datasetHash,
      executor,
      store: new MemoryStudyStore(),
    });
    assert.equal(await runner.run(), 'time_limit');
    assert.deepEqual(
      executor.dropped.map((t) => [t.trial, t.cv.fold]),
      [[1, 0]],
      'the fold out at the limit was given up, not waited for',
    );
    assert.equal(runner.allTrials()[1]!.folds.filter(Boolean).length, 0, 'and not counted as failed');
    assert.deepEqual(
      runner.allTrials().map((t) => t.state),
      ['complete', 'running'],
      'the log keeps trial 1 running, so a resume continues it',
    );
    const shown = summarizeStudy(runner.log).trials.map((t) => [t.trial, t.state]);
    assert.deepEqual(shown, [
      [0, 'complete'],
      [1, 'unfinished'],
    ]);
  });

  it('too many failures stop the study at once, giving up the folds still out', async () => {
    // Trial 0's folds fail at once; trial 1's first fold would run for a minute.
    const executor = new FakeExecutor(
      4,
      (task) => task.trial === 0,
      (task) => (task.trial === 0 ? 0 : 60_000),
    );
    const runner = await StudyRunner.open({
      spec: testSpec({ budget: { trials: 5, parallelism: 2, maxFailedTrials: 0 } }),
      datasetHash,
      executor,
      store: new MemoryStudyStore(),
    });
    assert.equal(await runner.run(), 'too_many_failures');
    assert.deepEqual(
      executor.dropped.map((t) => [t.trial, t.cv.fold]),
      [[1, 0]],
    );
    assert.deepEqual(
      runner.allTrials().map((t) => t.state),
      ['failed', 'running'],
      'the given-up fold is not a second failure',
    );
  });

  it('drops the unstarted folds of a trial as soon as it is pruned', async () => {
    // Fold 0 is quick, the others slow: a pruned trial's folds 1 and 2 are still pending.
    const executor = new FakeExecutor(
      3,
      () => false,
      (task) => (task.cv.fold === 0 ? 1 : 40),
    );
    const runner = await StudyRunner.open({
      spec: testSpec({
        budget: { trials: 12, parallelism: 1 },
        sampler: { type: 'random', seed: 3 },
        pruner: { type: 'median', warmupTrials: 3, minFolds: 1, alpha: 0.05 },
      }),
      datasetHash,
      executor,
      store: new MemoryStudyStore(),
    });
    await runner.run();
    const pruned = runner.allTrials().filter((t) => t.state === 'pruned');
    assert.ok(pruned.length > 0);
    const droppedTrials = new Set(executor.dropped.map((d) => d.trial));
    const byNumber = (a: number, b: number) => a - b;
    assert.deepEqual(
      [...droppedTrials].map(Number).sort(byNumber),
      pruned.map((t) => t.number).sort(byNumber),
      'exactly the pruned trials lost folds',
    );
    assert.ok(executor.dropped.every((d) => d.cv.fold > 0));
    for (const t of pruned)
      assert.equal(t.folds.filter(Boolean).length, 1, 'a pruned trial records only the folds it finished');
  });
});
