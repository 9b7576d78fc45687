/**
 * Worker configuration: the shared NATS and queue settings plus the worker's own, read from
 * flags and environment with the same rules as the coordinator's. Every value is validated once
 * at start, so a typo stops the worker with one clear line.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  folder,
  integer,
  metricsPortSetting,
  NATS_CREDENTIALS_HELP,
  type NatsAuth,
  nameSetting,
  readNatsAuth,
  readSettings,
  type SettingsTable,
  SHARED_SETTINGS,
  seconds,
  settingsHelp,
} from '@hpo/protocol';

export { ConfigError };

/** The worker's settings: the shared ones plus its own. */
export const SETTINGS = {
  ...SHARED_SETTINGS,
  threads: {
    env: 'HPO_WORKER_THREADS',
    default: () => String(availableParallelism()),
    shownDefault: 'number of cores',
    arg: '<n>',
    help: 'training threads, i.e. tasks trained at once',
    parse: integer(1, 1024),
  },
  prefetch: {
    env: 'HPO_WORKER_PREFETCH',
    default: '0',
    arg: '<n>',
    help: 'tasks taken beyond the threads, each waiting for the next free thread: hides the fetch round trip between folds of a second or less; with long folds a taken task waits a whole fold while another worker may be idle, so the default takes a task only when a thread is free',
    parse: integer(0, 64),
  },
  grace: {
    env: 'HPO_SHUTDOWN_GRACE_SECONDS',
    default: '600',
    arg: '<s>',
    help: 'most seconds running tasks may take to finish after SIGTERM (the worker leaves as soon as they are done); what still runs then is handed back without using a delivery',
    parse: seconds(0, 24 * 3600),
  },
  'metrics-port': metricsPortSetting(9465),
  name: nameSetting('HPO_WORKER_NAME'),
  'cache-max-mb': {
    env: 'HPO_CACHE_MAX_MB',
    default: '4096',
    arg: '<MiB>',
    help: 'dataset blobs kept in --cache-dir; past it the least recently used ones no task holds are deleted',
    parse: integer(1, 16 * 1024 * 1024),
  },
  'cache-dir': {
    env: 'HPO_CACHE_DIR',
    default: () => join(tmpdir(), 'hpo-worker-cache'),
    shownDefault: '<tmpdir>/hpo-worker-cache',
    arg: '<dir>',
    help: 'folder of fetched dataset blobs',
    parse: folder,
  },
} satisfies SettingsTable;

/** Everything the worker needs to run. */
export interface WorkerConfig {
  /** NATS server URL(s). */
  natsUrl: string[];
  /** Piscina threads, i.e. tasks trained at once. */
  threads: number;
  /** Tasks held beyond the threads, queued for the next free one. */
  prefetch: number;
  /** Seconds a task may go without `working()` or ack before redelivery (consumer setting). */
  ackWaitSeconds: number;
  /** Deliveries of one task before it is given up (consumer setting). */
  maxDeliver: number;
  /** Seconds in-flight tasks may finish after SIGTERM / SIGINT before they are nak'ed. */
  graceSeconds: number;
  /** Port of the Prometheus `/metrics` endpoint; 0 turns it off. */
  metricsPort: number;
  /** Name reported in results and logs. */
  name: string;
  /** Folder holding fetched dataset blobs as `<hash>.bin`. */
  cacheDir: string;
  /** Bytes of dataset blobs the cache keeps on disk. */
  cacheMaxBytes: number;
  /** pino log level. */
  logLevel: string;
  /** Copies of each stream / bucket in a NATS cluster, used when the worker creates them. */
  streamReplicas: number;
  /** NATS credentials from NATS_USER + NATS_PASSWORD or NATS_TOKEN (environment only). */
  natsAuth: NatsAuth;
}

export const USAGE = `Usage: hpo-worker [options]

Pulls fold and refit tasks from NATS JetStream and trains them on a thread pool.

Options (flag, environment variable, what it sets, default):
${settingsHelp(SETTINGS)}
  -h, --help  print this help
${NATS_CREDENTIALS_HELP}

Example:
  hpo-worker --nats nats://nats:4222 --threads 2
`;

/** Parses and validates flags and environment; returns undefined when `--help` was asked for. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): WorkerConfig | undefined {
  const v = readSettings(SETTINGS, argv, env);
  if (!v) return undefined;
  return {
    natsUrl: v.nats,
    threads: v.threads,
    prefetch: v.prefetch,
    ackWaitSeconds: v['ack-wait'],
    maxDeliver: v['max-deliver'],
    graceSeconds: v.grace,
    metricsPort: v['metrics-port'],
    name: v.name,
    cacheDir: v['cache-dir'],
    cacheMaxBytes: v['cache-max-mb'] * 1024 * 1024,
    logLevel: v['log-level'],
    streamReplicas: v['stream-replicas'],
    natsAuth: readNatsAuth(env),
  };
}
