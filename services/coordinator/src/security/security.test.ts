import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { HpoError, SpecError } from '@hpo/core';
import { pino } from 'pino';
import { AuthTable, DEFAULT_QUOTA } from './auth-file.js';
import { ANONYMOUS, Authenticator } from './authenticator.js';
import { authorize, canSee } from './policy.js';
import { RateLimiter } from './rate-limit.js';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const log = pino({ level: 'silent' });

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'hpo-authf-')), 'auth.yaml');
  writeFileSync(path, text);
  return path;
}

const AUTH = `
tokens:
  - { name: alice, sha256: ${sha('alice-token')}, tenant: a, role: submitter }
  - { name: old, sha256: ${sha('old-token')}, tenant: a, role: viewer, expires: 2020-01-01T00:00:00Z }
clients:
  - { commonName: ci, tenant: b, role: viewer }
quotas:
  "*": { concurrentStudies: 2 }
  a: { trialsPerStudy: 7 }
rateLimits: { createStudy: 3 }
`;

const md = (...values: string[]) => {
  const m = new Metadata();
  for (const v of values) m.add('authorization', v);
  return m;
};
const unauthenticated = (pattern: RegExp) => (err: unknown) =>
  err instanceof HpoError && err.kind === 'unauthenticated' && pattern.test(err.message);

describe('auth file', () => {
  it('maps token hashes and certificate names to identities, with quotas over defaults', () => {
    const t = AuthTable.read(file(AUTH));
    assert.deepEqual(t.token('alice-token'), { name: 'alice', tenant: 'a', role: 'submitter' });
    assert.equal(t.token('nope'), 'unknown');
    assert.equal(t.token('old-token'), 'expired');
    assert.deepEqual(t.client('ci'), { name: 'cert:ci', tenant: 'b', role: 'viewer' });
    assert.deepEqual(t.quota('a'), { ...DEFAULT_QUOTA, concurrentStudies: 2, trialsPerStudy: 7 });
    assert.deepEqual(t.quota('z'), { ...DEFAULT_QUOTA, concurrentStudies: 2 });
    assert.deepEqual(t.rateLimits, { createStudy: 3, uploadDataset: 60 });
  });

  it('names the file and field of every problem', () => {
    const bad = (text: string, pattern: RegExp) =>
      assert.throws(
        () => AuthTable.read(file(text)),
        (e: unknown) => e instanceof SpecError && pattern.test(e.message),
      );
    bad(
      'tokens: [{ name: x, sha256: nothex, tenant: a, role: submitter }]',
      /tokens\.0\.sha256: must be the token's SHA-256/,
    );
    bad(`tokens: [{ name: x, sha256: ${sha('t')}, tenant: "a b", role: submitter }]`, /tokens\.0\.tenant/);
    bad(`tokens: [{ name: x, sha256: ${sha('t')}, tenant: a, role: root }]`, /tokens\.0\.role/);
    bad(`tokens: [{ name: x, sha256: ${sha('t')}, tenant: a, role: admin, extra: 1 }]`, /tokens\.0/);
    bad(
      `tokens: [{ name: x, sha256: ${sha('t')}, tenant: a, role: admin }, { name: y, sha256: ${sha('t')}, tenant: b, role: admin }]`,
      /listed twice/,
    );
    bad('tokens: [ {', /not valid YAML/);
    assert.throws(
      () => AuthTable.read('/nonexistent/auth.yaml'),
      (e: unknown) => e instanceof HpoError && e.kind === 'config',
    );
  });
});

describe('authenticator', () => {
  it('without an auth file, everyone is the admin of tenant default', () => {
    assert.deepEqual(new Authenticator(undefined, log).authenticate(md(), undefined), ANONYMOUS);
  });

  it('accepts a listed bearer token or client certificate, and refuses everything else without echoing it', () => {
    const auth = new Authenticator(file(AUTH), log);
    assert.equal(auth.authenticate(md('Bearer alice-token'), undefined).name, 'alice');
    assert.equal(auth.authenticate(md(), { sslPeerCertificate: { subject: { CN: 'ci' } } }).tenant, 'b');
    for (const [m, peer, pattern] of [
      [md(), undefined, /no credentials/],
      [md('Bearer nope'), undefined, /not valid/],
      [md('Bearer old-token'), undefined, /expired/],
      [md('bearer alice-token'), undefined, /not 'Bearer <token>'/],
      [md('Bearer alice-token', 'Bearer alice-token'), undefined, /more than one/],
      [md(), { sslPeerCertificate: { subject: { CN: 'stranger' } } }, /'stranger' is not listed/],
    ] as const) {
      assert.throws(
        () => auth.authenticate(m, peer),
        (e: unknown) => unauthenticated(pattern)(e) && !(e as Error).message.includes('alice-token'),
      );
    }
  });

  it('reloads a changed file, and keeps the last good one when the new one is broken', () => {
    const path = file(AUTH);
    const auth = new Authenticator(path, log);
    writeFileSync(path, `tokens: [{ name: bob, sha256: ${sha('bob-token')}, tenant: c, role: admin }]\n`);
    assert.equal(auth.reload('test'), true);
    assert.equal(auth.authenticate(md('Bearer bob-token'), undefined).name, 'bob');
    assert.throws(() => auth.authenticate(md('Bearer alice-token'), undefined), unauthenticated(/not valid/));
    writeFileSync(path, 'tokens: nope\n');
    assert.equal(auth.reload('test'), false);
    assert.equal(auth.authenticate(md('Bearer bob-token'), undefined).name, 'bob', 'the previous file stays');
  });
});

describe('roles and tenants', () => {
  it('lets viewers read, submitters also write, admins see every tenant', () => {
    const viewer = { name: 'v', tenant: 'a', role: 'viewer' } as const;
    const submitter = { name: 's', tenant: 'a', role: 'submitter' } as const;
    const admin = { name: 'r', tenant: 'ops', role: 'admin' } as const;
    authorize(viewer, 'read');
    for (const action of ['create', 'upload', 'cancel', 'export'] as const) {
      assert.throws(
        () => authorize(viewer, action),
        (e: unknown) => e instanceof HpoError && e.kind === 'permission_denied',
      );
      authorize(submitter, action);
      authorize(admin, action);
    }
    assert.ok(canSee(submitter, 'a') && !canSee(submitter, 'b') && canSee(admin, 'b'));
  });
});

describe('rate limiter', () => {
  it('allows a burst up to the limit, refills over the minute, and keeps callers apart', () => {
    const r = new RateLimiter();
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) r.take('alice', 'CreateStudy', 3, t0);
    assert.throws(
      () => r.take('alice', 'CreateStudy', 3, t0),
      (e: unknown) =>
        e instanceof HpoError && e.kind === 'resource_exhausted' && /retry in 20 s/.test(e.message),
    );
    r.take('bob', 'CreateStudy', 3, t0);
    r.take('alice', 'UploadDataset', 3, t0);
    r.take('alice', 'CreateStudy', 3, t0 + 20_000); // one call back after a third of a minute
  });
});
