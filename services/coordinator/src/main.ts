#!/usr/bin/env node
import { pino } from 'pino';
import { ConfigError, type CoordinatorConfig, loadConfig, USAGE } from './config.js';
import { startCoordinator } from './server.js';

let log = pino({ base: { service: 'hpo-coordinator' }, timestamp: pino.stdTimeFunctions.isoTime });

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
  log = pino({
    level: config.logLevel,
    base: { service: 'hpo-coordinator' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  const coordinator = await startCoordinator(config, log.child({ coordinator: config.name }));
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
}

main().catch((err) => {
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'coordinator failed to start');
  process.exit(1);
});
