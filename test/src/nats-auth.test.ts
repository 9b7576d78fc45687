import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Cluster, call, ROOT, Service, smallChurnSpec, uploadDataset, watch } from '@hpo/testing/processes';

describe('NATS with client credentials', () => {
  it('services authenticate with NATS_USER / NATS_PASSWORD; wrong credentials fail clearly', async () => {
    const cluster = await Cluster.start({ workers: 1, auth: { user: 'hpo', password: 's3cret' } });
    try {
      const spec = smallChurnSpec({ name: 'auth', budget: { trials: 2, parallelism: 1 } });
      const hash = await uploadDataset(cluster.api(), spec);
      await call(cluster.api(), 'CreateStudy', {
        spec: JSON.stringify(spec),
        datasetSha256: hash,
        studyId: 'auth',
      });
      await watch(cluster.api(), 'auth');
      const s = await call<object, { state: string }>(cluster.api(), 'GetStudy', { studyId: 'auth' });
      assert.equal(s.state, 'finished');

      const intruder = new Service(
        spawn(
          process.execPath,
          [
            join(ROOT, 'services/coordinator/dist/main.js'),
            '--nats',
            cluster.nats.url,
            '--grpc',
            '127.0.0.1:0',
            '--metrics-port',
            '0',
          ],
          {
            env: cluster.env({ NATS_PASSWORD: 'wrong' }),
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        ),
      );
      assert.equal(await intruder.exited, 1);
      assert.match(intruder.log, /AUTHORIZATION_VIOLATION|Authorization Violation|authorization/i);

      const half = new Service(
        spawn(process.execPath, [join(ROOT, 'services/worker/dist/main.js'), '--nats', cluster.nats.url], {
          env: { ...process.env, NATS_USER: 'hpo', NATS_PASSWORD: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      assert.equal(await half.exited, 2);
      assert.match(half.log, /NATS_USER and NATS_PASSWORD must be set together/);
    } finally {
      await cluster.stop();
    }
  });
});
