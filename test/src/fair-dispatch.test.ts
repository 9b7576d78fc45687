/**
 * Capacity-aware, fair dispatch against real processes: the coordinator queues only about as many
 * tasks as the workers have slots (their heartbeats) plus the prefetch, so a small study
 * submitted behind a big one starts at the next free slot instead of behind the big one's queue.
 * Checked by the order of events (how many of the big study's folds finish in between), not by
 * the clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Cluster,
  call,
  freePort,
  scalingOf,
  smallChurnSpec,
  until,
  uploadDataset,
  watch,
} from '@hpo/testing/processes';

function spec(name: string, trials: number, parallelism: number) {
  return smallChurnSpec(
    { name, budget: { trials, parallelism }, pruner: { type: 'none' } },
    { epochs: 15, patience: 100, layers: 1, batchSize: 32 },
  );
}

describe('fair, capacity-aware dispatch', () => {
  it('a small study submitted behind a big one starts within a few folds, and the queue holds only slots + prefetch', async () => {
    const metricsPort = await freePort();
    // The coordinator may hold up to 64 tasks in flight, but the two one-thread workers cap it at 2 + 2.
    const cluster = await Cluster.start({ workers: 2, capacity: 64, metricsPort });
    try {
      const client = cluster.api();
      const big = spec('big', 16, 16);
      const hash = await uploadDataset(client, big);
      // Both workers are heard before the big study floods in.
      await until('both workers heard', async () => (await scalingOf(metricsPort)).workerSlots === 2, 60_000);
      await call(client, 'CreateStudy', { spec: JSON.stringify(big), datasetSha256: hash, studyId: 'big' });
      const order: string[] = [];
      let resolveStarted: () => void;
      const bigStarted = new Promise<void>((r) => {
        resolveStarted = r;
      });
      const bigDone = watch(client, 'big', (e) => {
        if (e.type === 'fold_done') order.push('big');
        if (order.length === 3) resolveStarted();
      });
      await bigStarted;
      const scaling = await scalingOf(metricsPort);
      // Two slots + prefetch 2 (fewer if a heartbeat is late on a loaded machine), never the 64 allowed.
      assert.ok(scaling.foldsInFlight! <= 4, `in flight: ${JSON.stringify(scaling)}`);
      assert.ok(scaling.foldsWaiting! > 30, 'the rest of the big study waits in the coordinator');
      assert.equal(scaling.foldsWanted, scaling.foldsInFlight! + scaling.foldsWaiting!);
      const queue = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      assert.ok(Number(/hpo_dispatch_limit (\d+)/.exec(queue)?.[1]) <= 4, 'the limit follows the workers');

      const small = spec('small', 1, 1);
      await call(client, 'CreateStudy', {
        spec: JSON.stringify(small),
        datasetSha256: hash,
        studyId: 'small',
      });
      const mark = order.length;
      let smallFirst = -1;
      // From its first event on (after_position 1), so no fold of it can slip by unseen.
      await watch(
        client,
        'small',
        (e) => {
          if (e.type === 'fold_done' && smallFirst < 0) smallFirst = order.length;
        },
        1,
      );
      // Before the small study's first fold finished, at most the tasks already in flight when it
      // came (4) and a couple more on the other worker finished: not the big study's queue.
      const between = smallFirst - mark;
      assert.ok(between <= 6, `${between} folds of the big study finished before the small study's first`);
      await bigDone;
    } finally {
      await cluster.stop();
    }
  });
});
