import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Cluster,
  call,
  runCli,
  smallChurnSpec,
  uploadDataset,
  watch,
  writeStudy,
} from '@hpo/testing/processes';

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

  it('runs a study to the same trials, fold metrics and held-out test metrics as the embedded runner', async () => {
    // A held-out test set, a calibration and a decision rule: the refit's estimate must match too.
    const spec = smallChurnSpec({
      name: 'dist-same',
      budget: { trials: 4, parallelism: 2 },
      cv: { k: 3, seed: 1, holdout: 0.25 },
      calibration: 'platt',
      decision: { rule: 'recall', target: 0.7 },
    });
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
    const final = await call<
      object,
      {
        state: string;
        modelReady: boolean;
        trialsDone: number;
        datasetSha256: string;
        testDatasetSha256: string;
        modelEstimate: {
          decisionThreshold: number;
          decisionRule: string;
          calibration: string;
          test: Record<string, number>;
          testRows: number;
        };
      }
    >(client, 'GetStudy', { studyId: study.studyId });
    // The coordinator split the upload: the study trains on the rest, not on what was uploaded.
    assert.notEqual(final.datasetSha256, hash);
    assert.match(final.testDatasetSha256, /^[0-9a-f]{64}$/);
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
      best: {
        trial: number;
        decision: { threshold: number; rule: string };
        test: { rows: number; threshold: number; metrics: Record<string, number> };
      };
      trials: { trial: number; params: object; metrics: Record<string, { mean: number; std: number }> }[];
    };
    assert.equal(board.trials[0]!.number, embedded.best.trial, 'same best trial');
    const estimate = final.modelEstimate;
    assert.equal(estimate.calibration, 'platt');
    assert.equal(estimate.decisionRule, 'recall ≥ 0.7');
    assert.equal(estimate.decisionRule, embedded.best.decision.rule);
    assert.ok(
      Math.abs(estimate.decisionThreshold - embedded.best.decision.threshold) < 1e-9,
      'same threshold',
    );
    assert.equal(estimate.testRows, embedded.best.test.rows);
    for (const name of ['rocAuc', 'prAuc', 'f1', 'recall', 'logLoss', 'tp', 'fp']) {
      assert.ok(
        Math.abs(estimate.test[name]! - embedded.best.test.metrics[name]!) < 1e-9,
        `test ${name}: ${estimate.test[name]} vs ${embedded.best.test.metrics[name]}`,
      );
    }
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

  it('with ASHA, stops the same trials at the same rungs as the embedded runner, from reports the workers send while training', async () => {
    const spec = smallChurnSpec(
      {
        name: 'dist-asha',
        budget: { trials: 9, parallelism: 2 },
        pruner: { type: 'asha', reductionFactor: 3, minEpochs: 1 },
      },
      { epochs: 9, layers: 1, batchSize: 128 },
    );
    const client = cluster.api();
    const hash = await uploadDataset(client, spec);
    const study = await call<object, { studyId: string }>(client, 'CreateStudy', {
      spec: JSON.stringify(spec),
      datasetSha256: hash,
      studyId: 'dist-asha',
    });
    const events = await watch(client, study.studyId);
    assert.equal(events[events.length - 1]!.type, 'study_ended');
    // The rungs' values reached the coordinator while folds trained, and were logged.
    assert.ok(events.filter((e) => e.type === 'fold_report').length >= 9 * 2);
    const board = await call<object, { trials: TrialMsg[] }>(client, 'GetLeaderboard', {
      studyId: study.studyId,
    });
    const { dir, file } = writeStudy(spec);
    const r = await runCli(['tune', file, '--json', '--threads', '2', '--out', join(dir, 'embedded')]);
    assert.equal(r.code, 0, r.stderr);
    const embedded = JSON.parse(r.stdout) as { trials: { trial: number; state: string; value: number }[] };
    assert.equal(board.trials.length, 9);
    assert.ok(
      embedded.trials.some((t) => t.state === 'pruned'),
      'ASHA stops some of the 9 trials',
    );
    for (const t of embedded.trials) {
      const d = board.trials.find((x) => x.number === t.trial)!;
      assert.equal(d.state, t.state, `trial ${t.trial} state`);
      assert.ok(Math.abs(d.value! - t.value) < 1e-9, `trial ${t.trial} value ${d.value} vs ${t.value}`);
    }
  });

  it('runs two studies at once, sharing the workers between them', async () => {
    const client = cluster.api();
    const specA = smallChurnSpec({ name: 'share-a', budget: { trials: 4, parallelism: 2 } });
    const specB = smallChurnSpec({ name: 'share-b', budget: { trials: 4, parallelism: 2 }, seed: 9 });
    for (const s of [specA, specB]) {
      (s.search as { fixed: Record<string, unknown> }).fixed = {
        epochs: 15,
        patience: 100,
        layers: 1,
        batchSize: 32,
      };
    }
    const hash = await uploadDataset(client, specA);
    await call(client, 'CreateStudy', {
      spec: JSON.stringify(specA),
      datasetSha256: hash,
      studyId: 'share-a',
    });
    await call(client, 'CreateStudy', {
      spec: JSON.stringify(specB),
      datasetSha256: hash,
      studyId: 'share-b',
    });
    const [a, b] = await Promise.all([watch(client, 'share-a'), watch(client, 'share-b')]);
    const times = (events: typeof a) =>
      events.filter((e) => e.type === 'fold_done').map((e) => Date.parse(e.at));
    const [ta, tb] = [times(a), times(b)];
    assert.equal(ta.length, 12);
    assert.equal(tb.length, 12);
    // Round-robin slots: B's folds start long before A's last one, not after all of A.
    assert.ok(Math.min(...tb) < Math.max(...ta), 'the second study ran while the first was still running');
    for (const id of ['share-a', 'share-b']) {
      const s = await call<object, { state: string }>(client, 'GetStudy', { studyId: id });
      assert.equal(s.state, 'finished', id);
    }
  });

  it('both services log one JSON format: level as a word, ISO time, service and name fields', () => {
    const services = [
      ['hpo-coordinator', cluster.coordinator!.log],
      ...cluster.workers.map((w) => ['hpo-worker', w.log] as const),
    ] as const;
    for (const [service, log] of services) {
      const lines = log.split('\n').filter((l) => l.startsWith('{'));
      assert.ok(lines.length >= 3, `${service} logged JSON lines`);
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        assert.equal(entry.service, service, line);
        assert.match(String(entry.level), /^(trace|debug|info|warn|error|fatal)$/, line);
        assert.match(String(entry.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
        assert.equal(typeof entry.name, 'string', line);
        assert.equal(typeof entry.msg, 'string', line);
      }
    }
  });
});
