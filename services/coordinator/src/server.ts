import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import {
  applyStoreLimits,
  BUCKETS,
  decodeTask,
  ensureInfrastructure,
  kvStream,
  type LimitNote,
  loadHpoProto,
  objectStoreSource,
  objStream,
  packageDefinition,
  STREAMS,
  WORKER_CONSUMER,
} from '@hpo/protocol';
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { studyServiceHandlers } from './api.js';
import { ConfigError, type CoordinatorConfig, isLoopback } from './config.js';
import { followStarted, startCoordinatorDashboard } from './dashboard.js';
import { DatasetReader } from './dataset-reader.js';
import { DatasetRegistry } from './datasets.js';
import { FairSlots } from './fair-slots.js';
import { followHandbacks } from './handback.js';
import { Lease } from './lease.js';
import { Metrics } from './metrics.js';
import { ResultsRouter } from './results-router.js';
import { Authenticator } from './security/authenticator.js';
import { RateLimiter } from './security/rate-limit.js';
import { StudyManager } from './study-manager.js';
import { loadSecret, TaskProofs } from './task-proofs.js';
import { WorkerPool } from './worker-pool.js';

/** A running coordinator: NATS connection, study manager, gRPC server, metrics. */
export interface Coordinator {
  port: number;
  /** The dashboard's port, when --dashboard-port is set (once leading). */
  readonly dashboardPort: number | undefined;
  /** Resolves true once this process holds the lease and serves; false if it stopped first. */
  leading: Promise<boolean>;
  /** Resolves with why, if the lease is lost: the process must stop at once. */
  lost: Promise<string>;
  stop(): Promise<void>;
}

