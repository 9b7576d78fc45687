/**
 * Worker configuration: flags override environment variables, which override defaults. Every
 * value is validated once at start, so a typo stops the worker with one clear line instead of
 * surfacing later as a strange runtime failure.
 */
import { availableParallelism, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type NatsAuth, natsAuthFromEnv } from '@hpo/protocol';

/** Everything the worker needs to run. */
export interface WorkerConfig {
  /** NATS server URL(s), comma-separated. */
  natsUrl: string[];
  /** Piscina threads, i.e. tasks trained at once. */
  threads: number;
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
  /** pino log level. */
  logLevel: string;
  /** Copies of each stream / bucket in a NATS cluster, used when the worker creates them. */
  streamReplicas: number;
  /** NATS credentials from NATS_USER + NATS_PASSWORD or NATS_TOKEN (environment only). */
  natsAuth: NatsAuth;
}

/** A configuration value the worker cannot run with; `source` names the flag / variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
  }
}

/** Flag, environment variable and default of each setting, in one place. */
const SETTINGS = {
  nats: { env: 'NATS_URL', fallback: () => 'nats://127.0.0.1:4222' },
  threads: { env: 'HPO_WORKER_THREADS', fallback: () => String(availableParallelism()) },
  'ack-wait': { env: 'HPO_ACK_WAIT_SECONDS', fallback: () => '30' },
  'max-deliver': { env: 'HPO_MAX_DELIVER', fallback: () => '3' },
  grace: { env: 'HPO_SHUTDOWN_GRACE_SECONDS', fallback: () => '25' },
  'metrics-port': { env: 'HPO_METRICS_PORT', fallback: () => '9465' },
  name: { env: 'HPO_WORKER_NAME', fallback: () => `${hostname()}-${process.pid}` },
  'cache-dir': { env: 'HPO_CACHE_DIR', fallback: () => join(tmpdir(), 'hpo-worker-cache') },
  'log-level': { env: 'HPO_LOG_LEVEL', fallback: () => 'info' },
  'stream-replicas': { env: 'HPO_STREAM_REPLICAS', fallback: () => '1' },
} as const;

type Setting = keyof typeof SETTINGS;

export const USAGE = `Usage: hpo-worker [options]

Pulls fold and refit tasks from NATS JetStream and trains them on a thread pool.

Options (flag, environment variable, default):
  --nats <url>           NATS_URL                    nats://127.0.0.1:4222 (comma-separated list allowed)
  --threads <n>          HPO_WORKER_THREADS          number of cores
  --ack-wait <s>         HPO_ACK_WAIT_SECONDS        30
  --max-deliver <n>      HPO_MAX_DELIVER             3
  --grace <s>            HPO_SHUTDOWN_GRACE_SECONDS  25
  --metrics-port <port>  HPO_METRICS_PORT            9465 (0 = no metrics endpoint)
  --name <name>          HPO_WORKER_NAME             <hostname>-<pid>
  --cache-dir <dir>      HPO_CACHE_DIR               <tmpdir>/hpo-worker-cache
  --log-level <level>    HPO_LOG_LEVEL               info (trace, debug, info, warn, error, fatal, silent)
  --stream-replicas <n>  HPO_STREAM_REPLICAS         1 (copies of streams and buckets in a NATS cluster)
NATS credentials come from the environment only: NATS_USER and NATS_PASSWORD, or NATS_TOKEN.
  -h, --help             print this help
`;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Parses and validates flags and environment; returns undefined when `--help` was asked for. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): WorkerConfig | undefined {
  const options = Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, { type: 'string' as const }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new ConfigError('arguments', `${(err as Error).message.replace(/\s*\n\s*/g, ' ')} (see --help)`);
  }
  if (parsed.values.help) return undefined;

  const raw = (key: Setting): { value: string; source: string } => {
    const flag = parsed.values[key];
    if (typeof flag === 'string') return { value: flag, source: `--${key}` };
    const spec = SETTINGS[key];
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: spec.env };
    return { value: spec.fallback(), source: `--${key} / ${spec.env}` };
  };
  const integer = (key: Setting, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const { value, source } = raw(key);
    const n = Number(value.trim());
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new ConfigError(source, `expected an integer in [${min}, ${max}], got ${JSON.stringify(value)}`);
    }
    return n;
  };
  const seconds = (key: Setting, min: number): number => {
    const { value, source } = raw(key);
    const n = Number(value.trim());
    if (value.trim() === '' || !Number.isFinite(n) || n < min) {
      throw new ConfigError(source, `expected a number of seconds >= ${min}, got ${JSON.stringify(value)}`);
    }
    return n;
  };

  const nats = raw('nats');
  const natsUrl = nats.value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const u of natsUrl) {
    // The client accepts host:port too; only reject what it would misread.
    if (!/^(nats|tls|ws|wss):\/\/[^\s/]+\/?$/.test(u) && !/^[^\s:/]+:\d+$/.test(u)) {
      throw new ConfigError(nats.source, `expected a URL like nats://host:4222, got ${JSON.stringify(u)}`);
    }
  }
  if (natsUrl.length === 0) throw new ConfigError(nats.source, 'expected at least one NATS URL');

  const name = raw('name');
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(name.value)) {
    throw new ConfigError(
      name.source,
      `expected 1-128 letters, digits, '.', '_' or '-', got ${JSON.stringify(name.value)}`,
    );
  }
  const logLevel = raw('log-level');
  if (!LOG_LEVELS.includes(logLevel.value)) {
    throw new ConfigError(
      logLevel.source,
      `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel.value)}`,
    );
  }
  const cacheDir = raw('cache-dir');
  if (cacheDir.value.trim() === '') throw new ConfigError(cacheDir.source, 'expected a folder path');

  return {
    natsUrl,
    threads: integer('threads', 1, 1024),
    // The server needs ack_wait > 0; a whole second keeps working() heartbeats sane.
    ackWaitSeconds: seconds('ack-wait', 1),
    maxDeliver: integer('max-deliver', 1),
    graceSeconds: seconds('grace', 0),
    metricsPort: integer('metrics-port', 0, 65535),
    name: name.value,
    cacheDir: cacheDir.value,
    logLevel: logLevel.value,
    streamReplicas: integer('stream-replicas', 1, 5),
    natsAuth: auth(env),
  };
}

function auth(env: NodeJS.ProcessEnv): NatsAuth {
  try {
    return natsAuthFromEnv(env);
  } catch (err) {
    throw new ConfigError('NATS credentials', (err as Error).message);
  }
}
