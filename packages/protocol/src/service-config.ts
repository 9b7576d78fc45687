/**
 * The services' settings in one table: each has a flag, an environment variable, a default, a
 * parsing rule and a line of help. The coordinator and the worker build their configuration from
 * the shared NATS and queue settings below plus their own, with the same rules and messages, and
 * the Kubernetes manifests test checks the manifests against the same tables.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { HpoError } from '@hpo/core';
import { type NatsAuth, natsAuthFromEnv } from './auth.js';

/** One setting: `--<key>` on the command line, `env` in the environment. */
export interface Setting<T = unknown> {
  env: string;
  /** The value used when neither the flag nor the variable is set (a function when it depends on the host). */
  default: string | (() => string);
  /** The default as --help shows it (default: the default itself). */
  shownDefault?: string;
  /** Placeholder in --help, e.g. `<s>`. */
  arg: string;
  /** One line of help, with units. */
  help: string;
  /** Parses a raw value; throws `Expected` naming what a valid value looks like. */
  parse: (raw: string) => T;
  /** A switch: `--<key>` alone means true (the variable takes true/false). */
  boolean?: true;
}

export type SettingsTable = Record<string, Setting>;
export type SettingValues<T extends SettingsTable> = {
  [K in keyof T]: T[K] extends Setting<infer V> ? V : never;
};

/** A configuration value that is missing or malformed; `source` is the flag or variable it came from. */
export class ConfigError extends HpoError {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    message: string,
  ) {
    super('config', message, { details: { source } });
  }
}

/** Thrown by a parser: what a valid value looks like (the loader adds where the value came from). */
export class Expected extends Error {}

// ---- parsing rules ----

/** An integer in [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const n = Number(raw.trim());
    if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new Expected(`an integer in [${min}, ${max}]`);
    return n;
  };
}

/** A number of seconds in [min, max] (fractions allowed). */
export function seconds(min: number, max = Number.MAX_SAFE_INTEGER): (raw: string) => number {
  return (raw) => {
    const n = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max)
      throw new Expected(`a number of seconds in [${min}, ${max}]`);
    return n;
  };
}

/** One of a fixed set of words. */
export function oneOf<const T extends string>(...choices: T[]): (raw: string) => T {
  return (raw) => {
    if (!(choices as string[]).includes(raw)) throw new Expected(`one of ${choices.join(', ')}`);
    return raw as T;
  };
}

/** A non-empty value matching `pattern`. */
export function matching(pattern: RegExp, expected: string): (raw: string) => string {
  return (raw) => {
    if (!pattern.test(raw)) throw new Expected(expected);
    return raw;
  };
}

/**
 * NATS server URLs, comma-separated: `nats://host:4222` (or tls://, ws://, wss://), or `host:port`,
 * which the client reads as nats://host:port.
 */
export function natsUrls(raw: string): string[] {
  const urls = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const ok = (u: string) => /^(nats|tls|ws|wss):\/\/[^\s/]+\/?$/.test(u) || /^[^\s:/]+:\d{1,5}$/.test(u);
  if (urls.length === 0 || !urls.every(ok))
    throw new Expected('a URL like nats://host:4222 (comma-separated for several servers)');
  return urls;
}

