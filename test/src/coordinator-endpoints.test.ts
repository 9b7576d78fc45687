import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Cluster, call, freePort, smallChurnSpec, uploadDataset, watch } from '@hpo/testing/processes';

const require = createRequire(import.meta.url);

function loadProto(file: string, includeDir: string): grpc.GrpcObject {
  return grpc.loadPackageDefinition(
    protoLoader.loadSync(file, { includeDirs: [includeDir], keepCase: true, defaults: true, enums: String }),
  );
}

describe('coordinator: health, reflection and metrics endpoints', () => {
  it('serves the gRPC health service, server reflection, and Prometheus metrics', async () => {
    const metricsPort = await freePort();
    const c = await Cluster.start({ workers: 1 });
    try {
      await c.coordinator!.kill('SIGKILL');
      await c.startCoordinator({ metricsPort });
      const address = `127.0.0.1:${c.grpcPort}`;

      const healthDir = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
      const health = loadProto('health/v1/health.proto', healthDir) as unknown as {
        grpc: {
          health: {
            v1: { Health: new (a: string, c: grpc.ChannelCredentials) => grpc.Client & { Check: Function } };
          };
        };
      };
      const client = new health.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
      for (const service of ['', 'hpo.v1.StudyService']) {
        const res = await new Promise<{ status: string }>((resolve, reject) =>
          client.Check({ service }, (err: Error | null, r: { status: string }) =>
            err ? reject(err) : resolve(r),
          ),
        );
        assert.equal(res.status, 'SERVING', `health of '${service}'`);
      }
      client.close();

      const reflectionDir = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto');
      const reflection = loadProto('grpc/reflection/v1/reflection.proto', reflectionDir) as unknown as {
        grpc: {
          reflection: {
            v1: {
              ServerReflection: new (
                a: string,
                c: grpc.ChannelCredentials,
              ) => grpc.Client & { ServerReflectionInfo: Function };
            };
          };
        };
      };
      const rc = new reflection.grpc.reflection.v1.ServerReflection(
        address,
        grpc.credentials.createInsecure(),
      );
      const services = await new Promise<string[]>((resolve, reject) => {
        const stream = rc.ServerReflectionInfo();
        stream.on('data', (r: { list_services_response?: { service: { name: string }[] } }) => {
          resolve((r.list_services_response?.service ?? []).map((s) => s.name));
          stream.end();
        });
        stream.on('error', reject);
        stream.write({ list_services: '' });
      });
      rc.close();
      assert.ok(services.includes('hpo.v1.StudyService'), `reflection lists ${services}`);

      // Run a small study so the histograms have samples, then scrape.
      const spec = smallChurnSpec({ name: 'metrics', budget: { trials: 1, parallelism: 1 } });
      const hash = await uploadDataset(c.api(), spec);
      await call(c.api(), 'CreateStudy', {
        spec: JSON.stringify(spec),
        datasetSha256: hash,
        studyId: 'metrics',
      });
      await watch(c.api(), 'metrics');
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      assert.match(text, /^hpo_coordinator_tasks_in_flight 0$/m);
      assert.match(text, /^hpo_fold_duration_seconds_count [1-9]\d*$/m);
      assert.match(text, /^hpo_task_queue_pending 0$/m);
      assert.match(text, /^hpo_studies\{state="finished"\} 1$/m);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/nothing`)).status, 404);
    } finally {
      await c.stop();
    }
  });
});
