import {
  ConfigError,
  folder,
  hostPort,
  integer,
  metricsPortSetting,
  NATS_CREDENTIALS_HELP,
  type NatsAuth,
  nameSetting,
  readNatsAuth,
  readSettings,
  type SettingsTable,
  SHARED_SETTINGS,
  settingsHelp,
} from '@hpo/protocol';

export { ConfigError };

/** The coordinator's settings: the shared NATS and queue settings plus its own. */
export const SETTINGS = {
  ...SHARED_SETTINGS,
  grpc: {
    env: 'HPO_GRPC_ADDRESS',
    default: '0.0.0.0:50051',
    arg: '<host:port>',
    help: 'address the gRPC API listens on',
    parse: hostPort,
  },
  'metrics-port': metricsPortSetting(9464),
  'max-upload-mb': {
    env: 'HPO_MAX_UPLOAD_MB',
    default: '512',
    arg: '<n>',
    help: 'largest dataset upload accepted (MiB)',
    parse: integer(1, 65_536),
  },
  capacity: {
    env: 'HPO_CAPACITY',
    default: '64',
    arg: '<n>',
    help: 'fold tasks in flight over all studies, shared fairly',
    parse: integer(1, 100_000),
  },
  'fold-timeout': {
    env: 'HPO_FOLD_TIMEOUT_SECONDS',
    default: '21600',
    arg: '<s>',
    help: 'seconds a fold may go without a result before it fails',
    parse: integer(1, 30 * 24 * 3600),
  },
  'data-dir': {
    env: 'HPO_DATA_DIR',
    default: '/tmp/hpo-coordinator',
    arg: '<dir>',
    help: 'local folder for working files',
    parse: folder,
  },
  name: nameSetting('HPO_COORDINATOR_NAME'),
} satisfies SettingsTable;

/** Coordinator settings: flags override environment variables, which override defaults. */
export interface CoordinatorConfig {
  /** NATS server URL(s). */
  natsUrls: string[];
  /** Address the gRPC API listens on, host:port. */
  grpcAddress: string;
  /** Prometheus metrics port; 0 = off. */
  metricsPort: number;
  /** Largest dataset upload accepted, bytes. */
  maxUploadBytes: number;
  /** Fold tasks in flight across all studies; shared fairly. */
  capacity: number;
  /** Seconds a worker may hold a task silently before redelivery. */
  ackWaitSeconds: number;
  /** Deliveries of a task before its fold fails. */
  maxDeliver: number;
  /** Local folder for working files. */
  dataDir: string;
  /** Name in logs. */
  name: string;
  /** Seconds a fold may go without a result before it fails: the last guard against a lost task. */
  foldTimeoutSeconds: number;
  /** Copies of each stream / bucket in a NATS cluster. */
  streamReplicas: number;
  /** pino log level. */
  logLevel: string;
  /** NATS credentials: NATS_USER + NATS_PASSWORD, or NATS_TOKEN (environment only). */
  natsAuth: NatsAuth;
}

export const USAGE = `Usage: hpo-coordinator [options]

Serves the hpo gRPC API and runs every study's trials on workers over NATS JetStream.

Options (flag, environment variable, what it sets, default):
${settingsHelp(SETTINGS)}
  -h, --help  print this help
${NATS_CREDENTIALS_HELP}

Example:
  hpo-coordinator --nats nats://nats:4222 --grpc 0.0.0.0:50051
`;

/**
 * Reads and validates the configuration; returns undefined for --help. Throws ConfigError
 * naming the flag or variable of a bad value.
 */
export function loadConfig(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): CoordinatorConfig | undefined {
  const v = readSettings(SETTINGS, argv, env);
  if (!v) return undefined;
  return {
    natsUrls: v.nats,
    grpcAddress: v.grpc,
    metricsPort: v['metrics-port'],
    maxUploadBytes: v['max-upload-mb'] * 1024 * 1024,
    capacity: v.capacity,
    ackWaitSeconds: v['ack-wait'],
    maxDeliver: v['max-deliver'],
    dataDir: v['data-dir'],
    name: v.name,
    foldTimeoutSeconds: v['fold-timeout'],
    streamReplicas: v['stream-replicas'],
    logLevel: v['log-level'],
    natsAuth: readNatsAuth(env),
  };
}
