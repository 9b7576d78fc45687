/**
 * `hpo serve` benchmark (JSON on stdout; not a test): latency p50/p99 and throughput of
 * single-row and 1,000-row JSON requests, and 1,000-row CSV requests, over real HTTP on this
 * machine, against a model trained here on the churn example (same process, loopback).
 * Flags: --quick (fewer requests).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildServer } from '@hpo/cli/dist/commands/serve.js';
import { readCsvDataset } from '@hpo/core';
import { saveModel, trainModel } from '@hpo/trainer';
import { describeBackend, initBackend, loadModel } from '@hpo/trainer/predict';
import { quantileSorted } from 'simple-statistics';

const quick = process.argv.includes('--quick');
const churn = fileURLToPath(new URL('../../../examples/churn/churn.csv', import.meta.url));

async function main(): Promise<void> {
  const ds = readCsvDataset(churn, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } });
  const rows = Int32Array.from({ length: ds.labels.length }, (_, i) => i);
  const trained = await trainModel(ds, rows, { epochs: 5, layers: 2, units: 32 }, 1);
  const dir = mkdtempSync(join(tmpdir(), 'hpo-bench-serve-'));
  saveModel(dir, trained, { thresholds: { default: 0.5 } });
  const model = await loadModel(dir);
  const app = await buildServer(model, { maxRows: 10_000 });
  const backend = await initBackend();
  const address = await app.listen({ port: 0, host: '127.0.0.1' });

  // Request bodies from the churn CSV: row objects as a service would send them, and CSV text.
  const lines = readFileSync(churn, 'utf8').trim().split('\n');
  const names = lines[0]!.split(',');
  const objects = lines.slice(1, 1001).map((l) =>
    Object.fromEntries(
      l.split(',').map((v, j) => {
        const n = Number(v);
        return [names[j]!, v === '' ? null : Number.isFinite(n) ? n : v];
      }),
    ),
  );
  const bodies = {
    'json-1-row': { type: 'application/json', body: JSON.stringify([objects[0]]), rows: 1 },
    'json-1000-rows': { type: 'application/json', body: JSON.stringify(objects), rows: 1000 },
    'csv-1000-rows': { type: 'text/csv', body: `${lines.slice(0, 1001).join('\n')}\n`, rows: 1000 },
  };
  const counts = {
    'json-1-row': quick ? 200 : 1000,
    'json-1000-rows': quick ? 20 : 100,
    'csv-1000-rows': quick ? 20 : 100,
  };
  const out: Record<string, unknown> = {};
  for (const [name, b] of Object.entries(bodies)) {
    const send = async () => {
      const t0 = performance.now();
      const res = await fetch(`${address}/predict`, {
        method: 'POST',
        headers: { 'content-type': b.type },
        body: b.body,
      });
      if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      return performance.now() - t0;
    };
    for (let i = 0; i < Math.max(5, counts[name as keyof typeof counts] / 10); i++) await send(); // warm-up
    const ms: number[] = [];
    const started = performance.now();
    for (let i = 0; i < counts[name as keyof typeof counts]; i++) ms.push(await send());
    const seconds = (performance.now() - started) / 1000;
    ms.sort((a, z) => a - z);
    out[name] = {
      requests: ms.length,
      rowsPerRequest: b.rows,
      latencyMs: { p50: round(quantileSorted(ms, 0.5)), p99: round(quantileSorted(ms, 0.99)) },
      requestsPerSecond: round(ms.length / seconds),
      rowsPerSecond: round((ms.length * b.rows) / seconds),
    };
  }
  await app.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({ note: `one client, sequential requests over loopback HTTP; ${describeBackend(backend)}`, ...out }, null, 2)}\n`,
  );
}

const round = (v: number) => Math.round(v * 100) / 100;

await main();
