import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, call, smallChurnSpec, uploadDataset, watch } from '@hpo/testing/processes';

interface TrialMsg {
  number: number;
  state: string;
  foldsDone: number;
}

/** A study whose folds take long enough (~1 s) to be interrupted mid-training. */
function slowSpec(name: string, trials: number) {
  const spec = smallChurnSpec({ name, budget: { trials, parallelism: 2 } });
  (spec.search as { fixed: Record<string, unknown> }).fixed = {
    epochs: 40,
    patience: 100,
    layers: 2,
    batchSize: 32,
  };
  return spec;
}

async function createStudy(cluster: Cluster, spec: Record<string, unknown>, studyId: string): Promise<void> {
  const client = cluster.api();
  const hash = await uploadDataset(client, spec);
  await call(client, 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: hash, studyId });
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
    assert.equal(t.state, 'complete', `trial ${t.number}`);
    assert.equal(t.foldsDone, 3, `trial ${t.number} has each fold once`);
  }
  return list;
}

describe('distributed fault injection', { concurrency: false }, () => {
  it('SIGKILL of a worker mid-fold: the fold is redelivered, no result lost or counted twice', async () => {
    const cluster = await Cluster.start({ workers: 2, ackWait: 6 });
    try {
      await createStudy(cluster, slowSpec('kill-worker', 3), 'kill-worker');
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

  it('SIGKILL of the coordinator mid-study: restarted, it completes with no lost or duplicated trials', async () => {
    const cluster = await Cluster.start({ workers: 2, ackWait: 6 });
    try {
      await createStudy(cluster, slowSpec('kill-coord', 5), 'kill-coord');
      let finished = 0;
      await new Promise<void>((resolve, reject) => {
        const stream = cluster.api().WatchStudy({ studyId: 'kill-coord' });
        stream.on('data', (e: { type: string }) => {
          if (e.type === 'trial_finished' && ++finished === 2) {
            stream.cancel();
            resolve();
          }
        });
        stream.on('error', (err: Error & { code?: number }) => (err.code === 1 ? undefined : reject(err)));
      });
      await cluster.coordinator!.kill('SIGKILL');
      await cluster.startCoordinator({ ackWait: 6 });
      const events = await watch(cluster.api(), 'kill-coord');
      assert.equal(events[events.length - 1]!.type, 'study_ended');
      await finalTrials(cluster, 'kill-coord', 5);
    } finally {
      await cluster.stop();
    }
  });

  it('restart of nats-server (file storage) mid-study: services reconnect and the study completes', async () => {
    const cluster = await Cluster.start({ workers: 2, ackWait: 6 });
    try {
      await createStudy(cluster, slowSpec('nats-restart', 4), 'nats-restart');
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
