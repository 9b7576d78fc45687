import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Cluster,
  collect,
  runCli,
  smallChurnSpec,
  startCli,
  until,
  writeStudy,
} from '@hpo/testing/processes';
import { inspectReport } from './browser.js';

describe('hpo CLI against a running coordinator', () => {
  let cluster: Cluster;
  let server: string;
  let studyId: string;
  let dir: string;
  const cli = (args: string[]) => runCli([...args, '--server', server]);

  before(async () => {
    cluster = await Cluster.start({ workers: 2 });
    server = `127.0.0.1:${cluster.grpcPort}`;
  });
  after(async () => {
    await cluster?.stop();
  });

  it('submit --wait follows the study to the end and prints the leaderboard', async () => {
    const study = writeStudy(smallChurnSpec({ name: 'cli-remote', budget: { trials: 4, parallelism: 2 } }));
    dir = study.dir;
    const r = await cli(['submit', study.file, '--wait', '--id', 'cli-remote']);
    assert.equal(r.code, 0, r.stderr);
    studyId = 'cli-remote';
    assert.match(r.stderr, /uploading dataset [0-9a-f]{12}/);
    assert.match(r.stdout, /study cli-remote: finished \(budget\); model ready/);
    assert.match(r.stdout, /rocAuc \(↑\)/);
    // The dataset is not uploaded twice.
    const again = await cli(['submit', study.file, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /uploading/);
    const { study: second } = JSON.parse(again.stdout);
    assert.match(second, /^cli-remote-[0-9a-f]{6}$/);
    assert.equal((await cli(['cancel', second])).code, 0);
    // A rerun of the same submission (a retried Job) follows the study instead of failing.
    const rerun = await cli(['submit', study.file, '--wait', '--id', 'cli-remote']);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(
      rerun.stderr,
      /study cli-remote already exists with this spec and dataset \(finished\); following it/,
    );
    assert.match(rerun.stdout, /study cli-remote: finished \(budget\)/);
    // The same id with another spec is an error naming the field.
    const other = writeStudy(smallChurnSpec({ name: 'cli-remote', budget: { trials: 5, parallelism: 2 } }));
    const clash = await cli(['submit', other.file, '--wait', '--id', 'cli-remote']);
    // Exit 2, like a bad spec: the study Job fails at once instead of retrying it.
    assert.equal(clash.code, 2);
    assert.match(
      clash.stderr,
      /study 'cli-remote' already exists with another spec \(budget\.trials differs\)/,
    );
  });

  it('a retried submission (the study Job after a restart) follows the study while it still runs', async () => {
    // Thousands of epochs without early stopping: the study still runs whatever the machine's speed; it is
    // cancelled once the retry follows it.
    const spec = smallChurnSpec(
      { name: 'cli-follow', budget: { trials: 2, parallelism: 2 } },
      { epochs: 5000, patience: 5000, layers: 1, batchSize: 32 },
    );
    const study = writeStudy(spec);
    const first = await cli(['submit', study.file, '--id', 'cli-follow']);
    assert.equal(first.code, 0, first.stderr);
    const child = startCli(['submit', study.file, '--wait', '--id', 'cli-follow', '--server', server]);
    let stderr = '';
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    const retry = collect(child, 120_000);
    await until('the retry follows the study', () => stderr.includes('following it'), 60_000);
    assert.match(
      stderr,
      /study cli-follow already exists with this spec and dataset \(running\); following it/,
    );
    assert.equal((await cli(['cancel', 'cli-follow'])).code, 0);
    // It followed the study to its end: the cancel it saw is its outcome (exit 1).
    const r = await retry;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /study cli-follow: cancelled/);
  });

  it('a study cancelled mid-trial shows those trials as unfinished, not running', async () => {
    const spec = smallChurnSpec(
      { name: 'cli-slow', budget: { trials: 4, parallelism: 2 } },
      { epochs: 300, patience: 1000, layers: 1, batchSize: 8 },
    );
    const study = writeStudy(spec);
    const r = await cli(['submit', study.file, '--json', '--id', 'cli-slow']);
    assert.equal(r.code, 0, r.stderr);
    const slow = 'cli-slow';
    let started: unknown[] = [];
    for (let i = 0; i < 100 && started.length === 0; i++) {
      started = JSON.parse((await cli(['trials', slow, '--json'])).stdout) as unknown[];
      if (started.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(started.length > 0, 'no trial of cli-slow started');
    assert.equal((await cli(['cancel', slow])).code, 0);
    const cancelled = JSON.parse((await cli(['status', slow, '--json'])).stdout);
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(cancelled.trials.running, 0);
    const unfinished = JSON.parse((await cli(['trials', slow, '--state', 'unfinished', '--json'])).stdout);
    assert.ok(unfinished.length > 0, 'the running trials are unfinished');
    assert.match(cancelled.message ?? '', /left unfinished when the study stopped/);
    const running = JSON.parse((await cli(['trials', slow, '--state', 'running', '--json'])).stdout);
    assert.deepEqual(running, []);
  });

  it('status, trials, best', async () => {
    const list = await cli(['status']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /cli-remote .*finished/);
    const one = JSON.parse((await cli(['status', studyId, '--json'])).stdout);
    assert.equal(one.state, 'finished');
    assert.equal(one.trials.done, 4);
    const trials = JSON.parse((await cli(['trials', studyId, '--state', 'complete', '--json'])).stdout);
    assert.equal(trials.length, 4);
    const best = JSON.parse((await cli(['best', studyId, '--json'])).stdout);
    assert.equal(best.trial, one.best.trial);
    assert.ok(best.metrics.rocAuc.mean > 0.7);
  });

  it('leaderboard as table, JSON (sorted, top) and CSV', async () => {
    const table = await cli(['leaderboard', studyId]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /ROC AUC.*PR AUC.*F1.*precision.*recall/s);
    const ESC = String.fromCharCode(27);
    assert.ok(
      !(table.stdout + table.stderr).includes(`${ESC}[`),
      'no colours without a TTY (and NO_COLOR is set)',
    );
    const json = JSON.parse(
      (await cli(['leaderboard', studyId, '--json', '--sort', 'prAuc', '--top', '3'])).stdout,
    );
    assert.equal(json.trials.length, 3);
    const pr = json.trials.map((t: { metrics: { prAuc: { mean: number } } }) => t.metrics.prAuc.mean);
    assert.deepEqual(
      pr,
      [...pr].sort((a: number, b: number) => b - a),
    );
    const csv = (await cli(['leaderboard', studyId, '--csv'])).stdout.trim().split('\n');
    assert.match(csv[0]!, /^rank,trial,state,value,rocAuc_mean,rocAuc_std/);
    assert.equal(csv.length, 5);
    assert.equal((await cli(['leaderboard', studyId, '--watch', '--sort', 'prAuc'])).code, 2);
    const bad = await cli(['leaderboard', studyId, '--sort', 'speed']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--sort must be one of/);
  });

  it('leaderboard --watch redraws until a running study ends', async () => {
    const study = writeStudy(smallChurnSpec({ name: 'watched', budget: { trials: 3, parallelism: 1 } }));
    const submitted = await cli(['submit', study.file, '--id', 'watched', '--quiet']);
    assert.equal(submitted.code, 0, submitted.stderr);
    const watch = await collect(startCli(['leaderboard', 'watched', '--watch', '--server', server]), 120_000);
    assert.equal(watch.code, 0, watch.stderr);
    assert.match(watch.stdout, /3\/3 trials, 0 running, state finished/);
  });

  it('export, then predict offline with the exported model', async () => {
    const out = join(dir, 'exported');
    const r = await cli(['export', studyId, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['model.json', 'weights.bin', 'preprocessing.json', 'metadata.json'])
      assert.ok(existsSync(join(out, f)), f);
    const input = join(dir, 'rows.csv');
    writeFileSync(
      input,
      'tenure_months,monthly_charges,total_charges,contract,payment_method,internet,support_calls,age,has_partner\n2,95,190,month-to-month,electronic-check,fiber,5,30,no\n',
    );
    const p = await runCli(['predict', '--model', out, '--input', input]);
    assert.equal(p.code, 0, p.stderr);
    assert.match(p.stdout, /^row,probability,predicted\n1,0\.\d+,(yes|no)\n$/);
  });

  it('report from the coordinator renders in a real browser', async () => {
    const html = join(dir, 'remote-report.html');
    const r = await cli(['report', studyId, '--out', html]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(html, 'utf8'), /Study cli-remote/);
    const { errors, charts } = await inspectReport(html, join(dir, 'remote-report.png'));
    assert.deepEqual(errors, []);
    for (const [id, drawn] of charts) assert.ok(drawn > 10, `${id} drew ${drawn} SVG elements`);
  });

  it('bad arguments exit 2; unknown studies and an unreachable server exit 1 with one line and a hint', async () => {
    assert.equal((await runCli(['export', studyId])).code, 2, 'missing --out');
    assert.equal((await runCli(['leaderboard'])).code, 2, 'missing study');
    const ghost = await cli(['status', 'ghost']);
    assert.equal(ghost.code, 1);
    assert.match(ghost.stderr, /^error: study 'ghost' not found\nhint: /);
    const down = await runCli(['status', '--server', '127.0.0.1:1', '--timeout', '30']);
    assert.equal(down.code, 1);
    assert.match(
      down.stderr,
      /^error: cannot reach the coordinator at 127\.0\.0\.1:1: connection refused.*\nhint: is the coordinator running\? pass --server/,
    );
    const env = await runCli(['status', '--timeout', '30'], { env: { HPO_SERVER: '127.0.0.1:1' } });
    assert.match(env.stderr, /127\.0\.0\.1:1/, 'HPO_SERVER is honoured');
    const badFile = await cli(['submit', join(dir, 'missing.yaml')]);
    assert.equal(badFile.code, 1);
    assert.match(badFile.stderr, /missing\.yaml: file not found/);
    // Admission runs before any upload, with the same messages as hpo tune and CreateStudy.
    const bad = writeStudy(
      smallChurnSpec({
        search: {
          space: { learningRate: { type: 'float', low: 0.001, high: 0.03, log: true } },
          fixed: { epochs: -1, units: 1e9 },
        },
      }),
    );
    const refused = await cli(['submit', bad.file]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /search\.fixed\.epochs: must be an integer in \[1, 10000\], got -1/);
    assert.match(refused.stderr, /search\.fixed\.units: must be an integer in \[1, 4096\]/);
    assert.doesNotMatch(refused.stderr, /upload/i);
  });

  it('prints completion scripts', async () => {
    const bash = await runCli(['completion', 'bash']);
    assert.equal(bash.code, 0);
    assert.match(bash.stdout, /complete -F _hpo hpo/);
    assert.match(bash.stdout, /leaderboard\) opts=".*--watch/);
    assert.equal((await runCli(['completion', 'fish'])).code, 2);
  });
});
