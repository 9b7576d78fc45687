/**
 * `hpo serve` as a real process: predictions equal `hpo predict`'s for JSON rows and CSV, bad
 * rows are 400s naming the row and field, limits are 413s, metrics count requests, and SIGTERM
 * stops it cleanly. Also the predict library it is built on.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, runCli, smallChurnSpec, startCli, writeStudy } from '@hpo/testing/processes';
import { loadModel, predict, resolveThreshold } from '@hpo/trainer/predict';

const HEADER =
  'customer_id,tenure_months,monthly_charges,total_charges,contract,payment_method,internet,support_calls,age,has_partner';
const CSV_ROWS = [
  'A1,2,95,190,month-to-month,electronic-check,fiber,5,30,no',
  'B2,70,25,1750,two-year,card,none,0,60,yes',
  'C3,12,,NA,one-year,?,dsl,,,no',
];

/**
 * Announces a body of `bytes` bytes on a raw socket, sends none of it, and resolves with the
 * status line's code: a server that checks the declared length answers at once, and no upload
 * races the answer (a real 2 MiB upload may be cut off by the server's close, EPIPE).
 */
function statusOfDeclared(url: string, bytes: number): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (d) => {
      answer += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (m) {
        resolve(Number(m[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed without a status line: ${answer}`)));
    socket.write(
      `POST ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${bytes}\r\n\r\n[`,
    );
  });
}

/** The CSV rows as the JSON objects a service would send (missing as null). */
function jsonRows(): Record<string, string | number | null>[] {
  const names = HEADER.split(',');
  return CSV_ROWS.map((line) =>
    Object.fromEntries(
      line.split(',').map((v, j) => {
        if (['', 'NA', '?'].includes(v)) return [names[j]!, null];
        const n = Number(v);
        return [names[j]!, Number.isFinite(n) ? n : v];
      }),
    ),
  );
}

describe('hpo serve and the predict library', () => {
  let dir: string;
  let modelDir: string;
  let server: ChildProcess;
  let base: string;
  let expected: { probability: number; label: string }[];

  before(async () => {
    ({ dir } = writeStudy({}));
    const study = writeStudy(smallChurnSpec({ name: 'serve', budget: { trials: 2, parallelism: 1 } }));
    const tune = await runCli(['tune', study.file, '--quiet', '--out', join(dir, 'study')]);
    assert.equal(tune.code, 0, tune.stderr);
    modelDir = join(dir, 'study', 'model');
    // What hpo predict says about the same rows, the reference for the server.
    writeFileSync(join(dir, 'rows.csv'), `${[HEADER, ...CSV_ROWS].join('\n')}\n`);
    const p = await runCli([
      'predict',
      '--model',
      modelDir,
      '--input',
      join(dir, 'rows.csv'),
      '--keep',
      'none',
    ]);
    assert.equal(p.code, 0, p.stderr);
    expected = p.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => ({ probability: Number(l.split(',')[1]), label: l.split(',')[2]! }));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startCli([
      'serve',
      '--model',
      modelDir,
      '--port',
      String(port),
      '--max-body-mb',
      '1',
      '--max-rows',
      '5',
    ]);
    let log = '';
    server.stderr?.on('data', (d) => {
      log += d;
    });
    const deadline = Date.now() + 120_000;
    while (!log.includes('serving ')) {
      assert.ok(Date.now() < deadline, `hpo serve did not start:\n${log}`);
      assert.equal(server.exitCode, null, `hpo serve exited:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
  });

  const post = (body: string, type = 'application/json') =>
    fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': type }, body });
  const same = (got: { probability: number; label: string }[]) => {
    assert.equal(got.length, expected.length);
    got.forEach((g, i) => {
      assert.ok(Math.abs(g.probability - expected[i]!.probability) < 1e-6, `row ${i + 1}: ${g.probability}`);
      assert.equal(g.label, expected[i]!.label);
    });
  };

  it('answers JSON rows and CSV text as hpo predict does', async () => {
    const j = await post(JSON.stringify(jsonRows()));
    assert.equal(j.status, 200);
    const jb = (await j.json()) as {
      threshold: number;
      rule: string;
      predictions: { probability: number; label: string }[];
    };
    assert.equal(jb.threshold, 0.5);
    assert.equal(jb.rule, 'default');
    same(jb.predictions);
    const wrapped = await post(JSON.stringify({ rows: jsonRows() }));
    same(((await wrapped.json()) as typeof jb).predictions);
    const csv = await post(`${[HEADER, ...CSV_ROWS].join('\n')}\n`, 'text/csv');
    assert.equal(csv.status, 200);
    same(((await csv.json()) as typeof jb).predictions);
  });

  it('answers a bad row with 400 naming the row and field, and limits with 413', async () => {
    const rows = jsonRows();
    rows[1]!.tenure_months = 'lots';
    const bad = await post(JSON.stringify(rows));
    assert.equal(bad.status, 400);
    const b = (await bad.json()) as { error: string; row: number; field: string };
    assert.equal(b.row, 2);
    assert.equal(b.field, 'tenure_months');
    assert.match(
      b.error,
      /row 2, column 'tenure_months': 'lots' is not a number \(the model was trained on this column as numeric\)/,
    );
    const notRows = await post('{"rows": 3}');
    assert.equal(notRows.status, 400);
    assert.match(((await notRows.json()) as { error: string }).error, /expected a JSON array of row objects/);
    const garbled = await post('{not json');
    assert.equal(garbled.status, 400);
    const tooMany = await post(JSON.stringify(Array.from({ length: 6 }, () => jsonRows()[0])));
    assert.equal(tooMany.status, 413);
    assert.match(
      ((await tooMany.json()) as { error: string }).error,
      /6 rows in one request; the limit is 5/,
    );
    // A body over --max-body-mb (1 MiB), by its declared length.
    assert.equal(await statusOfDeclared(`${base}/predict`, 2 * 1024 * 1024), 413);
    const csvBad = await post(`${HEADER}\n1,2\n`, 'text/csv');
    assert.equal(csvBad.status, 400);
    assert.match(((await csvBad.json()) as { error: string }).error, /row 2: has 2 fields, expected 10/);
  });

  it('serves /healthz and /metrics, and stops on SIGTERM', async () => {
    const h = (await (await fetch(`${base}/healthz`)).json()) as { status: string; model: { study: string } };
    assert.equal(h.status, 'ok');
    assert.equal(h.model.study, 'serve');
    const m = await (await fetch(`${base}/metrics`)).text();
    assert.match(m, /^hpo_serve_requests_total\{route="\/predict",status="200"\} [3-9]/m);
    assert.match(m, /^hpo_serve_requests_total\{route="\/predict",status="413"\} 2/m);
    assert.match(m, /^hpo_serve_rows_predicted_total [1-9]/m);
    server.kill('SIGTERM');
    const [code] = await once(server, 'exit');
    assert.equal(code, 0);
  });

  it('the predict library loads a model and predicts row objects, with --threshold auto semantics', async () => {
    const model = await loadModel(modelDir);
    same(predict(model, jsonRows()));
    // 'auto' is the out-of-fold decision threshold the study stored.
    const meta = JSON.parse(readFileSync(join(modelDir, 'metadata.json'), 'utf8'));
    assert.equal(resolveThreshold(model, 'auto').threshold, meta.decision.threshold);
    assert.equal(resolveThreshold(model, 'auto').source, meta.decision.rule);
    const auto = predict(model, jsonRows(), { threshold: 'auto' });
    for (const [i, p] of auto.entries())
      assert.equal(p.label, p.probability >= meta.decision.threshold ? 'yes' : 'no', `row ${i + 1}`);
    assert.throws(
      () => predict(model, [{ ...jsonRows()[0], tenure_months: {} }]),
      /row 1, column 'tenure_months'/,
    );
    // JSON rows are read like CSV cells: '0x10' is not a number, a field no row has is named.
    assert.throws(
      () => predict(model, [{ ...jsonRows()[0], tenure_months: '0x10' }]),
      /'0x10' is not a number/,
    );
    const { tenure_months: _, ...noTenure } = jsonRows()[0]!;
    assert.throws(() => predict(model, [noTenure]), /no row has the field 'tenure_months'/);
    // One row leaving a field out (or misspelling it) is named, not imputed as missing.
    assert.throws(
      () => predict(model, [jsonRows()[0]!, noTenure]),
      (err: Error & { details?: Record<string, unknown> }) =>
        /the field 'tenure_months' is absent \(give null for a missing value\)/.test(err.message) &&
        err.details?.row === 2,
    );
    // Missing markers and surrounding spaces mean what they mean in a CSV.
    const spaced = jsonRows().map((r) => ({ ...r, contract: ` ${r.contract} ` }));
    same(predict(model, spaced));
  });
});
