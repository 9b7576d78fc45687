import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('fills defaults', () => {
    const c = loadConfig([], {})!;
    assert.deepEqual(c.natsUrl, ['nats://127.0.0.1:4222']);
    assert.equal(c.ackWaitSeconds, 30);
    assert.equal(c.maxDeliver, 3);
    assert.equal(c.graceSeconds, 600);
    assert.equal(c.metricsPort, 9465);
    assert.ok(c.threads >= 1);
    assert.match(c.name, /-\d+$/);
  });

  it('lets flags override the environment', () => {
    const env = { NATS_URL: 'nats://a:1,nats://b:2', HPO_WORKER_THREADS: '3', HPO_ACK_WAIT_SECONDS: '9' };
    const c = loadConfig(['--threads', '5', '--grace', '0.5', '--metrics-port', '0'], env)!;
    assert.deepEqual(c.natsUrl, ['nats://a:1', 'nats://b:2']);
    assert.equal(c.threads, 5);
    assert.equal(c.ackWaitSeconds, 9);
    assert.equal(c.graceSeconds, 0.5);
    assert.equal(c.metricsPort, 0);
  });

  it('returns undefined for --help', () => {
    assert.equal(loadConfig(['--help'], {}), undefined);
  });

  for (const [args, env, source] of [
    [['--threads', '1.5'], {}, '--threads'],
    [[], { HPO_WORKER_THREADS: '0' }, 'HPO_WORKER_THREADS'],
    [[], { HPO_ACK_WAIT_SECONDS: 'soon' }, 'HPO_ACK_WAIT_SECONDS'],
    [['--max-deliver', '0'], {}, '--max-deliver'],
    [[], { HPO_SHUTDOWN_GRACE_SECONDS: '-1' }, 'HPO_SHUTDOWN_GRACE_SECONDS'],
    [[], { HPO_METRICS_PORT: '65536' }, 'HPO_METRICS_PORT'],
    [['--name', 'has space'], {}, '--name'],
    [['--nats', 'localhost'], {}, '--nats'],
    [[], { HPO_LOG_LEVEL: 'loud' }, 'HPO_LOG_LEVEL'],
    [['positional'], {}, 'arguments'],
  ] as const) {
    it(`rejects a bad ${source}`, () => {
      assert.throws(
        () => loadConfig([...args], { ...env }),
        (err: unknown) => err instanceof ConfigError && err.source === source && !err.message.includes('\n'),
      );
    });
  }
});