/** Connects to NATS, resumes recorded studies, and serves the API. */
export async function startCoordinator(config: CoordinatorConfig, log: Logger): Promise<Coordinator> {
  mkdirSync(config.dataDir, { recursive: true });
  // Metrics and /scaling answer from the start, before NATS is reached (the liveness probe asks
  // /scaling: a coordinator waiting for NATS or for the lease is alive).
  const metrics = new Metrics();
  const live: { manager?: StudyManager; slots?: FairSlots; pool?: WorkerPool; jsm?: JetStreamManager } = {};
  let phase: 'standby' | 'serving' | 'stopping' = 'standby';
  const metricsServer = metrics.serve(
    config.metricsPort,
    async () => {
      const { manager, slots, pool, jsm } = live;
      metrics.leader.set(phase === 'serving' ? 1 : 0);
      if (!manager || !slots || !pool || !jsm) return;
      for (const [state, n] of Object.entries(manager.countByState())) metrics.studies.set({ state }, n);
      metrics.foldsWaiting.set(slots.queued);
      metrics.workerSlots.set(pool.slots);
      const info = await jsm.consumers.info(STREAMS.tasks, WORKER_CONSUMER);
      metrics.queueLag.set(info.num_pending + info.num_ack_pending);
    },
    () => {
      const { slots, pool } = live;
      // What the studies want to run now: in flight (queued or training) plus held back for a slot.
      return {
        foldsWanted: slots ? slots.used + slots.queued : 0,
        foldsInFlight: slots?.used ?? 0,
        foldsWaiting: slots?.queued ?? 0,
        workerSlots: pool?.slots ?? 0,
        workerSlotsBusy: pool?.busy ?? 0,
      };
    },
  );
  const nc: NatsConnection = await connect({
    ...config.natsAuth,
    servers: config.natsUrls,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // A coordinator started while NATS is down (a restart during an outage) waits for it
    // instead of exiting into a crash loop.
    waitOnFirstConnect: true,
    name: `hpo-coordinator ${config.name}`,
    // No call-site stack captured for every request (an Error built per JetStream publish and
    // per request): a few percent of the CPU of a fold, errors keep their type and message.
    noAsyncTraces: true,
  });
  // After an outage of the whole NATS cluster, JetStream answers "unavailable" for a while after
  // the connection is back (until its leaders are elected): wait for it rather than exit.
  const limitNotes: LimitNote[] = [];
  const jsm = await untilJetStream(log, async () => {
    const m = await jetstreamManager(nc);
    limitNotes.length = 0;
    limitNotes.push(
      ...(await ensureInfrastructure(nc, m, {
        ackWaitSeconds: config.ackWaitSeconds,
        replicas: config.streamReplicas,
        maxDeliver: config.maxDeliver,
        duplicateWindowSeconds: 600,
        storeMaxMb: config.storeMaxMb,
      })),
    );
    return m;
  });
  const js = jetstream(nc);
  const kv = await new Kvm(nc).open(BUCKETS.studies);
  const objm = new Objm(nc);
  const datasets = await objm.open(BUCKETS.datasets);
  const models = await objm.open(BUCKETS.models);
  // Coordinator-only buckets (workers have no access under deploy/nats/auth.conf).
  const tenants = await new Kvm(nc).create(BUCKETS.tenants, { history: 1, replicas: config.streamReplicas });
  const uploads = await objm.create(BUCKETS.uploads, { replicas: config.streamReplicas });
  const registry = new DatasetRegistry(tenants, datasets, uploads);
  const auth = new Authenticator(config.authFile, log);
  auth.watch();
  const proofs = new TaskProofs(await loadSecret(nc, config.streamReplicas), Date.now().toString(36));
  // The coordinator's own buckets get their store limits (ensureInfrastructure set the shared ones).
  for (const stream of [kvStream(BUCKETS.tenants), objStream(BUCKETS.uploads), kvStream(BUCKETS.keys)])
    limitNotes.push(...(await applyStoreLimits(jsm, stream, config.storeMaxMb)));
  for (const h of limitNotes)
    log.warn(
      { stream: h.stream, holdsBytes: h.holds, limitBytes: h.wanted, err: h.error },
      h.error
        ? 'cannot set a stream to its share of --store-max-mb; it keeps its old bound'
        : 'a stream holds (nearly) more than its share of --store-max-mb: its bound stays above what it holds (nothing is dropped) until retention shrinks it',
    );
  const router = new ResultsRouter(js, log, proofs, metrics);
  const pool = new WorkerPool({
    capacity: config.capacity,
    prefetch: config.prefetch,
    onLimit: (limit) => {
      slots.setCapacity(limit);
      metrics.dispatchLimit.set(limit);
    },
    log,
  });
  // Until workers announce themselves, only the prefetch is queued.
  const slots = new FairSlots(pool.limit);
  metrics.dispatchLimit.set(pool.limit);
  const manager = new StudyManager({
    proofs,
    foldTimeoutSeconds: config.foldTimeoutSeconds,
    nc,
    js,
    jsm,
    router,
    slots,
    metrics,
    kv,
    // A raw copy plus up to twice its size unpacked sit in the data dir while a file is read.
    reader: new DatasetReader(
      registry,
      join(config.dataDir, 'uploads'),
      {
        entries: 200_000,
        bytes: 2 * config.maxUploadBytes,
        heapMb: config.readHeapMb,
      },
      {
        uploads: objectStoreSource(js, uploads, BUCKETS.uploads),
        datasets: objectStoreSource(js, datasets, BUCKETS.datasets),
      },
    ),
    models,
    log,
    capacity: config.capacity,
    quota: (tenant) => auth.current?.quota(tenant),
  });
  Object.assign(live, { manager, slots, pool, jsm });

  // gRPC listens at once; until this process holds the lease and has read the study records,
  // health says NOT_SERVING and every StudyService call answers UNAVAILABLE.
  let standbyWhy = 'this coordinator is starting';
  let natsUp = true;
  const health = new HealthImplementation({ '': 'NOT_SERVING', 'hpo.v1.StudyService': 'NOT_SERVING' });
  const setHealth = () => {
    const status = phase === 'serving' && natsUp ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', status);
    health.setStatus('hpo.v1.StudyService', status);
  };
  void (async () => {
    for await (const s of nc.status()) {
      log.info({ nats: s.type }, 'nats status');
      // Health follows the connection: a coordinator cut off from NATS cannot run a study.
      if (s.type === 'disconnect') natsUp = false;
      else if (s.type === 'reconnect') natsUp = true;
      else continue;
      setHealth();
    }
  })();

  // Upload chunks are at most 1 MiB (proto): a small message limit bounds what one call buffers.
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 2 * 1024 * 1024 });
  const proto = loadHpoProto();
  server.addService(
    proto.hpo.v1.StudyService.service,
    studyServiceHandlers({
      manager,
      registry,
      auth,
      limiter: new RateLimiter(),
      maxUploadBytes: config.maxUploadBytes,
      metrics,
      log,
      notServing: () => (phase === 'serving' ? undefined : standbyWhy),
    }),
  );
  // Health and reflection stay open: they say nothing about studies.
  health.addToServer(server);
  new ReflectionService(packageDefinition()).addToServer(server);
  const port = await listen(server, config.grpcAddress, serverCredentials(config));
  // Kubernetes' gRPC probes speak plaintext only: under TLS they use this health-only listener.
  const healthServer = config.healthAddress ? new grpc.Server() : undefined;
  if (healthServer) {
    health.addToServer(healthServer);
    await listen(healthServer, config.healthAddress!, grpc.ServerCredentials.createInsecure());
  }
  warnIfOpen(config, log);
  const stopping = new AbortController();
  const lease = await Lease.open(nc, jsm, {
    holder: `${config.name} ${process.pid} ${Date.now().toString(36)}`,
    seconds: config.leaseSeconds,
    replicas: config.streamReplicas,
    storeMaxMb: config.storeMaxMb,
    log,
  });
  let dashboard: Awaited<ReturnType<typeof startCoordinatorDashboard>>;
  let sweeper: NodeJS.Timeout | undefined;
  let resuming: Promise<void> = Promise.resolve();
  let sweeping: Promise<void> = Promise.resolve();
  /** Takes the lease (waiting while another coordinator holds it), then runs the studies. */
  const lead = async (): Promise<boolean> => {
    const held = await lease.acquire(stopping.signal, (why) => {
      standbyWhy = `this coordinator is on standby: ${why}`;
    });
    if (!held) return false;
    try {
      return await serve();
    } catch (err) {
      // Whatever failed, the next coordinator need not wait out the lease; studies this one
      // already drives stop first.
      if (phase === 'serving') {
        phase = 'stopping';
        stopping.abort();
        await resuming;
        await manager.shutdown().catch(() => undefined);
      }
      await lease.release();
      throw err;
    }
  };
  const serve = async (): Promise<boolean> => {
    await router.start();
    pool.follow(nc);
    watchMaxDeliveries(nc, jsm, router, log);
    followStarted(nc, manager, proofs, metrics, log);
    followHandbacks(nc, js, jsm, manager, metrics, log);
    const t0 = Date.now();
    await manager.loadRecords();
    if (stopping.signal.aborted) return false;
    phase = 'serving';
    setHealth();
    const sweep = () => {
      if (stopping.signal.aborted) return;
      sweeping = sweeping.then(() =>
        manager
          .sweep(config.retainDays, registry)
          .then(() => undefined)
          .catch((err) => log.warn({ err: String(err) }, 'retention sweep failed')),
      );
    };
    if (config.retainDays > 0) {
      // Often enough that nothing outlives its retention by more than a tenth of it (at most an hour).
      sweeper = setInterval(sweep, Math.min(3600_000, Math.max(10_000, config.retainDays * 8640_000)));
      sweeper.unref();
    }
    dashboard = await startCoordinatorDashboard(config, manager, auth, log);
    log.info(
      {
        grpc: `${config.grpcAddress.slice(0, config.grpcAddress.lastIndexOf(':'))}:${port}`,
        tls: config.tls ? (config.tls.clientCa ? 'mutual' : 'server') : 'off',
        auth: auth.enabled ? 'tokens' : 'off',
        nats: config.natsUrls.join(','),
        metricsPort: config.metricsPort,
        dashboard: dashboard?.url ?? 'off',
        studies: manager.countByState(),
        readyMs: Date.now() - t0,
      },
      'coordinator ready',
    );
    // Running studies resume in the background (calls on one wait for it); ended ones load on
    // demand. Started once gRPC serves and the ready line is out, so no resume holds up the start.
    resuming = manager.resumeRunning(stopping.signal).catch((err) => {
      log.error({ err: String(err) }, 'resuming studies failed');
    });
    if (config.retainDays > 0) void resuming.then(sweep);
    return true;
  };
  const leading = lead();
  log.info({ grpc: port, lease: config.leaseSeconds }, 'coordinator listening; taking the lease');

  return {
    port,
    get dashboardPort() {
      return dashboard?.port;
    },
    leading,
    lost: lease.lost,
    async stop() {
      phase = 'stopping';
      standbyWhy = 'this coordinator is stopping';
      setHealth();
      stopping.abort();
      await leading.catch(() => false);
      clearInterval(sweeper);
      await sweeping;
      // Stop the runners first (their state is all in JetStream), then the API. WatchStudy
      // streams never end on their own, so give open calls two seconds, then cut them.
      await dashboard?.close();
      await resuming;
      await manager.shutdown();
      await Promise.race([
        new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
        new Promise<void>((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
      server.forceShutdown();
      healthServer?.forceShutdown();
      auth.stop();
      pool.stop();
      await router.stop();
      metricsServer?.close();
      // Last: the next coordinator may take over only once this one stopped acting.
      await lease.release();
      await nc.drain();
    },
  };
}

/** Runs `setUp` until JetStream answers (retrying every 1-5 s), logging what it waits for. */
async function untilJetStream<T>(log: Logger, setUp: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await setUp();
    } catch (err) {
      // A store too small for the budget will not pass; anything else (no responders, JetStream
      // not ready, a timeout) may, for about five minutes.
      if (attempt >= 60 || /cannot reserve/i.test(String(err))) throw err;
      log.warn({ err: String(err), attempt }, 'JetStream is not ready; retrying');
      await new Promise((r) => setTimeout(r, Math.min(5000, 1000 * attempt)));
    }
  }
}

/** Binds `address`; resolves with the port (0 picks a free one). */
function listen(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
}

/** TLS (mutual when a client CA is given) from the configured files, or plaintext. */
function serverCredentials(config: CoordinatorConfig): grpc.ServerCredentials {
  if (!config.tls) return grpc.ServerCredentials.createInsecure();
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(what, `${what}: cannot read ${file} (${(err as Error).message})`);
    }
  };
  const { cert, key, clientCa } = config.tls;
  return grpc.ServerCredentials.createSsl(
    clientCa ? read(clientCa, '--tls-client-ca') : null,
    [{ cert_chain: read(cert, '--tls-cert'), private_key: read(key, '--tls-key') }],
    clientCa !== undefined,
  );
}

