/**
 * The soak run behind test/src/soak.test.ts (CI size) and the benchmark (larger): several studies at once
 * through two one-thread workers with tiny folds, while a worker is SIGKILLed and replaced every
 * couple of seconds and the coordinator is SIGKILLed and restarted once. Every study must finish
 * with every (trial, fold) recorded exactly once, and no fold may be trained twice except the
 * ones a killed worker had in hand.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Cluster, call, exportEvents, uploadDataset } from './cluster.js';
import { smallChurnSpec } from './harness.js';

export interface SoakOptions {
  studies: number;
  trials: number;
  /** Milliseconds between worker kills. */
  killEveryMs: number;
}

export interface SoakReport {
  studies: number;
  folds: number;
  workerKills: number;
  seconds: number;
  /** Fold tasks trained to the end more than once (each costs a kill). */
  retrained: number;
  /** Coordinator restarts (SIGKILL, then a new one) while the studies ran: 1. */
  coordinatorRestarts: number;
  /** RSS (MiB) of the restarted coordinator, sampled every killEveryMs. */
  rssMiB: number[];
}

function tinySpec(name: string, trials: number) {
  return smallChurnSpec(
    { name, budget: { trials, parallelism: 2 } },
    { epochs: 2, layers: 1, batchSize: 256, patience: 100 },
  );
}

/** Reads a process's resident set size (MiB) from /proc. */
function rss(pid: number | undefined): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the soak and checks its invariants; returns what it measured. */
export async function soak(opts: SoakOptions): Promise<SoakReport> {
  const cluster = await Cluster.start({ workers: 2, ackWait: 4 });
  const started = performance.now();
  let kills = 0;
  let stopChaos = false;
  const rssMiB: number[] = [];
  try {
    const client = cluster.api();
    const ids = Array.from({ length: opts.studies }, (_, i) => `soak-${i}`);
    const hash = await uploadDataset(client, tinySpec('soak', opts.trials));
    for (const id of ids)
      await call(client, 'CreateStudy', {
        spec: JSON.stringify(tinySpec(id, opts.trials)),
        datasetSha256: hash,
        studyId: id,
      });
    // Chaos: replace a worker every killEveryMs (always one left running); the coordinator is
    // restarted once, below, as soon as a trial has finished (so surely while studies run).
    let restarts = 0;
    const chaos = (async () => {
      for (let i = 0; !stopChaos; i++) {
        await new Promise((r) => setTimeout(r, opts.killEveryMs));
        if (stopChaos) break;
        const alive = cluster.workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
        const victim = alive[i % alive.length];
        if (victim && alive.length > 1) {
          await victim.kill('SIGKILL');
          kills++;
          await cluster.startWorker({ ackWait: 4 });
        }
        const m = restarts > 0 ? rss(cluster.coordinator?.proc.pid) : undefined;
        if (m !== undefined) rssMiB.push(m);
      }
    })();
    // Every study ends (polled: the coordinator restarts in between, so no stream stays open).
    for (;;) {
      const list = await call<object, { studies: { studyId: string; state: string; trialsDone: number }[] }>(
        cluster.api(),
        'ListStudies',
        {},
      ).catch(() => undefined);
      const running = list?.studies.filter((s) => s.state === 'running') ?? [];
      if (restarts === 0 && running.some((s) => s.trialsDone >= 1)) {
        await cluster.coordinator!.kill('SIGKILL');
        await cluster.startCoordinator({ ackWait: 4 });
        restarts++;
        continue;
      }
      if (list && list.studies.length === ids.length && running.length === 0) {
        for (const s of list.studies) assert.equal(s.state, 'finished', `${s.studyId} finished`);
        break;
      }
      assert.ok(performance.now() - started < 12 * 60_000, 'the studies finish within 12 minutes');
      await new Promise((r) => setTimeout(r, 250));
    }
    stopChaos = true;
    await chaos;
    let folds = 0;
    for (const id of ids) {
      const events = await exportEvents<{ type: string; trial?: number; fold?: number; state?: string }>(
        cluster.api(),
        id,
      );
      const done = events.filter((e) => e.type === 'fold_done').map((e) => `${e.trial}/${e.fold}`);
      assert.equal(new Set(done).size, done.length, `${id}: a fold recorded twice`);
      const finished = events.filter((e) => e.type === 'trial_finished');
      assert.equal(finished.length, opts.trials, `${id}: every trial finished once`);
      for (const t of finished)
        if (t.state === 'complete')
          assert.equal(done.filter((d) => d.startsWith(`${t.trial}/`)).length, 3, `${id}: trial ${t.trial}`);
      assert.ok(
        events.some((e) => e.type === 'model_saved'),
        `${id}: model saved`,
      );
      folds += done.length;
    }
    // Trained to the end more than once: only tasks a killed worker had in hand (one thread each).
    const finishedOk = cluster.workers
      .flatMap((w) => w.log.split('\n'))
      .filter(
        (l) => l.includes('"task finished"') && l.includes('"outcome":"ok"') && l.includes('"kind":"fold"'),
      )
      .map((l) => (JSON.parse(l) as { task: string }).task);
    const retrained = finishedOk.length - new Set(finishedOk).size;
    assert.ok(retrained <= kills, `${retrained} folds trained twice for ${kills} worker kills`);
    return {
      studies: ids.length,
      folds,
      workerKills: kills,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      retrained,
      coordinatorRestarts: restarts,
      rssMiB,
    };
  } finally {
    stopChaos = true;
    await cluster.stop();
  }
}
