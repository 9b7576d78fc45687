/**
 * TensorFlow.js loads only where training or prediction happens: the CLI's help and remote
 * commands, the coordinator, protocol and admission never load any `@tensorflow/*` module. Each
 * case runs in a fresh process with module resolution traced.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ROOT, tempDir } from '@hpo/testing/processes';

const REGISTER = fileURLToPath(new URL('./load-trace/register.js', import.meta.url));
const CLI = join(ROOT, 'packages/cli/dist/main.js');

/** The module URLs a node process resolved while running `args`. */
function traced(args: string[]): { urls: string[]; stderr: string; status: number | null } {
  const trace = join(tempDir('hpo-trace-'), 'modules.txt');
  writeFileSync(trace, '');
  const r = spawnSync(process.execPath, ['--import', REGISTER, ...args], {
    cwd: ROOT,
    env: { ...process.env, HPO_LOAD_TRACE: trace, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    urls: readFileSync(trace, 'utf8').split('\n').filter(Boolean),
    stderr: r.stderr,
    status: r.status,
  };
}

const tfjs = (urls: string[]) => urls.filter((u) => u.includes('/@tensorflow/'));
const importing = (...modules: string[]) => [
  '--input-type=module',
  '-e',
  modules.map((m) => `await import(${JSON.stringify(m)});`).join('\n'),
];

describe('no TensorFlow.js outside training', () => {
  it('the trace sees tfjs when the trainer is imported (the check can fail)', () => {
    const { urls, status } = traced(importing('@hpo/trainer'));
    assert.equal(status, 0);
    assert.ok(tfjs(urls).length > 0, 'importing @hpo/trainer loads @tensorflow/tfjs');
  });

  it('the predict library (@hpo/trainer/predict) loads no orchestrator, gRPC or NATS', () => {
    const { urls, status, stderr } = traced(importing('@hpo/trainer/predict'));
    assert.equal(status, 0, stderr);
    assert.ok(
      urls.some((u) => u.includes('/trainer/dist/predict-api.js')),
      'the entry was traced',
    );
    const heavy = urls.filter((u) => /\/(@grpc|@nats-io|orchestrator|protocol|fastify)\//.test(u));
    assert.deepEqual(heavy, []);
  });

  it('hpo --help and a remote command against an unreachable server load no tfjs', () => {
    const help = traced([CLI, '--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.deepEqual(tfjs(help.urls), []);
    const remote = traced([CLI, 'status', '--server', '127.0.0.1:1']);
    assert.equal(remote.status, 1);
    assert.match(remote.stderr, /cannot reach the coordinator/);
    assert.ok(
      remote.urls.some((u) => u.includes('/@grpc/grpc-js/')),
      'the remote path was taken',
    );
    assert.deepEqual(tfjs(remote.urls), []);
    assert.doesNotMatch(remote.stderr, /tensorflow|tfjs-node/i);
  });

  it("the CLI's remote, submit, report and params modules load no tfjs", () => {
    const modules = ['remote', 'submit', 'report', 'watch', 'params'].map((c) =>
      join(ROOT, `packages/cli/dist/commands/${c}.js`),
    );
    const { urls, status, stderr } = traced(importing(...modules.map((m) => `file://${m}`)));
    assert.equal(status, 0, stderr);
    assert.ok(
      urls.some((u) => u.includes('/orchestrator/')),
      'submit brought in the orchestrator (admission)',
    );
    assert.deepEqual(tfjs(urls), []);
  });

  it('the coordinator, the protocol and the orchestrator load no tfjs', () => {
    const { urls, status, stderr } = traced(
      importing(
        `file://${join(ROOT, 'services/coordinator/dist/server.js')}`,
        '@hpo/protocol',
        '@hpo/orchestrator',
      ),
    );
    assert.equal(status, 0, stderr);
    assert.deepEqual(tfjs(urls), []);
  });
});
