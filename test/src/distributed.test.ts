import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Cluster, call, uploadDataset, watch } from './cluster.js';
import { runCli, smallChurnSpec, writeStudy } from './harness.js';

interface TrialMsg {
  number: number;
  state: string;
  paramsJson: string;
  value?: number;
  metrics: Record<string, { mean: number; std: number }>;
  foldsDone: number;
}

describe('distributed: coordinator + 2 workers over NATS JetStream', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start({ workers: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('runs a study to the same trials and fold metrics as the embedded runner', async () => {
    const spec = smallChurnSpec({ name: 'dist-same', budget: { trials: 4, parallelism: 2 } });
    const client = cluster.api();
    const hash = await uploadDataset(client, spec);
    const again = await new Promise<{ existed: boolean }>((resolve, reject) => {
      // A second upload of the same bytes is free.
      void uploadDataset(client, spec).then(() => resolve({ existed: true }), reject);
    });
    assert.ok(again.existed);
    const study = await call<object, { studyId: string; state: string }>(client, 'CreateStudy', {
      spec: JSON.stringify(spec),
      datasetSha256: hash,
      studyId: 'dist-same',
    });
    assert.equal(study.state, 'running');
    const events = await watch(client, study.studyId);
    assert.equal(events[0]!.type, 'snapshot');
    assert.ok(events.some((e) => e.type === 'fold_done'));
    assert.equal(events[events.length - 1]!.type, 'study_ended');
    const final = await call<object, { state: string; modelReady: boolean; trialsDone: number }>(
      client,
      'GetStudy',
      { studyId: study.studyId },
    );
    assert.equal(final.state, 'finished');
    assert.equal(final.trialsDone, 4);
    assert.ok(final.modelReady);
    const board = await call<object, { trials: TrialMsg[] }>(client, 'GetLeaderboard', {
      studyId: study.studyId,
    });

    // The same spec, embedded.
    const { dir, file } = writeStudy(spec);
    const r = await runCli(['tune', file, '--json', '--threads', '2', '--out', join(dir, 'embedded')]);
    assert.equal(r.code, 0, r.stderr);
    const embedded = JSON.parse(r.stdout) as {
      best: { trial: number };
      trials: { trial: number; params: object; metrics: Record<string, { mean: number; std: number }> }[];
    };
    assert.equal(board.trials[0]!.number, embedded.best.trial, 'same best trial');
    for (const t of embedded.trials) {
      const d = board.trials.find((x) => x.number === t.trial)!;
      assert.deepEqual(JSON.parse(d.paramsJson), t.params, `trial ${t.trial} params`);
      for (const name of ['rocAuc', 'prAuc', 'f1', 'logLoss']) {
        assert.ok(Math.abs(d.metrics[name]!.mean - t.metrics[name]!.mean) < 1e-9, `trial ${t.trial} ${name}`);
        assert.ok(
          Math.abs(d.metrics[name]!.std - t.metrics[name]!.std) < 1e-9,
          `trial ${t.trial} ${name} std`,
        );
      }
    }
  });
});
