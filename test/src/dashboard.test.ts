/**
 * The live dashboard in a real browser: the coordinator's (HTTPS, logins with the auth file's
 * tokens, tenants apart, workers' started notices checked) and `hpo dashboard` following study
 * directories. Each page loads with no console errors or outside requests, a study started after
 * the page opened appears, and its leaderboard fills in as trials finish.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { encodeJson, type StudyServiceClient, SUBJECTS, WORKER_INBOX_PREFIX } from '@hpo/protocol';
import {
  Cluster,
  call,
  freePort,
  makeCerts,
  PERMISSION_USERS,
  runCli,
  smallChurnSpec,
  startCli,
  type TestCerts,
  tempDir,
  until,
  uploadDataset,
  writeStudy,
} from '@hpo/testing/processes';
import { connect } from '@nats-io/transport-node';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchChromium, watchPage } from './browser.js';

const TOKENS = {
  a: 'dash-team-a-token-1',
  aViewer: 'dash-team-a-viewer-1',
  b: 'dash-team-b-token-1',
  old: 'dash-old-1',
};
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

function authFile(dir: string): string {
  const file = join(dir, 'auth.yaml');
  const entry = (name: string, token: string, tenant: string, role: string, expires?: string) => [
    `  - name: ${name}`,
    `    sha256: ${sha(token)}`,
    `    tenant: ${tenant}`,
    `    role: ${role}`,
    ...(expires ? [`    expires: ${expires}`] : []),
  ];
  writeFileSync(
    file,
    `${[
      'tokens:',
      ...entry('alice', TOKENS.a, 'team-a', 'submitter'),
      ...entry('viv', TOKENS.aViewer, 'team-a', 'viewer'),
      ...entry('bob', TOKENS.b, 'team-b', 'submitter'),
      ...entry('old', TOKENS.old, 'team-a', 'viewer', '2020-01-01T00:00:00Z'),
    ].join('\n')}\n`,
  );
  return file;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request that trusts only the test CA (no certificate checks are skipped). */
function https(
  ca: Buffer,
  port: number,
  path: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    firstChunk?: boolean;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        ca,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
          // An event stream never ends: its first events are enough.
          if (opts.firstChunk && body.includes('\n\n')) {
            res.destroy();
            resolve({ status: res.statusCode!, headers: res.headers, body });
          }
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const form = (token: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: `token=${encodeURIComponent(token)}`,
});

/** Waits until the page's body attribute `name` holds a number ≥ `min`. */
async function waitForCount(page: Page, name: string, min: number): Promise<void> {
  await page.waitForFunction(
    ([n, m]) => Number(document.body.getAttribute(n as string) ?? '-1') >= (m as number),
    [name, min],
    { timeout: 600_000, polling: 100 },
  );
}

