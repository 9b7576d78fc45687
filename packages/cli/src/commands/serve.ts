/**
 * `hpo serve`: a saved model behind an HTTP JSON endpoint (fastify).
 *
 * - `POST /predict`: a JSON array of row objects (or `{ "rows": [...] }`), or CSV text
 *   (`Content-Type: text/csv`, header first). Answers `{ threshold, rule, predictions:
 *   [{ probability, label }] }` in row order. A bad row is a 400 naming the row (from 1) and the
 *   field; a body over the size limit is a 413; more rows than `--max-rows` a 413 too.
 * - `GET /healthz`: the model it serves and its backend.
 * - `GET /metrics`: Prometheus metrics (requests by route and status, latency, rows predicted).
 */
import { DatasetError, HpoError, parseCsvTable } from '@hpo/core';
import { isLoopback } from '@hpo/protocol/grpc';
import {
  describeBackend,
  initBackend,
  type LoadedModel,
  loadModel,
  predict,
  predictTable,
  resolveThreshold,
} from '@hpo/trainer/predict';
import Fastify, { type FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { UsageError } from '../errors.js';
import { parseThreshold } from './predict.js';

export interface ServeOptions {
  model: string;
  port?: number;
  host?: string;
  threshold?: string;
  /** Request body limit in MiB. */
  maxBodyMb?: number;
  /** Most rows one request may carry. */
  maxRows?: number;
}

export const DEFAULT_MAX_BODY_MB = 8;
export const DEFAULT_MAX_ROWS = 100_000;

/** Builds the server (not listening): the command and the tests use it. */
export async function buildServer(
  model: LoadedModel,
  opts: { threshold?: string; maxBodyMb?: number; maxRows?: number } = {},
): Promise<FastifyInstance> {
  let resolved: { threshold: number; source: string };
  try {
    resolved = resolveThreshold(model, parseThreshold(opts.threshold));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--threshold ${opts.threshold}: ${(err as Error).message}`);
  }
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'hpo_serve_requests_total',
    help: 'Requests by route and HTTP status',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'hpo_serve_request_duration_seconds',
    help: 'Time from request to reply (seconds), by route',
    labelNames: ['route'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const rowsPredicted = new Counter({
    name: 'hpo_serve_rows_predicted_total',
    help: 'Rows predicted',
    registers: [registry],
  });

  const app = Fastify({ bodyLimit: Math.round((opts.maxBodyMb ?? DEFAULT_MAX_BODY_MB) * 1024 * 1024) });
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    requests.inc({ route, status: String(reply.statusCode) });
    latency.observe({ route }, reply.elapsedTime / 1000);
  });
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof DatasetError) {
      return reply.code(400).send({
        error: err.message,
        ...(err.row !== undefined ? { row: err.row } : {}),
        ...(err.column !== undefined ? { field: err.column } : {}),
        ...(err.hint ? { hint: err.hint } : {}),
      });
    }
    if (err instanceof HpoError && err.kind === 'resource_exhausted')
      return reply.code(413).send({ error: err.message });
    const status = (err as { statusCode?: number }).statusCode;
    const message = err instanceof Error ? err.message : String(err);
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: message });
    return reply.code(500).send({ error: `internal error: ${message}` });
  });

  app.post('/predict', async (req) => {
    const body = req.body;
    let predictions: { probability: number; label: string }[];
    if (typeof body === 'string') {
      const table = parseCsvTable(body, model.csv ?? {}, 'request');
      tooMany(table.rows.length, maxRows);
      const p = predictTable(model, table, resolved.threshold, 'request');
      predictions = Array.from(p.probability, (probability, i) => ({ probability, label: p.label[i]! }));
    } else {
      const rows = Array.isArray(body) ? body : (body as { rows?: unknown })?.rows;
      if (!Array.isArray(rows))
        throw new DatasetError('expected a JSON array of row objects, or { "rows": [...] }, or CSV text');
      tooMany(rows.length, maxRows);
      rows.forEach((r, i) => {
        if (r === null || typeof r !== 'object' || Array.isArray(r))
          throw new DatasetError(
            `expected an object of field values, got ${String(JSON.stringify(r)).slice(0, 60)}`,
            {
              file: 'rows',
              row: i + 1,
            },
          );
      });
      predictions = predict(model, rows as Record<string, unknown>[], { threshold: resolved.threshold });
    }
    rowsPredicted.inc(predictions.length);
    return { threshold: resolved.threshold, rule: resolved.source, predictions };
  });
  const backend = await initBackend();
  app.get('/healthz', async () => ({
    status: 'ok',
    model: {
      study: model.metadata.study ?? null,
      trial: model.metadata.trial ?? null,
      classes: model.classes,
      calibration: model.calibration?.method ?? 'none',
    },
    threshold: resolved.threshold,
    rule: resolved.source,
    backend: describeBackend(backend),
  }));
  app.get('/metrics', async (_req, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return app;
}

function tooMany(n: number, max: number): void {
  if (n > max)
    throw new HpoError('resource_exhausted', `${n} rows in one request; the limit is ${max} (--max-rows)`);
  if (n === 0) throw new DatasetError('no rows to predict');
}

/** `hpo serve --model DIR`: serves until SIGINT/SIGTERM. */
export async function serveCommand(opts: ServeOptions): Promise<number> {
  // Checked before the model loads, so a bad value does not cost a backend start-up.
  parseThreshold(opts.threshold);
  const model = await loadModel(opts.model);
  const app = await buildServer(model, opts);
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopback(`${host}:0`))
    process.stderr.write(
      `warning: --host ${host} lets anyone who can reach this machine call /predict and read /metrics (hpo serve has no login; put it behind your service's own auth)\n`,
    );
  const address = await app.listen({ port: opts.port ?? 8080, host });
  const t = resolveThreshold(model, parseThreshold(opts.threshold));
  process.stderr.write(
    `serving ${opts.model} at ${address} (POST /predict, GET /healthz, GET /metrics); threshold ${t.threshold} (${t.source})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  process.stderr.write('stopped\n');
  return 0;
}
