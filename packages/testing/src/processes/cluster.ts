import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { encodeDataset, loadDataset, sha256Hex, validateStudySpec } from '@hpo/core';
import { loadHpoProto, type StudyEventMessage__Output, type StudyServiceClient } from '@hpo/protocol';
import { ROOT, tempDir } from './harness.js';
import { freePort, NatsServer } from './nats-server.js';

const require = createRequire(import.meta.url);
const COORDINATOR = join(ROOT, 'services/coordinator/dist/main.js');
const WORKER = join(ROOT, 'services/worker/dist/main.js');

/** A child service process with its captured output. */
export class Service {
  log = '';
  readonly exited: Promise<number | null>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout?.on('data', (d) => {
      this.log += d;
    });
    proc.stderr?.on('data', (d) => {
      this.log += d;
    });
    // 'close', not 'exit': by then the process's output is all in `log`.
    this.exited = new Promise((resolve) => proc.once('close', (code) => resolve(code)));
  }

  /** Waits until the log contains `text` (bounded). */
  async waitFor(text: string | RegExp, timeoutMs = 90_000): Promise<void> {
    const started = Date.now();
    const found = () => (typeof text === 'string' ? this.log.includes(text) : text.test(this.log));
    while (!found()) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        // Its last output may still be in the pipe.
        const code = await this.exited;
        if (found()) return;
        throw new Error(`process exited (${code}) before '${text}':\n${this.log.slice(-3000)}`);
      }
      if (Date.now() - started > timeoutMs)
        throw new Error(`timed out waiting for '${text}':\n${this.log.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.proc.exitCode === null) this.proc.kill(signal);
    return this.exited;
  }
}

/** How a test coordinator is started. */
export interface CoordinatorOptions {
  ackWait?: number;
  capacity?: number;
  maxUploadMb?: number;
  metricsPort?: number;
  foldTimeout?: number;
  /** --lease-seconds (default 6). */
  leaseSeconds?: number;
  tls?: { cert: string; key: string; clientCa?: string };
  authFile?: string;
  /** More flags, e.g. --health-grpc. */
  args?: string[];
  /** More environment variables. */
  env?: Record<string, string>;
}

/** The gRPC health status of `service` ('' = the server) at `address`, e.g. 'SERVING'. */
export async function healthStatus(address: string, service = ''): Promise<string> {
  const dir = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
  const health = grpc.loadPackageDefinition(
    protoLoader.loadSync('health/v1/health.proto', { includeDirs: [dir], keepCase: true, enums: String }),
  ) as unknown as {
    grpc: {
      health: {
        v1: {
          Health: new (
            a: string,
            c: grpc.ChannelCredentials,
          ) => grpc.Client & {
            Check(req: { service: string }, cb: (err: Error | null, res: { status: string }) => void): void;
          };
        };
      };
    };
  };
  const client = new health.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string>((resolve, reject) =>
      client.Check({ service }, (err, res) => (err ? reject(err) : resolve(res.status))),
    );
  } finally {
    client.close();
  }
}

/** nats-server + coordinator + workers, all real processes on loopback. */
export class Cluster {
  coordinator: Service | undefined;
  readonly workers: Service[] = [];
  grpcPort = 0;
  private client: StudyServiceClient | undefined;

  private constructor(readonly nats: NatsServer) {}

  static async start(options: {
    workers: number;
    /** One NATS user for every service. */
    auth?: { user: string; password: string };
    /** The NATS server enforces deploy/nats/auth.conf: services connect as their own users. */
    permissions?: boolean;
    /** The coordinator's /metrics port (default: off). */
    metricsPort?: number;
    /** Coordinator TLS files (then `api()` connects with TLS as `apiCredentials` says). */
    tls?: { cert: string; key: string; clientCa?: string };
    /** The coordinator's auth file. */
    authFile?: string;
    /** Credentials and token of the client `api()` returns. */
    apiCredentials?: grpc.ChannelCredentials;
    apiToken?: string;
    threads?: number;
    ackWait?: number;
    capacity?: number;
    maxUploadMb?: number;
    /** --lease-seconds of the coordinator (default 6). */
    leaseSeconds?: number;
    /** More coordinator flags, e.g. --prefetch. */
    coordinatorArgs?: string[];
  }): Promise<Cluster> {
    const cluster = new Cluster(
      await NatsServer.start(options.permissions ? { permissions: true } : options.auth),
    );
    cluster.apiOptions = { credentials: options.apiCredentials, token: options.apiToken };
    await cluster.startCoordinator({ ...options, args: options.coordinatorArgs ?? [] });
    for (let i = 0; i < options.workers; i++)
      await cluster.startWorker({ threads: options.threads, ackWait: options.ackWait });
    return cluster;
  }

  async startCoordinator(options: CoordinatorOptions = {}): Promise<Service> {
    this.grpcPort ||= await freePort();
    const svc = this.spawnCoordinator(options, this.grpcPort);
    this.coordinator = svc;
    await svc.waitFor('coordinator ready');
    return svc;
  }

  /**
   * Starts another coordinator process on its own gRPC port (not waiting for it: a second one
   * stands by while the first holds the lease). The caller stops it.
   */
  spawnCoordinator(options: CoordinatorOptions, grpcPort: number): Service {
    const svc = new Service(
      spawn(
        process.execPath,
        [
          COORDINATOR,
          '--nats',
          this.nats.url,
          '--grpc',
          `127.0.0.1:${grpcPort}`,
          '--metrics-port',
          String(options.metricsPort ?? 0),
          '--ack-wait',
          String(options.ackWait ?? 5),
          '--capacity',
          String(options.capacity ?? 8),
          '--fold-timeout',
          String(options.foldTimeout ?? 600),
          '--max-upload-mb',
          String(options.maxUploadMb ?? 64),
          // A killed coordinator's lease expires soon, so a restarted one takes over quickly; long
          // enough that a coordinator stalled about 2.5 s on a busy machine keeps it (its
          // deadline is 2/3 of the lease after a renewal's send; renewals go every fifth).
          '--lease-seconds',
          String(options.leaseSeconds ?? 6),
          '--data-dir',
          tempDir('hpo-coord-'),
          ...(options.tls ? ['--tls-cert', options.tls.cert, '--tls-key', options.tls.key] : []),
          ...(options.tls?.clientCa ? ['--tls-client-ca', options.tls.clientCa] : []),
          ...(options.authFile ? ['--auth-file', options.authFile] : []),
          ...(options.args ?? []),
        ],
        { cwd: ROOT, env: this.env(options.env ?? {}, 'coordinator'), stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    this.spawned.push(svc);
    return svc;
  }

  /** Every coordinator spawned (killed by stop()). */
  private readonly spawned: Service[] = [];

  async startWorker(
    options: {
      threads?: number;
      ackWait?: number;
      metricsPort?: number;
      /** --grace: the most seconds running folds may take to finish after SIGTERM (default 5). */
      grace?: number;
      /** More flags, e.g. --prefetch 0. */
      args?: string[];
    } = {},
  ): Promise<Service> {
    const svc = new Service(
      spawn(
        process.execPath,
        [
          WORKER,
          '--nats',
          this.nats.url,
          '--threads',
          String(options.threads ?? 1),
          '--metrics-port',
          String(options.metricsPort ?? 0),
          '--ack-wait',
          String(options.ackWait ?? 5),
          '--grace',
          String(options.grace ?? 5),
          ...(options.args ?? []),
        ],
        { cwd: ROOT, env: this.env({}, 'worker'), stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    this.workers.push(svc);
    return svc;
  }

  /** Environment of a service process: its NATS credentials when the server requires them. */
  env(extra: Record<string, string> = {}, kind: 'coordinator' | 'worker' = 'coordinator'): NodeJS.ProcessEnv {
    const user = this.nats.credentials(kind);
    const auth = user ? { NATS_USER: user.user, NATS_PASSWORD: user.password } : {};
    return { ...process.env, ...auth, ...extra };
  }

  private apiOptions: { credentials?: grpc.ChannelCredentials | undefined; token?: string | undefined } = {};

  /** The typed gRPC client of the coordinator the cluster was started with (see `apiCredentials`). */
  api(): StudyServiceClient {
    this.client ??= this.connect(this.apiOptions);
    return this.client;
  }

  /** A new client with these credentials and bearer token (close it when done). */
  connect(options: {
    credentials?: grpc.ChannelCredentials | undefined;
    token?: string | undefined;
    host?: string;
    /** Another coordinator's port (default: the cluster's). */
    port?: number;
  }): StudyServiceClient {
    const token = options.token;
    const interceptors = token
      ? [
          (o: grpc.InterceptorOptions, next: grpc.NextCall) =>
            new grpc.InterceptingCall(next(o), {
              start(metadata, listener, go) {
                metadata.set('authorization', `Bearer ${token}`);
                go(metadata, listener);
              },
            }),
        ]
      : [];
    return new (loadHpoProto().hpo.v1.StudyService)(
      `${options.host ?? '127.0.0.1'}:${options.port ?? this.grpcPort}`,
      options.credentials ?? grpc.credentials.createInsecure(),
      { interceptors },
    );
  }

  async stop(): Promise<void> {
    this.client?.close();
    await Promise.all([
      ...this.workers.map((w) => w.kill('SIGKILL')),
      ...this.spawned.map((c) => c.kill('SIGKILL')),
    ]);
    await this.nats.dispose();
  }
}

/** Promisified unary call. */
export function call<Req, Res>(client: StudyServiceClient, method: string, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    (
      client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, v: Res) => void) => void>
    )[method]!(req, (e, v) => (e ? reject(e) : resolve(v)));
  });
}

/** Uploads a dataset described by a spec's dataset section; returns its hash. */
export async function uploadDataset(
  client: StudyServiceClient,
  spec: Record<string, unknown>,
): Promise<string> {
  const s = validateStudySpec(spec);
  const bytes = encodeDataset(loadDataset(s.dataset, s.dataset.path));
  const sha256 = sha256Hex(bytes);
  await uploadBytes(client, bytes, sha256);
  return sha256;
}

/** Uploads a spec's dataset and creates study `studyId` from it; answers the dataset's hash. */
export async function createStudy(
  client: StudyServiceClient,
  spec: Record<string, unknown>,
  studyId: string,
): Promise<string> {
  const hash = await uploadDataset(client, spec);
  await call(client, 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: hash, studyId });
  return hash;
}

export function uploadBytes(
  client: StudyServiceClient,
  bytes: Uint8Array,
  sha256: string,
  declaredSize = bytes.length,
  chunk = 64 * 1024,
): Promise<{ sha256: string; size: number; existed: boolean }> {
  return new Promise((resolve, reject) => {
    const stream = client.UploadDataset((err, res) =>
      err ? reject(err) : resolve(res as { sha256: string; size: number; existed: boolean }),
    );
    for (let off = 0; off < Math.max(bytes.length, 1); off += chunk) {
      stream.write({
        ...(off === 0 ? { sha256, size: declaredSize } : {}),
        data: Buffer.from(bytes.subarray(off, off + chunk)),
      });
    }
    stream.end();
  });
}

/**
 * Follows WatchStudy until the stream ends; returns every event. With `afterPosition` (1: from
 * the study's creation on), events already logged are replayed first.
 */
export function watch(
  client: StudyServiceClient,
  studyId: string,
  onEvent?: (e: StudyEventMessage__Output) => void,
  afterPosition = 0,
): Promise<StudyEventMessage__Output[]> {
  return new Promise((resolve, reject) => {
    const events: StudyEventMessage__Output[] = [];
    const stream = client.WatchStudy({ studyId, afterPosition });
    stream.on('data', (e: StudyEventMessage__Output) => {
      events.push(e);
      onEvent?.(e);
    });
    stream.on('end', () => resolve(events));
    stream.on('error', reject);
  });
}

/** A study's whole event log through ExportEvents, parsed. */
export function exportEvents<E = { type: string; [k: string]: unknown }>(
  client: StudyServiceClient,
  studyId: string,
): Promise<E[]> {
  return new Promise((resolve, reject) => {
    const out: E[] = [];
    const stream = client.ExportEvents({ studyId });
    stream.on('data', (r: { json: string }) => out.push(JSON.parse(r.json) as E));
    stream.on('end', () => resolve(out));
    stream.on('error', reject);
  });
}

/** The coordinator's /scaling figures (foldsWanted, foldsInFlight, foldsWaiting, workerSlots, …). */
export async function scalingOf(metricsPort: number): Promise<Record<string, number>> {
  return (await (await fetch(`http://127.0.0.1:${metricsPort}/scaling`)).json()) as Record<string, number>;
}