/** host:port (an IPv6 host in brackets). */
export const hostPort = matching(
  /^([^\s:/[\]]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/,
  'host:port, like 127.0.0.1:50051',
);

/** A folder path (not checked for existence). */
export const folder = matching(/\S/, 'a folder path');

/** An optional file path: empty means none. */
export function optionalFile(raw: string): string | undefined {
  return raw.trim() === '' ? undefined : raw;
}

/** true/false (also 1/0, yes/no). */
export function flag(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no', ''].includes(v)) return false;
  throw new Expected('true or false');
}

// ---- the shared settings ----

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Settings both services read, with the same rules: NATS, the task queue, logging. */
export const SHARED_SETTINGS = {
  nats: {
    env: 'NATS_URL',
    default: 'nats://127.0.0.1:4222',
    arg: '<url>',
    help: 'NATS server URL(s), comma-separated',
    parse: natsUrls,
  },
  'ack-wait': {
    env: 'HPO_ACK_WAIT_SECONDS',
    default: '30',
    arg: '<s>',
    help: 'seconds a worker may hold a task without a heartbeat before it is redelivered',
    parse: seconds(1, 86_400),
  },
  'max-deliver': {
    env: 'HPO_MAX_DELIVER',
    default: '3',
    arg: '<n>',
    help: 'deliveries of a task before its fold fails',
    parse: integer(1, 100),
  },
  'stream-replicas': {
    env: 'HPO_STREAM_REPLICAS',
    default: '1',
    arg: '<n>',
    help: 'copies of each stream and bucket in a NATS cluster (applies when they are created)',
    parse: integer(1, 5),
  },
  'log-level': {
    env: 'HPO_LOG_LEVEL',
    default: 'info',
    arg: '<level>',
    help: `log level: ${LOG_LEVELS.join(', ')}`,
    parse: oneOf(...LOG_LEVELS),
  },
} satisfies SettingsTable;

/** The Prometheus port setting, with a service's default (0 turns the endpoint off). */
export function metricsPortSetting(defaultPort: number): Setting<number> {
  return {
    env: 'HPO_METRICS_PORT',
    default: String(defaultPort),
    arg: '<port>',
    help: 'Prometheus /metrics port (0 = off)',
    parse: integer(0, 65_535),
  };
}

/** A service's name in logs and results, from its env variable (default `<hostname>-<pid>`). */
export function nameSetting(env: string): Setting<string> {
  return {
    env,
    default: () => `${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128),
    shownDefault: '<hostname>-<pid>',
    arg: '<name>',
    help: 'name in logs and results',
    parse: matching(/^[A-Za-z0-9_.-]{1,128}$/, "1-128 letters, digits, '.', '_' or '-'"),
  };
}

// ---- reading and documenting a table ----

/**
 * Reads every setting of `table` from flags (which win) and the environment, validating each
 * once. Returns undefined when `--help`/`-h` was given. Throws ConfigError naming the flag or
 * variable of the first bad value.
 */
export function readSettings<T extends SettingsTable>(
  table: T,
  argv: string[],
  env: NodeJS.ProcessEnv,
): SettingValues<T> | undefined {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(
          Object.entries(table).map(([k, s]) => [
            k,
            { type: s.boolean ? ('boolean' as const) : ('string' as const) },
          ]),
        ),
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    const flags = Object.keys(table)
      .map((k) => `--${k}`)
      .join(', ');
    throw new ConfigError(
      'arguments',
      `${(err as Error).message.replace(/\s*\n\s*/g, ' ').split('. To specify')[0]}; flags: ${flags} (see --help)`,
    );
  }
  if (parsed.values.help) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(table)) {
    const given = parsed.values[key];
    const fromEnv = env[s.env];
    let raw: string;
    let source: string;
    let shown: string;
    if (typeof given === 'string' || typeof given === 'boolean')
      [raw, source, shown] = [String(given), `--${key}`, `--${key}`];
    else if (fromEnv !== undefined && fromEnv !== '')
      [raw, source, shown] = [fromEnv, s.env, `${s.env} (--${key})`];
    else {
      raw = typeof s.default === 'function' ? s.default() : s.default;
      [source, shown] = [`--${key}`, `--${key} / ${s.env} (default)`];
    }
    try {
      out[key] = s.parse(raw);
    } catch (err) {
      if (!(err instanceof Expected)) throw err;
      throw new ConfigError(source, `${shown} must be ${err.message}, got ${JSON.stringify(raw)}`);
    }
  }
  return out as SettingValues<T>;
}

/** The options part of --help: one line per setting (flag, variable, default, help). */
export function settingsHelp(table: SettingsTable): string {
  const rows = Object.entries(table).map(([key, s]) => [
    s.boolean ? `--${key}` : `--${key} ${s.arg}`,
    s.env,
    s.shownDefault ?? (typeof s.default === 'function' ? s.default() : s.default),
    s.help,
  ]);
  const w0 = Math.max(...rows.map((r) => r[0]!.length));
  const w1 = Math.max(...rows.map((r) => r[1]!.length));
  return rows
    .map(([flag, env, def, help]) => `  ${flag!.padEnd(w0)}  ${env!.padEnd(w1)}  ${help} (default ${def})`)
    .join('\n');
}

/** The NATS credentials of a service (environment only), as a ConfigError when inconsistent. */
export function readNatsAuth(env: NodeJS.ProcessEnv): NatsAuth {
  try {
    return natsAuthFromEnv(env);
  } catch (err) {
    throw new ConfigError('NATS credentials', (err as Error).message);
  }
}

/** The --help lines every service prints about NATS credentials. */
export const NATS_CREDENTIALS_HELP =
  'NATS credentials come from the environment only: NATS_USER and NATS_PASSWORD, or NATS_TOKEN.';
