/**
 * The gRPC API locked down, against a real coordinator, worker and nats-server: TLS and mutual
 * TLS, bearer tokens mapped to tenants and roles by an auth file that reloads, tenants that
 * cannot see each other, and malformed or hostile credentials answered with the right status
 * while the service stays up.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { StudyServiceClient } from '@hpo/protocol';
import {
  Cluster,
  call,
  freePort,
  makeCerts,
  runCli,
  smallChurnSpec,
  type TestCerts,
  tempDir,
  uploadDataset,
  watch,
} from '@hpo/testing/processes';

const TOKENS = {
  aSubmitter: 'team-a-submitter-token-1',
  aViewer: 'team-a-viewer-token-1',
  bSubmitter: 'team-b-submitter-token-1',
  admin: 'admin-token-1',
  expired: 'expired-token-1',
};
const sha = (t: string) => createHash('sha256').update(t).digest('hex');

function authFile(dir: string, revoked: string[] = []): string {
  const entries = [
    { name: 'alice', token: TOKENS.aSubmitter, tenant: 'team-a', role: 'submitter' },
    { name: 'viv', token: TOKENS.aViewer, tenant: 'team-a', role: 'viewer' },
    { name: 'bob', token: TOKENS.bSubmitter, tenant: 'team-b', role: 'submitter' },
    { name: 'root', token: TOKENS.admin, tenant: 'ops', role: 'admin' },
    {
      name: 'old',
      token: TOKENS.expired,
      tenant: 'team-a',
      role: 'submitter',
      expires: '2020-01-01T00:00:00Z',
    },
  ].filter((e) => !revoked.includes(e.token));
  const file = join(dir, 'auth.yaml');
  const yaml = [
    'tokens:',
    ...entries.flatMap((e) => [
      `  - name: ${e.name}`,
      `    sha256: ${sha(e.token)}`,
      `    tenant: ${e.tenant}`,
      `    role: ${e.role}`,
      ...(e.expires ? [`    expires: ${e.expires}`] : []),
    ]),
    'clients:',
    '  - commonName: ci-runner',
    '    tenant: team-a',
    '    role: submitter',
    'quotas:',
    '  "*": { concurrentStudies: 3, trialsPerStudy: 50 }',
    '  team-b: { datasetBytes: 400000 }',
    '  ops: { concurrentStudies: 1 }',
    'rateLimits:',
    '  createStudy: 5',
  ].join('\n');
  writeFileSync(file, `${yaml}\n`);
  return file;
}

const code = (err: unknown) => (err as grpc.ServiceError).code;
const expectCode = async (p: Promise<unknown>, expected: grpc.status, what: string) => {
  await assert.rejects(p, (err: unknown) => {
    assert.equal(
      code(err),
      expected,
      `${what}: got ${grpc.status[code(err)]} (${(err as grpc.ServiceError).details})`,
    );
    return true;
  });
};

describe('API security: TLS, tokens, tenants', () => {
  let certs: TestCerts;
  let cluster: Cluster;
  let dir: string;
  let auth: string;
  let tls: grpc.ChannelCredentials;
  const clients: StudyServiceClient[] = [];
  const as = (token?: string, credentials = tls) => {
    const c = cluster.connect({ credentials, token, host: 'localhost' });
    clients.push(c);
    return c;
  };

  before(async () => {
    certs = makeCerts();
    dir = tempDir('hpo-auth-');
    auth = authFile(dir);
    tls = grpc.credentials.createSsl(readFileSync(certs.ca));
    cluster = await Cluster.start({
      workers: 1,
      tls: { cert: certs.serverCert, key: certs.serverKey },
      authFile: auth,
      apiCredentials: tls,
      apiToken: TOKENS.aSubmitter,
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  it('refuses plaintext clients; the CLI connects with --tls --ca and a token', async () => {
    await expectCode(
      call(as(TOKENS.admin, grpc.credentials.createInsecure()), 'ListStudies', {}),
      grpc.status.UNAVAILABLE,
      'plaintext client',
    );
    const server = `localhost:${cluster.grpcPort}`;
    const ok = await runCli([
      'status',
      '--server',
      server,
      '--tls',
      '--ca',
      certs.ca,
      '--token',
      TOKENS.aSubmitter,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    const noCa = await runCli(['status', '--server', server, '--tls', '--token', TOKENS.aSubmitter]);
    assert.equal(noCa.code, 1);
    assert.match(noCa.stderr, /TLS: the server's certificate is not signed by a CA this client trusts/);
    assert.match(noCa.stderr, /hint: pass --ca/);
    const plain = await runCli(['status', '--server', server, '--token', TOKENS.aSubmitter]);
    assert.equal(plain.code, 1);
    assert.match(plain.stderr, /^error: cannot reach the coordinator/m);
    const half = await runCli([
      'status',
      '--server',
      server,
      '--tls',
      '--ca',
      certs.ca,
      '--cert',
      certs.clientCert,
    ]);
    assert.equal(half.code, 2, 'a client certificate without its key is a usage error');
    assert.match(half.stderr, /--cert and --key go together/);
  });

  it('answers no or bad credentials with UNAUTHENTICATED, one line and a hint, never echoing the token', async () => {
    await expectCode(call(as(undefined), 'ListStudies', {}), grpc.status.UNAUTHENTICATED, 'no token');
    await expectCode(call(as('nope-nope'), 'ListStudies', {}), grpc.status.UNAUTHENTICATED, 'bad token');
    await expectCode(
      call(as(TOKENS.expired), 'ListStudies', {}),
      grpc.status.UNAUTHENTICATED,
      'expired token',
    );
    const server = `localhost:${cluster.grpcPort}`;
    const r = await runCli(['status', '--server', server, '--tls', '--ca', certs.ca], {
      env: { HPO_TOKEN: 'not-the-right-token' },
    });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 2, r.stderr);
    assert.match(r.stderr, /^error: not authenticated: the token is not valid/m);
    assert.match(r.stderr, /^hint: pass --token TOKEN or set HPO_TOKEN/m);
    assert.doesNotMatch(r.stderr, /not-the-right-token/);
    assert.doesNotMatch(cluster.coordinator!.log, /not-the-right-token/, 'tokens are not logged');
  });

  it('keeps tenants apart: B can neither see nor touch A’s study; viewers cannot write; admins can', async () => {
    const a = as(TOKENS.aSubmitter);
    const spec = smallChurnSpec({ name: 'tenant-a', budget: { trials: 1, parallelism: 1 } });
    const hash = await uploadDataset(a, spec);
    await call(a, 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: hash, studyId: 'tenant-a' });
    await watch(a, 'tenant-a');

    const b = as(TOKENS.bSubmitter);
    const listed = await call<object, { studies: { studyId: string }[] }>(b, 'ListStudies', {});
    assert.deepEqual(listed.studies, [], 'B lists none of A’s studies');
    for (const [rpc, req] of [
      ['GetStudy', { studyId: 'tenant-a' }],
      ['CancelStudy', { studyId: 'tenant-a' }],
      ['ListTrials', { studyId: 'tenant-a' }],
      ['GetLeaderboard', { studyId: 'tenant-a' }],
    ] as const)
      await expectCode(call(b, rpc, req), grpc.status.NOT_FOUND, `B ${rpc}`);
    for (const rpc of ['WatchStudy', 'ExportModel', 'ExportEvents'] as const) {
      await expectCode(
        new Promise((resolve, reject) => {
          const s = (b as unknown as Record<string, (r: object) => grpc.ClientReadableStream<unknown>>)[rpc]!(
            {
              studyId: 'tenant-a',
            },
          );
          s.on('data', () => undefined);
          s.on('end', resolve);
          s.on('error', reject);
        }),
        grpc.status.NOT_FOUND,
        `B ${rpc}`,
      );
    }
    // B cannot use, or probe for, A's dataset either.
    assert.deepEqual(await call(b, 'HasDataset', { sha256: hash }), { exists: false });
    await expectCode(
      call(b, 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: hash }),
      grpc.status.NOT_FOUND,
      'B CreateStudy on A’s dataset',
    );
    // Ids are global: B cannot take A's id, and learns only that it is taken.
    const bHash = await uploadDataset(b, spec);
    assert.equal(bHash, hash, 'same bytes, uploaded again by B (who must prove they have them)');
    await expectCode(
      call(b, 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: hash, studyId: 'tenant-a' }),
      grpc.status.ALREADY_EXISTS,
      'B takes A’s id',
    );

    const viewer = as(TOKENS.aViewer);
    const seen = await call<object, { tenant: string; state: string }>(viewer, 'GetStudy', {
      studyId: 'tenant-a',
    });
    assert.equal(seen.tenant, 'team-a');
    await expectCode(
      call(viewer, 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: hash }),
      grpc.status.PERMISSION_DENIED,
      'viewer creates',
    );
    await expectCode(
      call(viewer, 'CancelStudy', { studyId: 'tenant-a' }),
      grpc.status.PERMISSION_DENIED,
      'viewer cancels',
    );

    const admin = as(TOKENS.admin);
    const all = await call<object, { studies: { studyId: string }[] }>(admin, 'ListStudies', {});
    assert.ok(
      all.studies.some((s) => s.studyId === 'tenant-a'),
      'an admin sees every tenant',
    );
    const events = await new Promise<unknown[]>((resolve, reject) => {
      const out: unknown[] = [];
      const s = admin.ExportEvents({ studyId: 'tenant-a' });
      s.on('data', (d) => out.push(d));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    assert.ok(events.length > 3);

    // Quotas: trials per study.
    await expectCode(
      call(a, 'CreateStudy', {
        spec: JSON.stringify(smallChurnSpec({ name: 'big', budget: { trials: 51, parallelism: 1 } })),
        datasetSha256: hash,
      }),
      grpc.status.RESOURCE_EXHAUSTED,
      'over the trials-per-study quota',
    );
  });

  it('answers hostile and malformed credentials with the right status, and keeps serving', async () => {
    const raw = (headers: [string, string | Buffer][]) =>
      new Promise<unknown>((resolve, reject) => {
        const client = as(undefined);
        const md = new grpc.Metadata();
        for (const [k, v] of headers) md.add(k, v);
        (
          client as unknown as {
            ListStudies: (r: object, m: grpc.Metadata, cb: (e: unknown, v: unknown) => void) => void;
          }
        ).ListStudies({}, md, (e, v) => (e ? reject(e) : resolve(v)));
      });
    const U = grpc.status.UNAUTHENTICATED;
    const cases: [string, [string, string | Buffer][], grpc.status | 'client'][] = [
      ['empty bearer', [['authorization', 'Bearer ']], U],
      ['bearer without a token', [['authorization', 'Bearer']], U],
      ['lower-case scheme', [['authorization', `bearer ${TOKENS.admin}`]], U],
      ['basic auth', [['authorization', 'Basic dXNlcjpwYXNz']], U],
      ['two spaces', [['authorization', `Bearer  ${TOKENS.admin}`]], U],
      ['token with a space', [['authorization', 'Bearer a b']], U],
      ['the token’s hash instead of the token', [['authorization', `Bearer ${sha(TOKENS.admin)}`]], U],
      ['a token of 5,000 characters', [['authorization', `Bearer ${'x'.repeat(5000)}`]], U],
      [
        'two authorization headers',
        [
          ['authorization', `Bearer ${TOKENS.admin}`],
          ['authorization', `Bearer ${TOKENS.admin}`],
        ],
        'client',
      ],
      ['an empty header', [['authorization', '']], U],
      ['a quote character', [['authorization', `Bearer "${TOKENS.admin}"`]], U],
      ['an expired token', [['authorization', `Bearer ${TOKENS.expired}`]], U],
      ['a token in another header', [['x-token', TOKENS.admin]], U],
      ['a binary header', [['authorization-bin', Buffer.from([0xff, 0xfe, 0x00])]], U],
      ['a prefix of a valid token', [['authorization', `Bearer ${TOKENS.admin.slice(0, -1)}`]], U],
      ['a valid token plus a suffix', [['authorization', `Bearer ${TOKENS.admin}x`]], U],
      ['a header of 1 MB', [['authorization', `Bearer ${'y'.repeat(1024 * 1024)}`]], 'client'],
      ['non-ASCII in the header', [['authorization', `Bearer tökén`]], 'client'],
    ];
    for (const [what, headers, expected] of cases) {
      try {
        await raw(headers);
        assert.fail(`${what}: accepted`);
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        const c = code(err);
        if (expected === 'client')
          // Refused before it reaches the handler: by the client library, or the server's header limit.
          assert.ok(
            c === U || c === grpc.status.INTERNAL || c === grpc.status.RESOURCE_EXHAUSTED || c === undefined,
            `${what}: ${grpc.status[c]} ${(err as Error).message}`,
          );
        else
          assert.equal(c, expected, `${what}: got ${grpc.status[c]} (${(err as grpc.ServiceError).details})`);
      }
    }
    // Another tenant's valid token reads nothing of A.
    await expectCode(
      call(as(TOKENS.bSubmitter), 'GetStudy', { studyId: 'tenant-a' }),
      grpc.status.NOT_FOUND,
      'other tenant',
    );
    // Still serving.
    const ok = await call<object, { studies: unknown[] }>(as(TOKENS.admin), 'ListStudies', {});
    assert.ok(ok.studies.length >= 1);
    assert.equal(cluster.coordinator!.proc.exitCode, null);
  });

  it('limits the rate of CreateStudy per caller with a clear RESOURCE_EXHAUSTED', async () => {
    const bob = as(TOKENS.bSubmitter);
    let limited: grpc.ServiceError | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      try {
        await call(bob, 'CreateStudy', { spec: 'name: x', datasetSha256: 'c'.repeat(64) });
      } catch (err) {
        if (code(err) === grpc.status.RESOURCE_EXHAUSTED) limited = err as grpc.ServiceError;
        else assert.equal(code(err), grpc.status.INVALID_ARGUMENT);
      }
    }
    assert.ok(limited, 'a burst over the limit is refused');
    assert.match(limited.details, /rate limit: at most 5 CreateStudy calls a minute for bob; retry in \d+ s/);
    // Other callers are not affected.
    await expectCode(
      call(as(TOKENS.aSubmitter), 'CreateStudy', { spec: 'name: x', datasetSha256: 'c'.repeat(64) }),
      grpc.status.INVALID_ARGUMENT,
      'another caller',
    );
  });

  it('holds tenants to their quotas: dataset bytes and studies running at once', async () => {
    // team-b may store 400 KB in all: one upload of 500 KB is over it, whatever it stores already.
    const bob = as(TOKENS.bSubmitter);
    const big = Buffer.alloc(500_000, 7);
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = bob.UploadDataset((e, r) => (e ? reject(e) : resolve(r)));
        s.write({
          sha256: createHash('sha256').update(big).digest('hex'),
          size: big.length,
          format: 'DATASET_FORMAT_CSV',
          data: big.subarray(0, 1000),
        });
        s.end();
      }),
      (err: unknown) =>
        code(err) === grpc.status.RESOURCE_EXHAUSTED &&
        /tenant team-b: this upload .* over its quota of 400000/.test((err as grpc.ServiceError).details),
    );
    // ops may run one study at a time.
    const admin = as(TOKENS.admin);
    const spec = smallChurnSpec({ name: 'one-at-a-time', budget: { trials: 40, parallelism: 1 } });
    const hash = await uploadDataset(admin, spec);
    await call(admin, 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: hash, studyId: 'ops-1' });
    await expectCode(
      call(admin, 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: hash, studyId: 'ops-2' }),
      grpc.status.RESOURCE_EXHAUSTED,
      'a second running study',
    );
    await call(admin, 'CancelStudy', { studyId: 'ops-1' });
    await call(admin, 'CreateStudy', {
      spec: JSON.stringify({ ...spec, budget: { trials: 1, parallelism: 1 } }),
      datasetSha256: hash,
      studyId: 'ops-2',
    });
    await watch(admin, 'ops-2');
  });

  it('revokes a token when the auth file changes, and keeps the last good file when a bad one replaces it', async () => {
    const bob = as(TOKENS.bSubmitter);
    await call(bob, 'ListStudies', {});
    writeFileSync(auth, readFileSync(authFile(tempDir('hpo-auth2-'), [TOKENS.bSubmitter])));
    await cluster.coordinator!.waitFor(/auth file reloaded/);
    await expectCode(call(bob, 'ListStudies', {}), grpc.status.UNAUTHENTICATED, 'revoked token');
    const before = cluster.coordinator!.log.length;
    writeFileSync(auth, 'tokens: [{ name: broken }]\n');
    await cluster.coordinator!.waitFor(/auth file not reloaded; the previous one stays in force/);
    assert.match(cluster.coordinator!.log.slice(before), /tokens\.0\.sha256/);
    await call(as(TOKENS.aSubmitter), 'ListStudies', {});
    // SIGHUP reloads too (and says so: the poll of the file may well come second).
    writeFileSync(auth, readFileSync(authFile(tempDir('hpo-auth3-'))));
    cluster.coordinator!.proc.kill('SIGHUP');
    await cluster.coordinator!.waitFor(/"why":"SIGHUP"[^\n]*auth file reloaded/);
    await call(as(TOKENS.bSubmitter), 'ListStudies', {});
  });

  it('with mutual TLS: refuses clients without a certificate, from another CA, expired or not yet valid', async () => {
    await cluster.coordinator!.kill('SIGTERM');
    const healthPort = await freePort();
    await cluster.startCoordinator({
      tls: { cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca },
      authFile: auth,
      args: ['--health-grpc', `127.0.0.1:${healthPort}`],
    });
    // Probes that cannot speak TLS (Kubernetes) ask the plaintext health-only listener.
    const probe = new grpc.Client(`127.0.0.1:${healthPort}`, grpc.credentials.createInsecure());
    const health = await new Promise<{ status: number }>((resolve, reject) =>
      probe.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (x: Buffer) => x,
        (b: Buffer) => ({ status: b.length >= 2 ? b[1]! : 0 }),
        Buffer.alloc(0),
        (e, v) => (e ? reject(e) : resolve(v!)),
      ),
    );
    probe.close();
    assert.equal(health.status, 1, 'SERVING');
    // It serves nothing else.
    const onHealthPort = new (grpc.makeGenericClientConstructor({}, 'x'))(
      `127.0.0.1:${healthPort}`,
      grpc.credentials.createInsecure(),
    );
    await expectCode(
      new Promise((resolve, reject) =>
        onHealthPort.makeUnaryRequest(
          '/hpo.v1.StudyService/ListStudies',
          (x: Buffer) => x,
          (b: Buffer) => b,
          Buffer.alloc(0),
          (e, v) => (e ? reject(e) : resolve(v)),
        ),
      ),
      grpc.status.UNIMPLEMENTED,
      'the API on the health listener',
    );
    onHealthPort.close();
    const ca = readFileSync(certs.ca);
    const withCert = (cert: string, key: string) =>
      grpc.credentials.createSsl(ca, readFileSync(key), readFileSync(cert));
    for (const [what, creds] of [
      ['no client certificate', tls],
      ['a certificate from another CA', withCert(certs.otherCaClientCert, certs.otherCaClientKey)],
      ['an expired certificate', withCert(certs.expiredClientCert, certs.datedClientKey)],
      ['a certificate not yet valid', withCert(certs.futureClientCert, certs.datedClientKey)],
    ] as const) {
      await expectCode(call(as(TOKENS.admin, creds), 'ListStudies', {}), grpc.status.UNAVAILABLE, what);
    }
    // The listed certificate is an identity of its own (team-a submitter), with no token.
    const cert = as(undefined, withCert(certs.clientCert, certs.clientKey));
    const { studies } = await call<object, { studies: { studyId: string }[] }>(cert, 'ListStudies', {});
    assert.ok(studies.some((s) => s.studyId === 'tenant-a'));
    const server = `localhost:${cluster.grpcPort}`;
    const cli = await runCli([
      'status',
      '--server',
      server,
      '--ca',
      certs.ca,
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientKey,
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const none = await runCli([
      'status',
      '--server',
      server,
      '--tls',
      '--ca',
      certs.ca,
      '--token',
      TOKENS.admin,
    ]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /TLS: the server wants a client certificate|cannot reach the coordinator/);
  });

  it('names a certificate for another host as the cause', async () => {
    await cluster.coordinator!.kill('SIGTERM');
    await cluster.startCoordinator({
      tls: { cert: certs.wrongHostCert, key: certs.wrongHostKey },
      authFile: auth,
    });
    const r = await runCli([
      'status',
      '--server',
      `localhost:${cluster.grpcPort}`,
      '--ca',
      certs.ca,
      '--token',
      TOKENS.admin,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TLS: the server's certificate is not for this host name/);
    assert.match(r.stderr, /hint: use the host name the certificate names/);
  });
});
