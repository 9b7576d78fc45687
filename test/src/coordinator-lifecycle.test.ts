/**
 * The coordinator's life in production (issue 18): one coordinator at a time (the lease), a
 * start that replays no ended study and says NOT_SERVING while NATS is away, workers that can be
 * drained again and again without failing a fold, and retention of ended studies.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUCKETS, STREAMS, type StudyServiceClient, SUBJECTS } from '@hpo/protocol';
import {
  Cluster,
  call,
  createStudy,
  freePort,
  healthStatus,
  scalingOf,
  smallChurnSpec,
  until,
  watch,
} from '@hpo/testing/processes';
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';

interface TrialMsg {
  number: number;
  state: string;
  foldsDone: number;
}

/** Every trial complete with each of its 3 folds recorded once. */
async function assertComplete(client: StudyServiceClient, studyId: string, trials: number): Promise<void> {
  const study = await call<object, { state: string; trialsDone: number }>(client, 'GetStudy', {
    studyId,
  });
  assert.equal(study.state, 'finished', JSON.stringify(study));
  assert.equal(study.trialsDone, trials);
  const { trials: list } = await call<object, { trials: TrialMsg[] }>(client, 'ListTrials', {
    studyId,
  });
  assert.equal(list.length, trials);
  for (const t of list) {
    assert.equal(t.state, 'complete', `trial ${t.number}: ${JSON.stringify(t)}`);
    assert.equal(t.foldsDone, 3, `trial ${t.number} has each fold once`);
  }
}

/** Folds slow enough (~1 s) to be interrupted mid-training. */
const slow = (name: string, trials: number, parallelism = 2, epochs = 40) =>
  smallChurnSpec(
    { name, budget: { trials, parallelism } },
    { epochs, patience: 1000, layers: 2, batchSize: 32 },
  );

const count = (text: string, what: string) => text.split(what).length - 1;

