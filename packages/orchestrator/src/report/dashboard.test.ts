import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HpoError, validateStudySpec } from '@hpo/core';
import type { StudyEvent } from '../events.js';
import { readStudyLog, type StudyLog } from '../study/study-log.js';
import { type DashboardSource, startDashboard } from './dashboard.js';
import { LocalSource } from './local-source.js';

const at = '2026-01-01T00:00:00.000Z';
const spec = validateStudySpec(
  {
    name: 'd',
    dataset: { path: 'x.csv', label: 'y' },
    model: 'mlp',
    search: { space: { units: { type: 'int', low: 4, high: 8 } } },
    budget: { trials: 3 },
    cv: { k: 2 },
  },
  'test',
);
const fold = (value: number) =>
  ({
    metrics: {
      rocAuc: value,
      curves: { roc: { fpr: [0, 1], tpr: [0, 1] }, pr: { recall: [0, 1], precision: [1, 0] } },
    },
  }) as never;
const created: StudyEvent = {
  type: 'study_created',
  at,
  study: 'd',
  spec,
  datasetHash: 'a'.repeat(64),
  folds: 2,
};
const started: StudyEvent = { type: 'trial_started', at, trial: 0, params: { units: 4 } };

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(
  port: number,
  path: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    until?: (body: string) => boolean;
    /** Called with the body so far after each chunk (e.g. to act once a first event came). */
    onData?: (body: string) => void;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        const done = () => resolve({ status: res.statusCode!, headers: res.headers, body });
        res.on('data', (d) => {
          body += d;
          opts.onData?.(body);
          if (opts.until?.(body)) {
            res.destroy();
            done();
          }
        });
        res.on('end', done);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A source with two tenants' studies in memory and a token table the test can change. */
class FakeSource implements DashboardSource<{ tenant: string }> {
  readonly authRequired = true;
  tokens = new Map([
    ['token-a', 'a'],
    ['token-b', 'b'],
  ]);
  logs = new Map<string, { tenant: string; log: StudyLog }>([
    ['study-a', { tenant: 'a', log: readStudyLog([created, started]) }],
    ['study-b', { tenant: 'b', log: readStudyLog([created]) }],
  ]);
  private readonly listeners = new Set<(s: string) => void>();
  authenticate(token: string | undefined) {
    const tenant = token === undefined ? undefined : this.tokens.get(token);
    if (!tenant) throw new HpoError('unauthenticated', 'the token is not valid');
    return { tenant };
  }
  list(v: { tenant: string }) {
    return [...this.logs.entries()]
      .filter(([, s]) => s.tenant === v.tenant)
      .map(([id]) => ({
        id,
        name: 'd',
        state: 'running',
        createdAt: at,
        finished: 0,
        budget: 3,
        metric: 'rocAuc',
        best: null,
      }));
  }
  log(v: { tenant: string }, id: string) {
    const s = this.logs.get(id);
    if (!s || s.tenant !== v.tenant) throw new HpoError('not_found', `study '${id}' not found`);
    return s.log;
  }
  running() {
    return [];
  }
  subscribe(l: (s: string) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  emit(study: string) {
    for (const l of this.listeners) l(study);
  }
}

describe('dashboard server', async () => {
  const source = new FakeSource();
  const dashboard = await startDashboard(source, { host: '127.0.0.1', port: 0, throttleMs: 10 });
  after(() => dashboard.close());
  const login = async (token: string) => {
    const r = await http(dashboard.port, '/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${token}`,
    });
    return { r, cookie: String(r.headers['set-cookie'] ?? '').split(';')[0]! };
  };

  it('streams a study and its updates to its tenant, and ends the stream when the token is revoked', async () => {
    const { r, cookie } = await login('token-a');
    assert.equal(r.status, 303);
    assert.doesNotMatch(String(r.headers['set-cookie']), /Secure/, 'plain HTTP: no Secure flag');
    const first = await http(dashboard.port, '/api/stream?study=study-a', {
      headers: { cookie },
      until: (b) => b.includes('event: study\n'),
    });
    assert.match(first.body, /^event: studies\ndata: \[\{"id":"study-a"/);
    assert.match(first.body, /event: study\ndata: \{"report":\{"study":"d"/);
    // Once the page has its first view, a change is pushed; once that came, a revoked token ends
    // the stream with a failure event (each step waits for the previous one, not for the clock).
    const log = source.logs.get('study-a')!.log;
    let step = 0;
    const body = (
      await http(dashboard.port, '/api/stream?study=study-a', {
        headers: { cookie },
        until: (b) => b.includes('event: failure'),
        onData: (b) => {
          const views = b.split('event: study\n').length - 1;
          if (step === 0 && views === 1) {
            step = 1;
            log.apply({ type: 'fold_done', at, trial: 0, fold: 0, result: fold(0.7) });
            source.emit('study-a');
          } else if (step === 1 && views === 2) {
            step = 2;
            source.tokens.delete('token-a');
            source.emit('study-a');
          }
        },
      })
    ).body;
    assert.equal(body.split('event: study\n').length - 1, 2, 'the first view and the update');
    assert.match(body, /event: failure\ndata: \{"error":"the token is not valid"\}/);
    assert.equal((await http(dashboard.port, '/api/studies', { headers: { cookie } })).status, 401);
    source.tokens.set('token-a', 'a');
  });

  it("answers another tenant's study as not found", async () => {
    const { cookie } = await login('token-a');
    assert.equal((await http(dashboard.port, '/api/studies/study-b', { headers: { cookie } })).status, 404);
    assert.equal(
      (await http(dashboard.port, '/api/stream?study=study-b', { headers: { cookie } })).status,
      404,
    );
    const b = await http(dashboard.port, '/api/studies/study-b', {
      headers: { authorization: 'Bearer token-b' },
    });
    assert.equal(b.status, 200);
  });

  it('refuses cross-site form posts, and bad bearer tokens count toward the same limit', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const evil = await http(dashboard.port, '/login', {
      method: 'POST',
      headers: { ...form, origin: 'http://evil.example' },
      body: 'token=token-a',
    });
    assert.equal(evil.status, 403);
    const fetched = await http(dashboard.port, '/logout', {
      method: 'POST',
      headers: { ...form, 'sec-fetch-site': 'cross-site' },
      body: '',
    });
    assert.equal(fetched.status, 403);
    const same = await http(dashboard.port, '/login', {
      method: 'POST',
      headers: { ...form, origin: `http://127.0.0.1:${dashboard.port}` },
      body: 'token=token-a',
    });
    assert.equal(same.status, 303);
  });

  it('slows down guessing: 10 failed logins a minute per address, then 429', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await login(`wrong-${i}`)).r.status, 401);
    const r = (await login('token-a')).r;
    assert.equal(r.status, 429);
    assert.match(r.body, /too many failed logins/);
    // Guessing over the API instead is held back by the same count.
    const bearer = await http(dashboard.port, '/api/studies', {
      headers: { authorization: 'Bearer token-a' },
    });
    assert.equal(bearer.status, 429);
  });
});

describe('dashboard without logins (hpo dashboard)', () => {
  it('answers only requests addressed to its loopback host and port (no DNS rebinding)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hpo-open-dash-'));
    const source = new LocalSource(root);
    const dashboard = await startDashboard(source, { host: '127.0.0.1', port: 0 });
    try {
      const ok = await http(dashboard.port, '/api/studies');
      assert.equal(ok.status, 200);
      const alias = await http(dashboard.port, '/api/studies', {
        headers: { host: `localhost:${dashboard.port}` },
      });
      assert.equal(alias.status, 200);
      const rebound = await http(dashboard.port, '/api/studies', {
        headers: { host: `evil.example:${dashboard.port}` },
      });
      assert.equal(rebound.status, 403);
      assert.match(rebound.body, /unexpected Host header/);
    } finally {
      await dashboard.close();
      source.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('LocalSource (hpo dashboard)', () => {
  const root = mkdtempSync(join(tmpdir(), 'hpo-local-source-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('follows logs as they grow, waits for a line to end, and reports a corrupt one', async () => {
    const source = new LocalSource(root, 20);
    after(() => source.close());
    const changes: string[] = [];
    const changed = (id: string) =>
      new Promise<void>((resolve) => {
        const off = source.subscribe((s) => {
          changes.push(s);
          if (s === id) {
            off();
            resolve();
          }
        });
      });
    assert.deepEqual(source.list(), []);
    const dir = join(root, 's1');
    mkdirSync(dir);
    const file = join(dir, 'events.jsonl');
    let next = changed('s1');
    const line = (e: StudyEvent) => `${JSON.stringify(e)}\n`;
    const startedLine = line(started);
    writeFileSync(file, line(created) + startedLine.slice(0, 10));
    await next;
    assert.equal(source.list().length, 1);
    assert.equal(source.log(null, 's1').size, 0, 'half a line is not read');
    next = changed('s1');
    appendFileSync(file, startedLine.slice(10));
    await next;
    assert.equal(source.log(null, 's1').size, 1);
    assert.deepEqual(
      source.running(null, 's1').map((r) => [r.trial, r.fold, r.state]),
      [
        [0, 0, 'open'],
        [0, 1, 'open'],
      ],
    );
    next = changed('s1');
    appendFileSync(file, line({ type: 'fold_done', at, trial: 0, fold: 0, result: fold(0.6) }));
    await next;
    assert.deepEqual(
      source.running(null, 's1').map((r) => r.fold),
      [1],
    );
    // Corruption in the middle of the log is reported, not skipped.
    next = changed('s1');
    appendFileSync(file, 'not json\n');
    await next;
    assert.throws(() => source.log(null, 's1'), /s1\/events\.jsonl: a line .*is not valid JSON/);
    // Another study directory appearing later is followed too; other folders are not studies.
    mkdirSync(join(root, 'not-a-study'));
    const dir2 = join(root, 's2');
    mkdirSync(dir2);
    next = changed('s2');
    writeFileSync(join(dir2, 'events.jsonl'), line(created));
    await next;
    assert.deepEqual(
      source.list().map((s) => [s.id, s.state]),
      [
        ['s1', 'unreadable'],
        ['s2', 'running'],
      ],
    );
    assert.throws(() => source.log(null, 'nope'), /study 'nope' not found/);
  });

  it('refuses a path that is not a directory', () => {
    assert.throws(() => new LocalSource(join(root, 'missing')), /is not a directory/);
  });
});
