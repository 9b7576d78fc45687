#!/usr/bin/env node
import { serviceLogger } from '@hpo/protocol';
import { ConfigError, type CoordinatorConfig, loadConfig, USAGE } from './config.js';
import { startCoordinator } from './server.js';

let log = serviceLogger('hpo-coordinator');

async function main(): Promise<void> {
  let config: CoordinatorConfig | undefined;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hpo-coordinator: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (!config) {
    process.stdout.write(USAGE);
    return;
  }
  log = serviceLogger('hpo-coordinator', config.logLevel, config.name);
  const coordinator = await startCoordinator(config, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await coordinator.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Another coordinator may drive the studies now: stop acting at once (Kubernetes restarts the
  // pod, which then stands by).
  coordinator.leading.catch((err: unknown) => {
    log.fatal(
      { err: err instanceof Error ? err.message : String(err) },
      'coordinator failed to start serving',
    );
    process.exit(1);
  });
  void coordinator.lost.then((why) => {
    log.fatal({ why }, 'lost the coordinator lease: exiting');
    process.exit(1);
  });
}

main().catch((err) => {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'coordinator failed to start');
  process.exit(1);
});