describe('live dashboard of the coordinator (HTTPS, tokens, tenants)', () => {
  let certs: TestCerts;
  let ca: Buffer;
  let cluster: Cluster;
  let port: number;
  let metricsPort: number;
  let browser: Browser | undefined;
  const clients: StudyServiceClient[] = [];

  before(async () => {
    certs = makeCerts();
    ca = readFileSync(certs.ca);
    port = await freePort();
    metricsPort = await freePort();
    cluster = await Cluster.start({ workers: 0, permissions: true, metricsPort });
    // Restart the coordinator with TLS, an auth file and the dashboard (the cluster's API client is unused).
    // A graceful stop frees the lease at once: the new one binds its dashboard port right away.
    await cluster.coordinator!.kill('SIGTERM');
    await cluster.startCoordinator({
      tls: { cert: certs.serverCert, key: certs.serverKey },
      authFile: authFile(tempDir('hpo-dash-auth-')),
      metricsPort,
      args: ['--dashboard-port', String(port)],
    });
  });
  after(async () => {
    await browser?.close();
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  const api = (token: string) => {
    const c = cluster.connect({ credentials: grpc.credentials.createSsl(ca), token, host: 'localhost' });
    clients.push(c);
    return c;
  };
  const login = async (token: string) => {
    const r = await https(ca, port, '/login', form(token));
    assert.equal(r.status, 303, r.body);
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    return { cookie };
  };

  it('lets nobody in without a valid token, and keeps tenants apart', async () => {
    const none = await https(ca, port, '/api/studies');
    assert.equal(none.status, 401);
    assert.match(none.body, /log in first/);
    assert.match(String(none.headers['content-security-policy']), /default-src 'none'/);
    // The page itself asks for a token.
    const page = await https(ca, port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /<form class="login card" method="post" action="\/login">/);
    for (const [token, why] of [
      ['not-a-token-we-issued', /the token is not valid/],
      [TOKENS.old, /the token has expired/],
      ['', /empty or has characters/],
      ['a b<script>', /empty or has characters/],
    ] as const) {
      const r = await https(ca, port, '/login', form(token));
      assert.equal(r.status, 401, `login with '${token}'`);
      assert.match(r.body, why);
      assert.equal(r.headers['set-cookie'], undefined);
      assert.doesNotMatch(r.body, /<script>/, 'the token is not echoed');
    }
    const big = await https(ca, port, '/login', form('x'.repeat(100_000)));
    assert.equal(big.status, 413);
    const forged = await https(ca, port, '/api/studies', {
      headers: { cookie: `hpo_dashboard=${'A'.repeat(43)}` },
    });
    assert.equal(forged.status, 401);
    const badHeader = await https(ca, port, '/api/studies', { headers: { authorization: 'Basic abc' } });
    assert.equal(badHeader.status, 401);

    // A session cookie: HttpOnly, SameSite=Strict, Secure (HTTPS).
    const r = await https(ca, port, '/login', form(TOKENS.aViewer));
    assert.equal(r.status, 303);
    assert.match(
      String(r.headers['set-cookie']),
      /^hpo_dashboard=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/,
    );

    // Team b's study is invisible to team a's session, in the list, by id and on the stream.
    const sha256 = await uploadDataset(api(TOKENS.b), smallChurnSpec());
    const spec = JSON.stringify(
      smallChurnSpec({ name: 'team-b-study', budget: { trials: 1, parallelism: 1 } }),
    );
    const b = await call<object, { studyId: string }>(api(TOKENS.b), 'CreateStudy', {
      spec,
      datasetSha256: sha256,
      studyId: 'team-b-study',
    });
    const a = await login(TOKENS.aViewer);
    const list = await https(ca, port, '/api/studies', { headers: a });
    assert.equal(list.status, 200);
    assert.deepEqual(JSON.parse(list.body), { studies: [] });
    const byId = await https(ca, port, `/api/studies/${b.studyId}`, { headers: a });
    assert.equal(byId.status, 404);
    assert.match(byId.body, /not found/);
    const stream = await https(ca, port, `/api/stream?study=${encodeURIComponent(b.studyId)}`, {
      headers: a,
    });
    assert.equal(stream.status, 404);
    // Team b sees it, over a bearer header as well as a session.
    const mine = await https(ca, port, '/api/studies', { headers: { authorization: `Bearer ${TOKENS.b}` } });
    assert.deepEqual(
      JSON.parse(mine.body).studies.map((s: { id: string }) => s.id),
      [b.studyId],
    );
    const events = await https(ca, port, '/api/stream', { headers: await login(TOKENS.b), firstChunk: true });
    assert.equal(events.status, 200);
    assert.match(events.body, new RegExp(`^event: studies\\ndata: \\[\\{"id":"${b.studyId}"`));
    // Logging out ends the session.
    await https(ca, port, '/logout', { method: 'POST', headers: a });
    assert.equal((await https(ca, port, '/api/studies', { headers: a })).status, 401);
  });

  it('drops started notices and fold reports that do not answer a task the coordinator issued', async () => {
    const nc = await connect({
      servers: cluster.nats.url,
      user: PERMISSION_USERS.worker.user,
      pass: PERMISSION_USERS.worker.password,
      inboxPrefix: WORKER_INBOX_PREFIX,
    });
    const study = 'team-b-study-forged';
    nc.publish(
      SUBJECTS.progress(study),
      encodeJson({ id: `${study}.t0.f0`, study, epoch: 'abc', nonce: 'A'.repeat(22), worker: 'mallory' }),
    );
    nc.publish(SUBJECTS.progress(study), encodeJson({ id: 'x' }));
    // A forged report at an ASHA rung is refused the same way.
    nc.publish(
      SUBJECTS.progress(study),
      encodeJson({
        id: `${study}.t0.f0`,
        study,
        epoch: 'abc',
        nonce: 'B'.repeat(22),
        worker: 'mallory',
        report: { epoch: 3, value: 0.99 },
      }),
    );
    await nc.flush();
    await nc.close();
    const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await until(
      'both rejections counted',
      async () => {
        const text = await metrics();
        return (
          /hpo_started_notices_rejected_total\{reason="bad_nonce"\} 2/.test(text) &&
          /hpo_started_notices_rejected_total\{reason="malformed"\} 1/.test(text)
        );
      },
      60_000,
    );
  });

  it('shows a study started after the page opened, with its leaderboard and the workers running it', async () => {
    browser = await launchChromium();
    // The browser does not know the test CA; the HTTPS requests above checked the certificate.
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1400, height: 1100 },
    });
    const page = await context.newPage();
    const origin = `https://127.0.0.1:${port}/`;
    const errors = watchPage(page, origin);
    await page.goto(origin);
    await page.fill('#token', 'wrong-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-error');
    // The failed login answered 401: that is the one console error a browser logs for it.
    errors.splice(0, errors.length);
    await page.fill('#token', TOKENS.a);
    await page.click('button[type=submit]');
    await page.waitForSelector('body[data-live="true"]');
    assert.equal(await page.getAttribute('body', 'data-studies'), '0', "team b's study is not listed");

    // Started after the page opened: three trials of three folds on one worker thread, each fold
    // long enough (no early stopping; about 1 s on a fast machine) to be announced and drawn as
    // running.
    await cluster.startWorker({ threads: 1 });
    const sha256 = await uploadDataset(api(TOKENS.a), smallChurnSpec());
    const spec = JSON.stringify(
      smallChurnSpec(
        { name: 'dashboard-live', budget: { trials: 3, parallelism: 1 }, pruner: { type: 'none' } },
        { epochs: 100, layers: 1, batchSize: 16, validationFraction: 0 },
      ),
    );
    const study = await call<object, { studyId: string }>(api(TOKENS.a), 'CreateStudy', {
      spec,
      datasetSha256: sha256,
      studyId: 'dashboard-live',
    });
    const link = `#studies a[data-study="${study.studyId}"]`;
    await page.waitForSelector(link, { timeout: 60_000 });
    // Record the leaderboard's size at each update the page draws, and whether the running table
    // ever named a worker training a fold.
    await page.evaluate(() => {
      const w = window as unknown as { boardSizes: number[]; sawRunning: boolean };
      w.boardSizes = [];
      w.sawRunning = false;
      new MutationObserver(() => {
        const n = document.querySelectorAll('#leaderboard tbody tr').length;
        if (w.boardSizes.at(-1) !== n) w.boardSizes.push(n);
      }).observe(document.querySelector('#leaderboard tbody')!, { childList: true });
      new MutationObserver(() => {
        w.sawRunning ||= Array.from(document.querySelectorAll('#running tbody tr')).some(
          (tr) => tr.children[2]?.textContent === 'running' && /\S/.test(tr.children[3]?.textContent ?? ''),
        );
      }).observe(document.querySelector('#running tbody')!, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
    await page.click(link);
    await page.waitForSelector(`body[data-study="dashboard-live"]`);
    await waitForCount(page, 'data-trials-done', 3);
    // A worker said it was training a fold: the running table named it (recorded as it was drawn).
    assert.ok(
      await page.evaluate(() => (window as unknown as { sawRunning: boolean }).sawRunning),
      'the running table never showed a fold being trained by a worker',
    );
    // Every size the leaderboard had, in order: it grew as trials finished, one update at a time.
    const sizes = await page.evaluate(() => (window as unknown as { boardSizes: number[] }).boardSizes);
    assert.ok(sizes.length >= 2, `updates seen: ${sizes}`);
    assert.ok(new Set(sizes.filter((n) => n > 0)).size >= 2, `the leaderboard grew in steps: ${sizes}`);
    assert.deepEqual(
      [...sizes].sort((x, y) => x - y),
      sizes,
      'it only grew',
    );
    assert.equal(sizes.at(-1), 3);
    const charts = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.chart')).map(
        (el) => el.querySelectorAll('svg path, svg text').length,
      ),
    );
    for (const drawn of charts) assert.ok(drawn > 5, `every chart drew (${charts})`);
    const shot = join(ARTIFACTS, 'dashboard-coordinator.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
    assert.deepEqual(errors, []);
    await context.close();
  });
});

describe('hpo dashboard (study directories on this machine)', () => {
  it('follows a study directory that appears after the page opened, event by event, in a real browser', async () => {
    // A real study's log, replayed into the followed folder in steps the test controls.
    const { dir, file } = writeStudy(
      smallChurnSpec({ name: 'local-live', budget: { trials: 3, parallelism: 1 } }),
    );
    const tuned = await runCli(['tune', file, '--quiet', '--out', join(dir, 'done')]);
    assert.equal(tuned.code, 0, tuned.stderr);
    // A hostile parameter value (a categorical choice is any string): shown as text, never run.
    const hostile = '<img src=x onerror="window.__xss=1">';
    const lines = readFileSync(join(dir, 'done', 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/"classWeight":"(none|balanced)"/g, `"classWeight":${JSON.stringify(hostile)}`));
    assert.ok(
      lines.some((l) => l.includes('onerror')),
      'the log carries the hostile value',
    );
    const finishedAt = lines.flatMap((l, i) => (JSON.parse(l).type === 'trial_finished' ? [i] : []));
    assert.equal(finishedAt.length, 3);

    const runs = tempDir('hpo-dash-runs-');
    const dashboard = startCli(['dashboard', runs, '--port', '0']);
    let log = '';
    dashboard.stderr?.on('data', (d) => {
      log += d;
    });
    const listening = /on (http:\/\/127\.0\.0\.1:\d+)/;
    await until('hpo dashboard listening', () => listening.test(log) || dashboard.exitCode !== null, 120_000);
    assert.equal(dashboard.exitCode, null, `hpo dashboard exited: ${log}`);
    const url = `${listening.exec(log)![1]}/`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      const errors = watchPage(page, url);
      await page.goto(url);
      await page.waitForSelector('body[data-live="true"]');
      assert.equal(await page.getAttribute('body', 'data-studies'), '0');

      // The study directory appears with its first event, and half of the next line.
      const study = join(runs, 'local-live-1');
      mkdirSync(study);
      const events = join(study, 'events.jsonl');
      writeFileSync(events, `${lines[0]}\n${lines[1]!.slice(0, 40)}`);
      const link = '#studies a[data-study="local-live-1"]';
      await page.waitForSelector(link, { timeout: 120_000 });
      await page.click(link);
      await page.waitForSelector('body[data-study="local-live"]');
      assert.equal(await page.getAttribute('body', 'data-trials-done'), '0');
      // The rest of that line and everything up to the first finished trial: one row.
      appendFileSync(events, `${lines[1]!.slice(40)}\n${lines.slice(2, finishedAt[0]! + 1).join('\n')}\n`);
      await waitForCount(page, 'data-trials-done', 1);
      assert.equal(await page.locator('#leaderboard tbody tr').count(), 1);
      assert.equal(
        await page.getAttribute('body', 'data-running'),
        '0',
        'the finished trial has no open folds',
      );
      // Up to the second: two rows.
      appendFileSync(events, `${lines.slice(finishedAt[0]! + 1, finishedAt[1]! + 1).join('\n')}\n`);
      await waitForCount(page, 'data-trials-done', 2);
      assert.equal(await page.locator('#leaderboard tbody tr').count(), 2);
      // The rest: finished.
      appendFileSync(events, `${lines.slice(finishedAt[1]! + 1).join('\n')}\n`);
      await waitForCount(page, 'data-trials-done', 3);
      await page.waitForFunction(
        () => document.querySelector('#studies a .state')?.textContent === 'finished',
      );
      assert.equal(await page.locator('#leaderboard tbody tr').count(), 3);
      assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);
      assert.match(
        (await page.locator('#leaderboard').textContent()) ?? '',
        /classWeight=<img src=x onerror=/,
      );
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-local.png'), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      dashboard.kill('SIGINT');
    }
  });
});