describe('coordinator lifecycle', { concurrency: false }, () => {
  it('two coordinators on one NATS: one serves, the other stands by NOT_SERVING; killed, the leader hands over and the study finishes with every fold once', async () => {
    const cluster = await Cluster.start({ workers: 2 });
    try {
      // Two coordinators started together: whichever takes the lease first serves.
      await cluster.coordinator!.kill('SIGKILL');
      const ports = [cluster.grpcPort, await freePort()];
      // A 10 s lease: a leader stalled a few seconds on a busy machine keeps it.
      const [a, b] = ports.map((port) => cluster.spawnCoordinator({ leaseSeconds: 10 }, port));
      await until(
        'one coordinator ready',
        () => a!.log.includes('coordinator ready') || b!.log.includes('coordinator ready'),
        60_000,
      );
      const leaderIsA = a!.log.includes('coordinator ready');
      const [leader, standby] = leaderIsA ? [a!, b!] : [b!, a!];
      const [leaderPort, standbyPort] = leaderIsA ? [ports[0]!, ports[1]!] : [ports[1]!, ports[0]!];
      await standby.waitFor('standing by');
      assert.equal(await healthStatus(`127.0.0.1:${leaderPort}`), 'SERVING');
      assert.equal(await healthStatus(`127.0.0.1:${standbyPort}`), 'NOT_SERVING');
      assert.equal(await healthStatus(`127.0.0.1:${standbyPort}`, 'hpo.v1.StudyService'), 'NOT_SERVING');
      const onStandby = cluster.connect({ port: standbyPort });
      const onLeader = cluster.connect({ port: leaderPort });
      try {
        await assert.rejects(call(onStandby, 'ListStudies', {}), (err: { code: number; details: string }) => {
          assert.equal(err.code, 14, 'UNAVAILABLE');
          assert.match(err.details, /standby.*holds the lease/);
          return true;
        });
        await createStudy(onLeader, slow('lease', 4), 'lease');
        await until('folds running', async () => {
          const s = await call<object, { trialsRunning: number }>(onLeader, 'GetStudy', { studyId: 'lease' });
          return s.trialsRunning > 0;
        });
        // While the leader lives the standby never acts on a study.
        assert.doesNotMatch(standby.log, /coordinator ready|resumed study|created study/);

        const killed = Date.now();
        await leader.kill('SIGKILL');
        await standby.waitFor('holding the coordinator lease', 60_000);
        // The lease was renewed at most 10 s before the kill and the standby asks every 2 s, so it
        // takes over within 12 s (5 s of slack for a loaded machine). A lease that outlived its
        // time, like the old one whose dedupe window kept it for twice as long, fails this.
        const takeover = (Date.now() - killed) / 1000;
        assert.ok(takeover <= 10 + 2 + 5, `took over ${takeover.toFixed(1)} s after the kill (lease 10 s)`);
        await standby.waitFor('coordinator ready', 60_000);
        await standby.waitFor('resumed study');
        // gRPC served (health SERVING, 'coordinator ready') before the running study was resumed:
        // the resume runs in the background, it does not hold up the start.
        assert.ok(
          standby.log.indexOf('coordinator ready') < standby.log.indexOf('resumed study'),
          'ready before the running study resumed',
        );
        await watch(onStandby, 'lease');
        assert.equal(await healthStatus(`127.0.0.1:${standbyPort}`), 'SERVING');
        await assertComplete(onStandby, 'lease', 4);
      } finally {
        onStandby.close();
        onLeader.close();
      }
    } finally {
      await cluster.stop();
    }
  });

  it('a restart replays no ended study (listed from its summary, loaded when asked for), and health follows the NATS connection', async () => {
    const cluster = await Cluster.start({ workers: 1 });
    try {
      await createStudy(
        cluster.api(),
        smallChurnSpec({ name: 'ended', budget: { trials: 2, parallelism: 2 } }),
        'ended',
      );
      await watch(cluster.api(), 'ended');
      const before = await call<object, { best: { value: number }; trialsDone: number }>(
        cluster.api(),
        'GetStudy',
        {
          studyId: 'ended',
        },
      );
      await cluster.coordinator!.kill('SIGTERM');
      // A 30 s lease: the NATS outage below (a few seconds) stays well within 2/3 of it.
      const dashboardPort = await freePort();
      const coordinator = await cluster.startCoordinator({
        leaseSeconds: 30,
        args: ['--dashboard-port', String(dashboardPort)],
      });
      assert.match(coordinator.log, /"finished":1/, 'the ready line counts the ended study');
      // The dashboard lists it from its summary too, and loads it when its page asks.
      const dashboard = `http://127.0.0.1:${dashboardPort}`;
      const listing = (await (await fetch(`${dashboard}/api/studies`)).json()) as {
        studies: { id: string; finished: number; best: number | null }[];
      };
      assert.deepEqual(
        listing.studies.map((s) => [s.id, s.finished, s.best]),
        [['ended', before.trialsDone, before.best.value]],
      );
      assert.doesNotMatch(coordinator.log, /loaded an ended study/, 'the dashboard list loaded no log');
      const { studies } = await call<
        object,
        { studies: { studyId: string; trialsDone: number; best: { value: number } }[] }
      >(cluster.api(), 'ListStudies', {});
      const listed = studies.find((s) => s.studyId === 'ended')!;
      assert.equal(listed.trialsDone, before.trialsDone);
      assert.equal(listed.best.value, before.best.value);
      assert.doesNotMatch(coordinator.log, /loaded an ended study/, 'listing loaded no log');
      const { trials } = await call<object, { trials: TrialMsg[] }>(cluster.api(), 'GetLeaderboard', {
        studyId: 'ended',
      });
      assert.equal(trials.length, 2);
      // The log line may reach the pipe after the answer reaches us.
      await coordinator.waitFor('loaded an ended study on demand');
      const page = (await (await fetch(`${dashboard}/api/studies/ended`)).json()) as {
        report: { trials: unknown[] };
      };
      assert.equal(page.report.trials.length, 2, 'the dashboard shows the loaded study');

      const address = `127.0.0.1:${cluster.grpcPort}`;
      assert.equal(await healthStatus(address), 'SERVING');
      await cluster.nats.stop();
      await until(
        'NOT_SERVING without NATS',
        async () => (await healthStatus(address)) === 'NOT_SERVING',
        60_000,
      );
      await cluster.nats.restart();
      await until('SERVING again', async () => (await healthStatus(address)) === 'SERVING', 60_000);
    } finally {
      await cluster.stop();
    }
  });

  it('a worker SIGTERMed three times mid-fold hands the same fold back each time (max_deliver 3) and it does not fail', async () => {
    // One task in flight at a time, so every worker gets the fold the previous one handed back.
    const cluster = await Cluster.start({ workers: 0, capacity: 1, coordinatorArgs: ['--prefetch', '1'] });
    try {
      await createStudy(cluster.api(), slow('drain', 1, 1, 80), 'drain');
      const handedBack: string[] = [];
      for (let i = 0; i < 3; i++) {
        const w = await cluster.startWorker({ grace: 0.1 });
        await w.waitFor('task started', 90_000);
        await w.kill('SIGTERM');
        const line = w.log.split('\n').find((l) => l.includes('"outcome":"handed_back"'));
        assert.ok(line, `drain ${i + 1}: the fold went back as a fresh copy\n${w.log.slice(-2000)}`);
        handedBack.push((JSON.parse(line) as { task: string }).task);
      }
      assert.equal(new Set(handedBack).size, 1, `the same fold each time: ${handedBack.join(', ')}`);
      await cluster.startWorker();
      await watch(cluster.api(), 'drain');
      await assertComplete(cluster.api(), 'drain', 1);
      assert.equal(count(cluster.coordinator!.log, 'task handed back by a stopping worker'), 3);
      assert.doesNotMatch(cluster.coordinator!.log, /max deliveries/);
    } finally {
      await cluster.stop();
    }
  });

  it('a NATS outage longer than 2/3 of the lease: the coordinator exits, and one started meanwhile waits for NATS instead of crash-looping', async () => {
    const cluster = await Cluster.start({ workers: 0, leaseSeconds: 6 });
    try {
      const first = cluster.coordinator!;
      await cluster.nats.stop();
      // It cannot know whether another coordinator took over: it stops acting.
      assert.equal(await first.exited, 1);
      assert.match(first.log, /lost the coordinator lease/);
      const metricsPort = await freePort();
      const second = cluster.spawnCoordinator({ leaseSeconds: 6, metricsPort }, cluster.grpcPort);
      // Alive for the liveness probe (its HTTP port answers) while it waits for NATS.
      await until('/scaling answers while NATS is down', async () => {
        try {
          return (await scalingOf(metricsPort)).foldsWanted === 0;
        } catch {
          return false;
        }
      });
      await cluster.nats.restart();
      await second.waitFor('coordinator ready', 120_000);
      assert.equal(second.proc.exitCode, null, 'the one started during the outage waited');
      assert.equal(await healthStatus(`127.0.0.1:${cluster.grpcPort}`), 'SERVING');
    } finally {
      await cluster.stop();
    }
  });

  it('retention: an ended study past --retain-days goes with its events, results, model and unused dataset', async () => {
    const cluster = await Cluster.start({ workers: 1, coordinatorArgs: ['--retain-days', '0.0001'] });
    const nc = await connect({ servers: cluster.nats.url, ...cluster.nats.credentials('coordinator') });
    try {
      const spec = smallChurnSpec({ name: 'old', budget: { trials: 1, parallelism: 1 } });
      const hash = await createStudy(cluster.api(), spec, 'old');
      await watch(cluster.api(), 'old');
      const jsm = await jetstreamManager(nc);
      const models = await new Objm(nc).open(BUCKETS.models);
      const modelFiles = async () => (await models.list()).filter((i) => i.name.startsWith('old/')).length;
      assert.ok((await modelFiles()) > 0, 'the refit stored a model');
      // 8.6 s after it ended, the next sweep (every 10 s) removes it.
      await cluster.coordinator!.waitFor('removed an ended study (retention)', 120_000);
      await assert.rejects(call(cluster.api(), 'GetStudy', { studyId: 'old' }), (err: { code: number }) => {
        assert.equal(err.code, 5, 'NOT_FOUND');
        return true;
      });
      const events = await jsm.streams.info(STREAMS.events, { subjects_filter: SUBJECTS.events('old') });
      assert.equal(Object.keys(events.state.subjects ?? {}).length, 0, 'its events are purged');
      const results = await jsm.streams.info(STREAMS.results, { subjects_filter: SUBJECTS.result('old') });
      assert.equal(Object.keys(results.state.subjects ?? {}).length, 0, 'its results are purged');
      assert.equal(await modelFiles(), 0, 'its model files are deleted');
      const { studies } = await call<object, { studies: unknown[] }>(cluster.api(), 'ListStudies', {});
      assert.equal(studies.length, 0);
      // The dataset no kept study uses goes too, and the client is told to upload it again.
      await until(
        'the dataset removed',
        async () => {
          const { exists } = await call<object, { exists: boolean }>(cluster.api(), 'HasDataset', {
            sha256: hash,
          });
          return !exists;
        },
        60_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${cluster.coordinator!.log.slice(-4000)}`);
      });
    } finally {
      await nc.close();
      await cluster.stop();
    }
  });
});
