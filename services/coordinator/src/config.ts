import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { type NatsAuth, natsAuthFromEnv } from '@hpo/protocol';

/** Coordinator settings: flags override environment variables, which override defaults. */
export interface CoordinatorConfig {
  /** NATS server URL(s), comma-separated (`--nats`, NATS_URL). */
  natsUrl: string;
  /** Address the gRPC API listens on (`--grpc`, HPO_GRPC_ADDRESS), host:port. */
  grpcAddress: string;
  /** Prometheus metrics port (`--metrics-port`, HPO_METRICS_PORT); 0 = off. */
  metricsPort: number;
  /** Largest dataset upload accepted, bytes (`--max-upload-mb`, HPO_MAX_UPLOAD_MB). */
  maxUploadBytes: number;
  /** Fold tasks in flight across all studies (`--capacity`, HPO_CAPACITY); shared fairly. */
  capacity: number;
  /** Seconds a worker may hold a task silently before redelivery (`--ack-wait`, HPO_ACK_WAIT_SECONDS). */
  ackWaitSeconds: number;
  /** Deliveries of a task before its fold fails (`--max-deliver`, HPO_MAX_DELIVER). */
  maxDeliver: number;
  /** Local folder for dataset copies (`--data-dir`, HPO_DATA_DIR). */
  dataDir: string;
  /** Name in logs (`--name`, HPO_COORDINATOR_NAME). */
  name: string;
  /**
   * Seconds a fold may go without a result before it fails (`--fold-timeout`,
   * HPO_FOLD_TIMEOUT_SECONDS): the last guard against a task lost with every worker.
   */
  foldTimeoutSeconds: number;
  /** Copies of each stream / bucket in a NATS cluster (`--stream-replicas`, HPO_STREAM_REPLICAS). */
  streamReplicas: number;
  /** NATS credentials: NATS_USER + NATS_PASSWORD, or NATS_TOKEN (environment only). */
  natsAuth: NatsAuth;
}

/** A configuration value that is missing or malformed; `source` names the flag or variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const SPEC = {
  nats: { env: 'NATS_URL', default: 'nats://127.0.0.1:4222' },
  grpc: { env: 'HPO_GRPC_ADDRESS', default: '0.0.0.0:50051' },
  'metrics-port': { env: 'HPO_METRICS_PORT', default: '9464' },
  'max-upload-mb': { env: 'HPO_MAX_UPLOAD_MB', default: '512' },
  capacity: { env: 'HPO_CAPACITY', default: '64' },
  'ack-wait': { env: 'HPO_ACK_WAIT_SECONDS', default: '30' },
  'max-deliver': { env: 'HPO_MAX_DELIVER', default: '3' },
  'data-dir': { env: 'HPO_DATA_DIR', default: '/tmp/hpo-coordinator' },
  name: { env: 'HPO_COORDINATOR_NAME', default: `${hostname()}-${process.pid}` },
  'stream-replicas': { env: 'HPO_STREAM_REPLICAS', default: '1' },
  'fold-timeout': { env: 'HPO_FOLD_TIMEOUT_SECONDS', default: '21600' },
} as const;

export const USAGE = `Usage: hpo-coordinator [options]

Serves the hpo gRPC API and runs every study's trials on workers over NATS JetStream.

Options (flag, environment variable, default):
  --nats <url>             NATS_URL               nats://127.0.0.1:4222 (comma-separated list allowed)
  --grpc <host:port>       HPO_GRPC_ADDRESS       0.0.0.0:50051
  --metrics-port <port>    HPO_METRICS_PORT       9464 (0 = no /metrics endpoint)
  --max-upload-mb <n>      HPO_MAX_UPLOAD_MB      512
  --capacity <n>           HPO_CAPACITY           64 (fold tasks in flight over all studies)
  --ack-wait <s>           HPO_ACK_WAIT_SECONDS   30
  --max-deliver <n>        HPO_MAX_DELIVER        3
  --stream-replicas <n>    HPO_STREAM_REPLICAS    1 (copies of streams and buckets in a NATS cluster)
  --fold-timeout <s>       HPO_FOLD_TIMEOUT_SECONDS  21600 (a fold without a result by then fails)
  --data-dir <dir>         HPO_DATA_DIR           /tmp/hpo-coordinator
  --name <name>            HPO_COORDINATOR_NAME   <hostname>-<pid>
  -h, --help               print this help
NATS credentials come from the environment only: NATS_USER and NATS_PASSWORD, or NATS_TOKEN.

Example:
  hpo-coordinator --nats nats://nats:4222 --grpc 0.0.0.0:50051
`;

/** True when the arguments ask for the usage text. */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Reads and validates the configuration; throws ConfigError naming the flag and variable. */
export function loadConfig(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): CoordinatorConfig {
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.keys(SPEC).map((k) => [k, { type: 'string' as const }])),
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (err) {
    throw new ConfigError(
      `${(err as Error).message}; flags: ${Object.keys(SPEC)
        .map((k) => `--${k}`)
        .join(', ')}`,
    );
  }
  const get = (key: keyof typeof SPEC) => {
    const s = SPEC[key];
    return {
      value: values[key] ?? env[s.env] ?? s.default,
      source: values[key] !== undefined ? `--${key}` : `${s.env} (--${key})`,
    };
  };
  const int = (key: keyof typeof SPEC, min: number, max: number) => {
    const { value, source } = get(key);
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ConfigError(`${source} must be an integer in [${min}, ${max}], got '${value}'`);
    return n;
  };
  const natsUrl = get('nats');
  if (!/^(nats|tls|ws|wss):\/\/[^\s]+$/.test(natsUrl.value.split(',')[0]!.trim())) {
    throw new ConfigError(`${natsUrl.source} must be a URL like nats://host:4222, got '${natsUrl.value}'`);
  }
  const grpc = get('grpc');
  if (!/^[^\s:]+:\d{1,5}$/.test(grpc.value))
    throw new ConfigError(`${grpc.source} must be host:port, got '${grpc.value}'`);
  return {
    natsUrl: natsUrl.value,
    grpcAddress: grpc.value,
    metricsPort: int('metrics-port', 0, 65535),
    maxUploadBytes: int('max-upload-mb', 1, 65536) * 1024 * 1024,
    capacity: int('capacity', 1, 100000),
    ackWaitSeconds: int('ack-wait', 1, 3600),
    maxDeliver: int('max-deliver', 1, 100),
    dataDir: get('data-dir').value,
    name: get('name').value,
    streamReplicas: int('stream-replicas', 1, 5),
    foldTimeoutSeconds: int('fold-timeout', 1, 30 * 24 * 3600),
    natsAuth: auth(env),
  };
}

function auth(env: NodeJS.ProcessEnv): NatsAuth {
  try {
    return natsAuthFromEnv(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}
