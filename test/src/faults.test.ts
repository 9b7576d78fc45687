import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Cluster,
  call,
  collect,
  createStudy,
  exportEvents,
  freePort,
  smallChurnSpec,
  startCli,
  until,
  watch,
  writeStudy,
} from '@hpo/testing/processes';

interface TrialMsg {
  number: number;
  state: string;
  foldsDone: number;
  error?: string;
}

/** A study whose folds take long enough (~1 s) to be interrupted mid-training. */
function slowSpec(name: string, trials: number) {
  return smallChurnSpec(
    { name, budget: { trials, parallelism: 2 } },
    { epochs: 40, patience: 100, layers: 2, batchSize: 32 },
  );
}

async function finalTrials(cluster: Cluster, studyId: string, trials: number): Promise<TrialMsg[]> {
  const study = await call<object, { state: string; trialsDone: number; modelReady: boolean }>(
    cluster.api(),
    'GetStudy',
    { studyId },
  );
  assert.equal(study.state, 'finished', JSON.stringify(study));
  assert.equal(study.trialsDone, trials);
  const { trials: list } = await call<object, { trials: TrialMsg[] }>(cluster.api(), 'ListTrials', {
    studyId,
  });
  assert.deepEqual(
    list.map((t) => t.number).sort((a, b) => a - b),
    Array.from({ length: trials }, (_, i) => i),
    'every trial exactly once',
  );
  for (const t of list) {
    assert.equal(t.state, 'complete', `trial ${t.number}: ${t.error ?? ''}`);
    assert.equal(t.foldsDone, 3, `trial ${t.number} has each fold once`);
  }
  return list;
}

