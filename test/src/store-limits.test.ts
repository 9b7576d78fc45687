/**
 * Store limits against a real nats-server: every stream and bucket a coordinator creates gets
 * the bound STORE_LIMITS gives it for --store-max-mb, and tightening the limits of a stream that
 * already holds more never drops what it holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUCKETS,
  DEFAULT_QUEUE,
  ensureInfrastructure,
  kvStream,
  objStream,
  STORE_LIMITS,
  STREAMS,
  SUBJECTS,
  streamLimits,
} from '@hpo/protocol';
import { Cluster, NatsServer, until } from '@hpo/testing/processes';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, nanos } from '@nats-io/transport-node';

describe('store limits', () => {
  it('a coordinator bounds every stream and bucket it creates by its share of --store-max-mb', async () => {
    const cluster = await Cluster.start({ workers: 0, coordinatorArgs: ['--store-max-mb', '512'] });
    const nc = await connect({ servers: cluster.nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const names: string[] = [];
      for await (const s of jsm.streams.list()) names.push(s.config.name);
      const expected = [
        ...Object.values(STREAMS),
        ...[BUCKETS.studies, BUCKETS.keys, BUCKETS.tenants, BUCKETS.lease].map(kvStream),
        ...[BUCKETS.datasets, BUCKETS.uploads, BUCKETS.models].map(objStream),
      ];
      assert.deepEqual([...names].sort(), [...expected].sort(), 'the streams a coordinator creates');
      assert.deepEqual(
        Object.keys(STORE_LIMITS).sort(),
        [...expected].sort(),
        'each has a limit, none extra',
      );
      for (const name of names) {
        const { config } = await jsm.streams.info(name);
        const want = streamLimits(name, 512);
        assert.equal(config.max_bytes, want.max_bytes, `${name} max_bytes`);
        assert.equal(config.discard, want.discard, `${name} discard`);
        // The lease's age is the lease time (6 s in tests), the others' from the table.
        assert.equal(
          config.max_age,
          name === kvStream(BUCKETS.lease) ? nanos(6000) : want.max_age,
          `${name} max_age`,
        );
      }
      // The holder's lease time is the bucket's age: a coordinator with another one sets it once it
      // holds the lease (the dedupe window shrinks with it).
      await cluster.coordinator!.kill('SIGTERM');
      await cluster.startCoordinator({ leaseSeconds: 4, args: ['--store-max-mb', '512'] });
      await until(
        'the lease bucket aged 4 s',
        async () => {
          const { config } = await jsm.streams.info(kvStream(BUCKETS.lease));
          return config.max_age === nanos(4000);
        },
        60_000,
      );
    } finally {
      await nc.close();
      await cluster.stop();
    }
  });

  it('tightening the limits of a stream that holds more keeps every message (NATS would drop the oldest)', async () => {
    const server = await NatsServer.start();
    const nc = await connect({ servers: server.url });
    try {
      const jsm = await jetstreamManager(nc);
      // An older version's streams, unbounded, then 2 MiB of events.
      await jsm.streams.add({ name: STREAMS.events, subjects: [SUBJECTS.eventsAll] });
      const js = jetstream(nc);
      const chunk = new Uint8Array(100 * 1024);
      for (let i = 0; i < 20; i++) await js.publish(SUBJECTS.events('old'), chunk);
      // A 10 MiB budget gives events 1 MiB: below what the stream holds.
      const notes = await ensureInfrastructure(nc, jsm, { ...DEFAULT_QUEUE, storeMaxMb: 10 });
      const events = await jsm.streams.info(STREAMS.events);
      assert.equal(events.state.messages, 20, 'no event dropped');
      assert.equal(events.config.max_bytes, -1, 'the bound stays as it was');
      assert.deepEqual(
        notes.map((h) => h.stream),
        [STREAMS.events],
        'and the coordinator is told, to log it',
      );
      // A stream within its share gets it.
      const results = await jsm.streams.info(STREAMS.results);
      assert.equal(results.config.max_bytes, streamLimits(STREAMS.results, 10).max_bytes);
    } finally {
      await nc.close();
      await server.stop();
    }
  });
});