/** The warnings --insecure asks for: what is exposed, to whom. */
function warnIfOpen(config: CoordinatorConfig, log: Logger): void {
  if (isLoopback(config.grpcAddress)) return;
  if (!config.tls)
    log.warn(
      { grpc: config.grpcAddress },
      'INSECURE: the API listens beyond loopback without TLS (--insecure)',
    );
  if (!config.authFile)
    log.warn(
      { grpc: config.grpcAddress },
      'INSECURE: the API listens beyond loopback without authentication (--insecure)',
    );
}

/** A task delivered max_deliver times without a result fails its fold instead of hanging the study. */
function watchMaxDeliveries(
  nc: NatsConnection,
  jsm: Awaited<ReturnType<typeof jetstreamManager>>,
  router: ResultsRouter,
  log: Logger,
): void {
  const sub = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${STREAMS.tasks}.${WORKER_CONSUMER}`);
  void (async () => {
    for await (const m of sub) {
      try {
        const advisory = m.json<{ stream_seq: number; deliveries: number }>();
        const msg = await jsm.streams.getMessage(STREAMS.tasks, { seq: advisory.stream_seq });
        if (!msg) continue;
        // Only a well-formed task is failed (decoding checks its shape); only the server may publish
        // advisories under deploy/nats/auth.conf.
        const envelope = decodeTask(msg.data);
        log.warn(
          { task: envelope.id, deliveries: advisory.deliveries },
          'task given up after max deliveries',
        );
        router.deliver({
          id: envelope.id,
          study: envelope.study,
          epoch: envelope.epoch,
          nonce: envelope.nonce,
          ok: false,
          error: {
            kind: 'unavailable',
            message: `no worker finished this task in ${advisory.deliveries} deliveries (workers crashed or timed out)`,
            retryable: false,
          },
          worker: 'coordinator',
          deliveries: advisory.deliveries,
        });
        await jsm.streams.deleteMessage(STREAMS.tasks, advisory.stream_seq).catch(() => undefined);
      } catch (err) {
        log.error({ err: String(err) }, 'cannot handle a max-deliveries advisory');
      }
    }
  })();
}