describe('distributed fault injection', { concurrency: false }, () => {
  it('SIGKILL of a worker mid-fold: the fold is redelivered, no result lost or counted twice', async () => {
    const cluster = await Cluster.start({ workers: 2, ackWait: 6 });
    try {
      await createStudy(cluster.api(), slowSpec('kill-worker', 3), 'kill-worker');
      const victim = cluster.workers[0]!;
      await victim.waitFor('task started', 60_000);
      await victim.kill('SIGKILL');
      const events = await watch(cluster.api(), 'kill-worker');
      const folds = events.filter((e) => e.type === 'fold_done').map((e) => `${e.trial}/${e.fold}`);
      assert.equal(new Set(folds).size, folds.length, 'no fold result recorded twice');
      await finalTrials(cluster, 'kill-worker', 3);
      assert.match(
        cluster.workers[1]!.log,
        /"deliveries":2|"deliveryCount":2|redeliver/i,
        'the survivor ran a redelivered task',
      );
    } finally {
      await cluster.stop();
    }
  });

  for (const signal of ['SIGKILL', 'SIGTERM'] as const)
    it(`${signal} of the coordinator mid-study: restarted, it adopts the folds out on workers (none trained twice) and a resuming watcher misses no event`, async () => {
      const cluster = await Cluster.start({ workers: 2, ackWait: 6 });
      try {
        await createStudy(cluster.api(), slowSpec('kill-coord', 5), 'kill-coord');
        // A WatchStudy client that resumes after the last position it saw, as hpo submit --wait does.
        const seen: { type: string; position: number; trial: number; fold: number }[] = [];
        let position = 0;
        let secondTrialDone: () => void;
        const twoDone = new Promise<void>((resolve) => {
          secondTrialDone = resolve;
        });
        const follow = (async () => {
          for (;;) {
            const ended = await new Promise<boolean>((resolve) => {
              const stream = cluster.api().WatchStudy({ studyId: 'kill-coord', afterPosition: position });
              let done = false;
              stream.on(
                'data',
                (e: { type: string; position: number | string; trial: number; fold: number }) => {
                  const p = Number(e.position);
                  if (e.type === 'study_ended') done = true;
                  if (e.type === 'snapshot' || e.type === 'study_ended') return;
                  seen.push({ type: e.type, position: p, trial: e.trial, fold: e.fold });
                  position = p;
                  if (seen.filter((x) => x.type === 'trial_finished').length === 2) secondTrialDone();
                },
              );
              stream.on('end', () => resolve(done));
              stream.on('error', () => resolve(false));
            });
            if (ended) return;
            await new Promise((r) => setTimeout(r, 200));
          }
        })();
        await twoDone;
        // SIGTERM: a graceful stop, whose results landing meanwhile must be left for the next one.
        await cluster.coordinator!.kill(signal);
        const metricsPort = await freePort();
        await cluster.startCoordinator({ ackWait: 6, metricsPort });
        await follow;
        await finalTrials(cluster, 'kill-coord', 5);
        // The watcher saw every logged event once, in order: positions 1.. with no gap or repeat
        // (it joined after study_created, so it starts at 2).
        const json = await exportEvents(cluster.api(), 'kill-coord');
        const positions = seen.map((e) => e.position);
        assert.deepEqual(
          positions,
          Array.from({ length: json.length - positions[0]! + 1 }, (_, i) => positions[0]! + i),
          'every event after the first one seen, once',
        );
        assert.deepEqual(
          seen.map((e) => e.type),
          json.slice(positions[0]! - 1).map((e) => e.type),
        );
        // No fold was trained twice: every fold task finished once on the workers, and the
        // restarted coordinator says it adopted the ones it found out.
        const finishedTasks = cluster.workers
          .flatMap((w) => w.log.split('\n'))
          .filter((l) => l.includes('"task finished"') && l.includes('"kind":"fold"'))
          .map((l) => JSON.parse(l) as { task: string; outcome: string });
        const ok = finishedTasks.filter((t) => t.outcome === 'ok').map((t) => t.task);
        assert.equal(new Set(ok).size, ok.length, `a fold trained twice: ${ok.sort()}`);
        assert.equal(ok.length, 15, 'five trials of three folds');
        // The folds out at the kill were waited for: still queued or training (adopted), or
        // answered while no coordinator listened (their results taken in on restart).
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        const adopted = [...metrics.matchAll(/hpo_folds_adopted_total\{how="\w+"\} (\d+)/g)].reduce(
          (n, m) => n + Number(m[1]),
          0,
        );
        assert.ok(adopted > 0, `folds adopted: ${metrics.match(/hpo_folds_adopted.*/g)}`);
      } finally {
        await cluster.stop();
      }
    });

  it('hpo submit --wait and leaderboard --watch ride out a coordinator restart (reconnecting, then the result)', async () => {
    const cluster = await Cluster.start({ workers: 2, ackWait: 6 });
    try {
      const { file } = writeStudy(slowSpec('cli-restart', 4));
      const server = `127.0.0.1:${cluster.grpcPort}`;
      const submit = startCli(['submit', file, '--id', 'cli-restart', '--wait', '--server', server]);
      const submitted = collect(submit, 600_000);
      let stderr = '';
      submit.stderr?.on('data', (d) => {
        stderr += d;
      });
      // Once a trial has finished, the watcher is following the study: restart the coordinator.
      await until('a trial reported', () => /trial \d+ complete/.test(stderr));
      const boardCli = startCli(['leaderboard', 'cli-restart', '--watch', '--server', server]);
      const board = collect(boardCli, 600_000);
      let boardOut = '';
      boardCli.stdout?.on('data', (d) => {
        boardOut += d;
      });
      await until('the board drawn', () => /trials, \d+ running, state running/.test(boardOut));
      await cluster.coordinator!.kill('SIGKILL');
      await until('the follower reconnecting', () => /reconnecting/.test(stderr));
      await cluster.startCoordinator({ ackWait: 6 });
      const r = await submitted;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /lost the coordinator at 127\.0\.0\.1:\d+; reconnecting \(for up to 300 s\)/);
      assert.match(r.stderr, /reconnected/);
      assert.match(r.stdout, /study cli-restart: finished/);
      // Each trial is reported once, although the stream was resumed.
      const reported = [...r.stderr.matchAll(/^trial (\d+) complete/gm)].map((m) => m[1]);
      assert.deepEqual([...reported].sort(), ['0', '1', '2', '3']);
      const b = await board;
      assert.equal(b.code, 0, b.stderr);
      assert.match(b.stdout, /4\/4 trials, 0 running, state finished/);
    } finally {
      await cluster.stop();
    }
  });

  it('restart of nats-server (file storage) mid-study: services reconnect and the study completes', async () => {
    const cluster = await Cluster.start({ workers: 2, ackWait: 6 });
    try {
      await createStudy(cluster.api(), slowSpec('nats-restart', 4), 'nats-restart');
      await cluster.workers[0]!.waitFor('task finished', 60_000);
      await cluster.nats.restart();
      // Poll until finished: the watch stream may break while the coordinator reconnects.
      const started = Date.now();
      for (;;) {
        const s = await call<object, { state: string }>(cluster.api(), 'GetStudy', {
          studyId: 'nats-restart',
        }).catch(() => undefined);
        if (s?.state === 'finished') break;
        assert.ok(
          Date.now() - started < 120_000,
          `study did not finish after the restart:\n${cluster.coordinator!.log.slice(-2000)}`,
        );
        await new Promise((r) => setTimeout(r, 250));
      }
      await finalTrials(cluster, 'nats-restart', 4);
    } finally {
      await cluster.stop();
    }
  });
});
