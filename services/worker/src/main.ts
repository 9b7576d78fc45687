#!/usr/bin/env node
/**
 * hpo-worker: reads its configuration, serves metrics, runs the worker until SIGTERM / SIGINT.
 * Exit codes: 0 after a clean stop, 1 on a runtime failure, 2 on a configuration error.
 */
import { serviceLogger } from '@hpo/protocol';
import { ConfigError, loadConfig, USAGE, type WorkerConfig } from './config.js';
import { WorkerMetrics } from './metrics.js';
import { Worker } from './worker.js';

async function main(): Promise<number> {
  let config: WorkerConfig | undefined;
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`hpo-worker: ${err.message}\n`);
    return 2;
  }
  if (!config) {
    process.stdout.write(USAGE);
    return 0;
  }

  const log = serviceLogger('hpo-worker', config.logLevel, config.name);
  const metrics = new WorkerMetrics({ worker: config.name });
  const worker = new Worker(config, log, metrics);

  const server =
    config.metricsPort > 0 ? await metrics.listen(config.metricsPort).catch((err: Error) => err) : undefined;
  if (server instanceof Error) {
    process.stderr.write(
      `hpo-worker: --metrics-port / HPO_METRICS_PORT: cannot listen on ${config.metricsPort}: ${server.message}\n`,
    );
    return 2;
  }
  if (server) log.info({ port: server.port }, 'metrics at /metrics');

  const config_ = config;
  const stopped = new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        // A second signal means "now": unacked tasks are redelivered after ack-wait anyway.
        log.warn({ signal }, 'second signal: exiting at once');
        process.exit(1);
      }
      log.info({ signal }, 'signal received');
      worker.stop(config_.graceSeconds).then(resolve, (err: Error) => {
        log.error({ err: err.message }, 'stop failed');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });

  // start() waits for the server forever; a signal during that wait must still end the process,
  // and a start cut short by that stop is not a failure.
  const starting = worker.start().catch((err: unknown) => {
    if (!worker.stopping) throw err;
  });
  await Promise.race([starting, stopped]);
  await stopped;
  server?.server.close();
  return 0;
}

main().then(
  (code) => {
    // Pool threads and sockets are closed; exit explicitly so nothing lingering keeps us alive.
    process.exitCode = code;
    setImmediate(() => process.exit(code));
  },
  (err: Error) => {
    process.stderr.write(`hpo-worker: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
