/** Prometheus metrics of one worker, served at `/metrics`. */
import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** How a task ended, as counted in `hpo_worker_tasks_total`. */
export type TaskOutcome =
  | 'ok'
  | 'failed'
  | 'malformed'
  | 'cancelled'
  | 'dropped'
  | 'requeued'
  /** Given back to the coordinator at shutdown (a fresh copy, not a redelivery). */
  | 'handed_back';

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly inFlight = new Gauge({
    name: 'hpo_worker_tasks_in_flight',
    help: 'Tasks this worker holds now: getting their dataset or waiting for a thread (the prefetch), training, or publishing their result',
    registers: [this.registry],
  });
  readonly foldDuration = new Histogram({
    name: 'hpo_worker_fold_duration_seconds',
    help: 'Wall time of one task (kind = fold or refit), from receipt to result publish (seconds)',
    labelNames: ['kind', 'outcome'],
    // Folds run from a second (tiny MLP) to many minutes (CNN on images).
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });
  readonly tasks = new Counter({
    name: 'hpo_worker_tasks_total',
    help: 'Tasks handled, by outcome (ok, failed, malformed, cancelled, dropped, requeued)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly controlRejected = new Counter({
    name: 'hpo_worker_control_rejected_total',
    help: 'Cancel and drop messages ignored because they prove nothing, by kind and reason (malformed: no nonce; unmatched: a nonce of no task or study run this worker has seen)',
    labelNames: ['kind', 'reason'],
    registers: [this.registry],
  });
  readonly cacheEvictedBytes = new Counter({
    name: 'hpo_worker_dataset_cache_evicted_bytes_total',
    help: 'Bytes of dataset blobs deleted from the local cache to stay within --cache-max-mb',
    registers: [this.registry],
  });
  readonly cacheHits = new Counter({
    name: 'hpo_worker_dataset_cache_hits_total',
    help: 'Dataset lookups served from the local cache',
    registers: [this.registry],
  });
  readonly cacheMisses = new Counter({
    name: 'hpo_worker_dataset_cache_misses_total',
    help: 'Dataset lookups that fetched the blob from the object store',
    registers: [this.registry],
  });

  constructor(labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'hpo_worker_' });
  }

  /** Serves `/metrics` (and `/healthz`) on `port`; resolves with the bound port. */
  listen(port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.url === '/metrics') {
        this.registry.metrics().then(
          (body) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(body);
          },
          (err: Error) => {
            res.writeHead(500);
            res.end(err.message);
          },
        );
      } else if (req.url === '/healthz') {
        res.writeHead(200);
        res.end('ok\n');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const addr = server.address();
        resolve({ server, port: typeof addr === 'object' && addr ? addr.port : port });
      });
    });
  }
}
