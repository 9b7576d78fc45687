import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, USAGE } from './config.js';

describe('coordinator configuration', () => {
  it('has defaults, and flags beat environment variables', () => {
    const c = loadConfig([], {})!;
    assert.deepEqual(c.natsUrls, ['nats://127.0.0.1:4222']);
    assert.equal(c.grpcAddress, '127.0.0.1:50051', 'loopback unless told otherwise');
    assert.equal(c.tls, undefined);
    assert.equal(c.authFile, undefined);
    assert.equal(c.streamReplicas, 1);
    assert.deepEqual(c.natsAuth, {});
    const env = { NATS_URL: 'nats://a:4222', HPO_CAPACITY: '7', HPO_STREAM_REPLICAS: '3' };
    assert.deepEqual(loadConfig([], env)!.natsUrls, ['nats://a:4222']);
    assert.deepEqual(loadConfig(['--nats', 'nats://b:4222'], env)!.natsUrls, ['nats://b:4222']);
    assert.equal(loadConfig([], env)!.capacity, 7);
    assert.equal(loadConfig([], env)!.streamReplicas, 3);
  });

  it('names the flag and variable of a bad value', () => {
    assert.throws(
      () => loadConfig(['--capacity', 'lots'], {}),
      (e: unknown) => e instanceof ConfigError && /--capacity must be an integer/.test(e.message),
    );
    assert.throws(
      () => loadConfig([], { HPO_MAX_UPLOAD_MB: '0' }),
      /HPO_MAX_UPLOAD_MB \(--max-upload-mb\) must be an integer in \[1, 65536\]/,
    );
    assert.throws(() => loadConfig([], { HPO_STREAM_REPLICAS: '9' }), /HPO_STREAM_REPLICAS .* \[1, 5\]/);
    assert.throws(() => loadConfig(['--grpc', 'nowhere'], {}), /--grpc must be host:port/);
    assert.throws(
      () => loadConfig(['--nats', 'http://x'], {}),
      /--nats must be a URL like nats:\/\/host:4222/,
    );
    // The same rules as the worker's: a fractional ack wait is fine, host:port is a NATS address.
    assert.equal(loadConfig(['--ack-wait', '2.5'], {})!.ackWaitSeconds, 2.5);
    assert.deepEqual(loadConfig([], { NATS_URL: 'nats:4222' })!.natsUrls, ['nats:4222']);
    assert.throws(
      () => loadConfig([], { HPO_ACK_WAIT_SECONDS: 'soon' }),
      (e: unknown) => e instanceof ConfigError && e.source === 'HPO_ACK_WAIT_SECONDS',
    );
    assert.throws(() => loadConfig(['--bogus', '1'], {}), /Unknown option '--bogus'/);
  });

  it('store limits, retention and the lease: defaults, fractions of days, and an upload limit that must fit the store', () => {
    const c = loadConfig([], {})!;
    assert.equal(c.storeMaxMb, 4096);
    assert.equal(c.retainDays, 30);
    assert.equal(c.leaseSeconds, 15);
    assert.equal(loadConfig(['--retain-days', '0.5'], {})!.retainDays, 0.5);
    assert.throws(
      () => loadConfig([], { HPO_RETAIN_DAYS: '-1' }),
      /HPO_RETAIN_DAYS \(--retain-days\) must be a number of days/,
    );
    assert.throws(
      () => loadConfig(['--lease-seconds', '1'], {}),
      /--lease-seconds must be an integer in \[3, 3600\]/,
    );
    // Uploads get a fifth of the store: 1,000 MiB of uploads needs more than 4,096 MiB of store.
    assert.throws(
      () => loadConfig(['--max-upload-mb', '1000'], {}),
      (e: unknown) =>
        e instanceof ConfigError &&
        /--max-upload-mb 1000 is more than the uploads bucket's share of --store-max-mb 4096 \(819 MiB\)/.test(
          e.message,
        ),
    );
    assert.equal(
      loadConfig(['--max-upload-mb', '1000', '--store-max-mb', '8192'], {})!.maxUploadBytes,
      1000 * 1024 * 1024,
    );
  });

  it('listens beyond loopback only with TLS and an auth file, or with --insecure', () => {
    const open = ['--grpc', '0.0.0.0:50051'];
    assert.throws(
      () => loadConfig(open, {}),
      (e: unknown) =>
        e instanceof ConfigError &&
        /without TLS \(--tls-cert, --tls-key\) and an auth file \(--auth-file\)/.test(e.message) &&
        /--insecure/.test(e.message),
    );
    assert.throws(
      () => loadConfig([...open, '--tls-cert', 'c.pem', '--tls-key', 'k.pem'], {}),
      /without an auth file \(--auth-file\)/,
    );
    const tls = loadConfig(
      [...open, '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--auth-file', 'a.yaml'],
      {},
    )!;
    assert.deepEqual(tls.tls, { cert: 'c.pem', key: 'k.pem', clientCa: undefined });
    assert.equal(loadConfig([...open, '--insecure'], {})!.insecure, true);
    assert.equal(loadConfig(open, { HPO_INSECURE: 'true' })!.insecure, true);
    assert.equal(loadConfig(['--grpc', 'localhost:1'], {})!.insecure, false);
    assert.throws(() => loadConfig(['--tls-cert', 'c.pem'], {}), /--tls-cert and --tls-key .* go together/);
    assert.throws(() => loadConfig(['--tls-client-ca', 'ca.pem'], {}), /--tls-client-ca needs TLS/);
    assert.throws(
      () => loadConfig([], { HPO_INSECURE: 'maybe' }),
      /HPO_INSECURE \(--insecure\) must be true or false/,
    );
  });

  it('reads NATS credentials from the environment only, and rejects half of a pair', () => {
    assert.deepEqual(loadConfig([], { NATS_USER: 'u', NATS_PASSWORD: 'p' })!.natsAuth, {
      user: 'u',
      pass: 'p',
    });
    assert.deepEqual(loadConfig([], { NATS_TOKEN: 't' })!.natsAuth, { token: 't' });
    assert.throws(
      () => loadConfig([], { NATS_USER: 'u' }),
      /NATS_USER and NATS_PASSWORD must be set together/,
    );
    assert.throws(
      () => loadConfig([], { NATS_TOKEN: 't', NATS_USER: 'u', NATS_PASSWORD: 'p' }),
      /either NATS_TOKEN or NATS_USER/,
    );
  });

  it('documents every flag and variable in --help', () => {
    assert.equal(loadConfig(['--help'], {}), undefined);
    assert.equal(loadConfig(['-h'], {}), undefined);
    for (const name of [
      'NATS_URL',
      'HPO_GRPC_ADDRESS',
      'HPO_CAPACITY',
      'HPO_STREAM_REPLICAS',
      '--max-deliver',
      'NATS_TOKEN',
    ]) {
      assert.ok(USAGE.includes(name), name);
    }
  });
});
