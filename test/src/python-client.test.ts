/**
 * The Python client of examples/python-client (stubs generated from the .proto alone) uploads
 * the bundled churn CSV as it is, with a token, and gets the same trials and metrics as
 * `hpo submit` of the same spec and seed. Optional: it needs a Python with grpcio and
 * grpcio-tools (HPO_PYTHON, else python3); without one it is skipped, and says why.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CHURN,
  Cluster,
  call,
  ROOT,
  runCli,
  smallChurnSpec,
  tempDir,
  writeStudy,
} from '@hpo/testing/processes';

const PYTHON = process.env.HPO_PYTHON ?? 'python3';
const probe = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools'], { encoding: 'utf8' });
// Python peers are optional (tests never need Python): skipped, with the reason, without grpcio.
const skip =
  probe.status === 0
    ? false
    : `no grpcio/grpcio-tools in ${PYTHON} (set HPO_PYTHON; see examples/python-client)`;

interface TrialMsg {
  number: number;
  paramsJson: string;
  value?: number;
  metrics: Record<string, { mean: number }>;
}

describe('Python client (examples/python-client)', () => {
  it('uploads the churn CSV as it is and gets the trials and metrics of `hpo submit`', { skip }, async () => {
    const dir = tempDir('hpo-py-');
    const token = 'python-client-token-1';
    const authFile = join(dir, 'auth.yaml');
    writeFileSync(
      authFile,
      `tokens:\n  - { name: py, sha256: ${createHash('sha256').update(token).digest('hex')}, tenant: t, role: submitter }\n`,
    );
    const cluster = await Cluster.start({ workers: 1, threads: 2, authFile, apiToken: token });
    try {
      const spec = smallChurnSpec({ name: 'py', budget: { trials: 3, parallelism: 1 } });
      const specFile = join(dir, 'spec.json');
      writeFileSync(specFile, JSON.stringify(spec));
      const server = `127.0.0.1:${cluster.grpcPort}`;
      const py = spawnSync(
        PYTHON,
        [
          join(ROOT, 'examples/python-client/client.py'),
          CHURN,
          specFile,
          '--server',
          server,
          '--id',
          'py',
          '--json',
        ],
        { encoding: 'utf8', env: { ...process.env, HPO_TOKEN: token }, timeout: 300_000 },
      );
      assert.equal(py.status, 0, py.stderr);
      const fromPython = JSON.parse(py.stdout) as { state: string; dataset_sha256: string };
      assert.equal(fromPython.state, 'finished');
      const { file } = writeStudy(spec);
      const cli = await runCli(['submit', file, '--id', 'cli', '--wait', '--quiet', '--server', server], {
        env: { HPO_TOKEN: token },
      });
      assert.equal(cli.code, 0, cli.stderr);
      const api = cluster.api();
      const cliStudy = await call<object, { datasetSha256: string }>(api, 'GetStudy', { studyId: 'cli' });
      assert.equal(fromPython.dataset_sha256, cliStudy.datasetSha256, 'the same canonical dataset');
      const trials = async (id: string) =>
        (await call<object, { trials: TrialMsg[] }>(api, 'ListTrials', { studyId: id })).trials;
      const [a, b] = [await trials('py'), await trials('cli')];
      assert.deepEqual(
        a.map((t) => t.paramsJson),
        b.map((t) => t.paramsJson),
      );
      for (const [i, t] of a.entries())
        for (const m of ['rocAuc', 'prAuc', 'f1'])
          assert.ok(Math.abs(t.metrics[m]!.mean - b[i]!.metrics[m]!.mean) < 1e-9, `trial ${i} ${m}`);
    } finally {
      await cluster.stop();
    }
  });
});
