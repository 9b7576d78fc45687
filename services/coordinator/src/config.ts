import {
  BUCKETS,
  ConfigError,
  DEFAULT_STORE_MAX_MB,
  Expected,
  flag,
  folder,
  hostPort,
  integer,
  isLoopback,
  metricsPortSetting,
  NATS_CREDENTIALS_HELP,
  type NatsAuth,
  nameSetting,
  objStream,
  optionalFile,
  readNatsAuth,
  readSettings,
  type SettingsTable,
  SHARED_SETTINGS,
  settingsHelp,
  streamLimits,
} from '@hpo/protocol';

export { ConfigError, isLoopback };

/** The coordinator's settings: the shared NATS and queue settings plus its own. */
export const SETTINGS = {
  ...SHARED_SETTINGS,
  grpc: {
    env: 'HPO_GRPC_ADDRESS',
    default: '127.0.0.1:50051',
    arg: '<host:port>',
    help: 'address the gRPC API listens on; beyond loopback it needs TLS and an auth file (or --insecure)',
    parse: hostPort,
  },
  'tls-cert': {
    env: 'HPO_TLS_CERT',
    default: '',
    shownDefault: 'none',
    arg: '<pem>',
    help: 'server certificate (chain) for TLS on the gRPC API',
    parse: optionalFile,
  },
  'tls-key': {
    env: 'HPO_TLS_KEY',
    default: '',
    shownDefault: 'none',
    arg: '<pem>',
    help: "the server certificate's private key",
    parse: optionalFile,
  },
  'tls-client-ca': {
    env: 'HPO_TLS_CLIENT_CA',
    default: '',
    shownDefault: 'none',
    arg: '<pem>',
    help: 'require client certificates signed by this CA (mutual TLS)',
    parse: optionalFile,
  },
  'auth-file': {
    env: 'HPO_AUTH_FILE',
    default: '',
    shownDefault: 'none: every caller is admin of tenant default',
    arg: '<file>',
    help: 'tokens, client certificates, tenants, roles and quotas (YAML; reloaded on change or SIGHUP)',
    parse: optionalFile,
  },
  insecure: {
    env: 'HPO_INSECURE',
    default: 'false',
    arg: '',
    help: 'allow listening beyond loopback without TLS or without an auth file (logs a warning)',
    parse: flag,
    boolean: true,
  },
  'health-grpc': {
    env: 'HPO_HEALTH_GRPC_ADDRESS',
    default: '',
    shownDefault: 'none',
    arg: '<host:port>',
    help: 'a plaintext listener serving only grpc.health.v1 (for Kubernetes gRPC probes under TLS)',
    parse: (raw: string) => (raw.trim() === '' ? undefined : hostPort(raw)),
  },
  'metrics-port': metricsPortSetting(9464),
  'dashboard-port': {
    env: 'HPO_DASHBOARD_PORT',
    default: '',
    shownDefault: 'off',
    arg: '<port>',
    help: "serve the live dashboard on this port (the --grpc host; HTTPS with the API's certificate under TLS; logins with the auth file's tokens)",
    parse: (raw: string) => (raw.trim() === '' ? undefined : integer(0, 65_535)(raw)),
  },
  'max-upload-mb': {
    env: 'HPO_MAX_UPLOAD_MB',
    default: '512',
    arg: '<n>',
    help: 'largest dataset upload accepted (MiB)',
    parse: integer(1, 65_536),
  },
  'read-heap-mb': {
    env: 'HPO_READ_HEAP_MB',
    default: '768',
    arg: '<n>',
    help: "heap cap (MiB) of the thread that reads an upload at CreateStudy (its typed columns live outside it); with the main heap cap (NODE_OPTIONS) and one upload's columns, below the container's memory limit",
    parse: integer(64, 65_536),
  },
  capacity: {
    env: 'HPO_CAPACITY',
    default: '64',
    arg: '<n>',
    help: "most fold tasks in flight over all studies (the workers' heartbeated slots plus --prefetch, up to this), shared by weighted fair share",
    parse: integer(1, 100_000),
  },
  prefetch: {
    env: 'HPO_PREFETCH',
    default: '2',
    arg: '<n>',
    help: 'tasks queued beyond the free worker slots, so a freed slot finds its next task waiting (also what is queued while no worker is up)',
    parse: integer(1, 10_000),
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
  'store-max-mb': {
    env: 'HPO_STORE_MAX_MB',
    default: String(DEFAULT_STORE_MAX_MB),
    arg: '<MiB>',
    help: "JetStream store all of hpo's streams and buckets may reserve, split by share (keep it below NATS's max_file_store)",
    parse: integer(64, 16 * 1024 * 1024),
  },
  'retain-days': {
    env: 'HPO_RETAIN_DAYS',
    default: '30',
    arg: '<days>',
    help: 'days a finished, cancelled or failed study is kept (its events, record and model; datasets no kept study uses go too); fractions allowed; 0 keeps them forever',
    parse: (raw: string) => {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100_000)
        throw new Expected('a number of days in [0, 100000]');
      return n;
    },
  },
  'lease-seconds': {
    env: 'HPO_LEASE_SECONDS',
    default: '15',
    arg: '<s>',
    help: 'the coordinator lease in NATS: a second coordinator waits (health NOT_SERVING) until the holder has been silent this long',
    parse: integer(3, 3600),
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
  /** Heap cap of the upload-reading thread, MiB. */
  readHeapMb: number;
  /** Most fold tasks in flight across all studies; shared fairly. */
  capacity: number;
  /** Tasks queued beyond the workers' slots. */
  prefetch: number;
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
  /** TLS on the gRPC API: certificate and key files, and the CA of client certificates (mTLS). */
  tls: { cert: string; key: string; clientCa: string | undefined } | undefined;
  /** The auth file, or undefined: no authentication (every caller is admin of tenant default). */
  authFile: string | undefined;
  /** Listening beyond loopback without TLS or auth was asked for explicitly. */
  insecure: boolean;
  /** A plaintext health-only gRPC listener, host:port. */
  healthAddress: string | undefined;
  /** The live dashboard's port (on the gRPC host); undefined: off. */
  dashboardPort: number | undefined;
  /** MiB of JetStream store hpo may reserve (split by STORE_LIMITS). */
  storeMaxMb: number;
  /** Days finished studies are kept; 0 = forever. */
  retainDays: number;
  /** Seconds the coordinator lease lasts without renewal. */
  leaseSeconds: number;
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
  const [cert, key, clientCa] = [v['tls-cert'], v['tls-key'], v['tls-client-ca']];
  if ((cert === undefined) !== (key === undefined))
    throw new ConfigError(
      cert ? '--tls-key' : '--tls-cert',
      '--tls-cert and --tls-key (HPO_TLS_CERT, HPO_TLS_KEY) go together: give both or neither',
    );
  if (clientCa && !cert)
    throw new ConfigError('--tls-client-ca', '--tls-client-ca needs TLS: give --tls-cert and --tls-key too');
  // An upload must fit in the uploads bucket's share of the store, or every big one would fail.
  const uploadsShare = streamLimits(objStream(BUCKETS.uploads), v['store-max-mb']).max_bytes;
  if (v['max-upload-mb'] * 1024 * 1024 > uploadsShare)
    throw new ConfigError(
      '--max-upload-mb',
      `--max-upload-mb ${v['max-upload-mb']} is more than the uploads bucket's share of --store-max-mb ${v['store-max-mb']} (${Math.floor(uploadsShare / 1024 / 1024)} MiB): raise --store-max-mb (HPO_STORE_MAX_MB) or lower the upload limit`,
    );
  const open = !isLoopback(v.grpc);
  if (open && !v.insecure && (!cert || !v['auth-file'])) {
    const missing = [!cert && 'TLS (--tls-cert, --tls-key)', !v['auth-file'] && 'an auth file (--auth-file)']
      .filter(Boolean)
      .join(' and ');
    throw new ConfigError(
      '--grpc',
      `--grpc ${v.grpc} listens beyond this machine without ${missing}: anyone who reaches it could read and run every study. Add them, listen on 127.0.0.1, or pass --insecure (HPO_INSECURE=true) to accept it`,
    );
  }
  return {
    tls: cert && key ? { cert, key, clientCa } : undefined,
    authFile: v['auth-file'],
    insecure: v.insecure,
    healthAddress: v['health-grpc'],
    dashboardPort: v['dashboard-port'],
    natsUrls: v.nats,
    grpcAddress: v.grpc,
    metricsPort: v['metrics-port'],
    maxUploadBytes: v['max-upload-mb'] * 1024 * 1024,
    readHeapMb: v['read-heap-mb'],
    capacity: v.capacity,
    prefetch: v.prefetch,
    ackWaitSeconds: v['ack-wait'],
    maxDeliver: v['max-deliver'],
    dataDir: v['data-dir'],
    name: v.name,
    foldTimeoutSeconds: v['fold-timeout'],
    streamReplicas: v['stream-replicas'],
    logLevel: v['log-level'],
    natsAuth: readNatsAuth(env),
    storeMaxMb: v['store-max-mb'],
    retainDays: v['retain-days'],
    leaseSeconds: v['lease-seconds'],
  };
}
