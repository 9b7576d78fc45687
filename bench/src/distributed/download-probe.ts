/**
 * One dataset download into a fresh cache directory, in its own process (so its RSS says what
 * this download cost, not what an earlier one left committed). Prints {"peakGrowthMiB": n}.
 * Usage: node download-probe.js <nats-url> <sha256> streamed|whole
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '@hpo/core';
import { BUCKETS, objectStoreSource } from '@hpo/protocol';
import { tempDir } from '@hpo/testing/processes';
import { DatasetCache } from '@hpo/worker/dist/dataset-cache.js';
import { jetstream } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';

const [url, hash, variant] = process.argv.slice(2);
const nc = await connect({ servers: url });
const store = await new Objm(nc).open(BUCKETS.datasets);
const base = process.memoryUsage.rss();
let peak = base;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 5);
if (variant === 'streamed') {
  await new DatasetCache(tempDir('hpo-cache-bench-'), async () =>
    objectStoreSource(jetstream(nc), store, BUCKETS.datasets),
  ).get(hash!);
} else {
  const bytes = (await store.getBlob(hash!))!;
  if (sha256Hex(bytes) !== hash) throw new Error('bad blob');
  writeFileSync(join(tempDir('hpo-cache-bench-'), `${hash}.bin`), bytes);
}
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage.rss());
await nc.close();
process.stdout.write(`${JSON.stringify({ peakGrowthMiB: Math.round((peak - base) / 1024 / 1024) })}\n`);
