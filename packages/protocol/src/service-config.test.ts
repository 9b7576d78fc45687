import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, natsUrls, readSettings, SHARED_SETTINGS, settingsHelp } from './service-config.js';

describe('service settings', () => {
  it('reads flags over environment over defaults, with one rule per setting', () => {
    const v = readSettings(SHARED_SETTINGS, ['--max-deliver', '5'], {
      HPO_MAX_DELIVER: '4',
      HPO_ACK_WAIT_SECONDS: '2.5',
    })!;
    assert.equal(v['max-deliver'], 5);
    assert.equal(v['ack-wait'], 2.5);
    assert.deepEqual(v.nats, ['nats://127.0.0.1:4222']);
    assert.equal(v['log-level'], 'info');
    assert.equal(readSettings(SHARED_SETTINGS, ['-h'], {}), undefined);
  });

  it('names where a bad value came from and what was expected', () => {
    const fails = (argv: string[], env: Record<string, string>, source: string, message: RegExp) =>
      assert.throws(
        () => readSettings(SHARED_SETTINGS, argv, env),
        (e: unknown) => e instanceof ConfigError && e.source === source && message.test(e.message),
      );
    fails(
      [],
      { HPO_ACK_WAIT_SECONDS: '0' },
      'HPO_ACK_WAIT_SECONDS',
      /^HPO_ACK_WAIT_SECONDS \(--ack-wait\) must be a number of seconds in \[1, 86400\], got "0"$/,
    );
    fails(['--stream-replicas', '9'], {}, '--stream-replicas', /must be an integer in \[1, 5\]/);
    fails(['--log-level', 'loud'], {}, '--log-level', /must be one of trace, debug/);
    fails(['--nope', 'x'], {}, 'arguments', /Unknown option '--nope'; flags: --nats/);
    fails(['positional'], {}, 'arguments', /positional/);
  });

  it('accepts NATS URLs and host:port, comma-separated, and nothing else', () => {
    assert.deepEqual(natsUrls('nats://a:4222, tls://b:4223,c:4222'), [
      'nats://a:4222',
      'tls://b:4223',
      'c:4222',
    ]);
    for (const bad of ['', 'localhost', 'http://x:1', 'nats://a b:1'])
      assert.throws(() => natsUrls(bad), bad);
  });

  it('documents every setting with its variable and default', () => {
    const help = settingsHelp(SHARED_SETTINGS);
    for (const s of Object.values(SHARED_SETTINGS)) assert.ok(help.includes(s.env), s.env);
    assert.match(help, /--ack-wait <s> +HPO_ACK_WAIT_SECONDS +.*\(default 30\)/);
  });
});
