/**
 * The worker's NATS connection: connecting (waiting for the server), creating what is missing,
 * and reading the task consumer's settings in force. Nothing here knows about tasks.
 */
import { errorText } from '@hpo/core';
import { DEFAULT_QUEUE, ensureInfrastructure, WORKER_INBOX_PREFIX } from '@hpo/protocol';
import { type Consumer, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { WorkerConfig } from './config.js';

/** Connects, waiting for the server at start and after every outage (a worker is useless without it). */
export async function connectNats(config: WorkerConfig, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    ...config.natsAuth,
    servers: config.natsUrl,
    name: `hpo-worker ${config.name}`,
    // Replies to this worker come under the prefix its NATS user may subscribe to.
    inboxPrefix: WORKER_INBOX_PREFIX,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: true,
    reconnectTimeWait: 1000,
    // No call-site stack captured for every request (an Error built per JetStream publish and
    // per request): a few percent of the CPU of a fold, errors keep their type and message.
    noAsyncTraces: true,
  });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error')
        log.warn({ event: s.type, server: 'server' in s ? s.server : undefined }, `NATS ${s.type}`);
    }
  })().catch(() => {});
  log.info({ server: nc.getServer() }, 'connected to NATS');
  return nc;
}

/** Creates whatever streams, consumers and buckets are missing, with this worker's settings. */
export async function ensureStreams(nc: NatsConnection, config: WorkerConfig): Promise<void> {
  await ensureInfrastructure(nc, await jetstreamManager(nc), {
    ackWaitSeconds: config.ackWaitSeconds,
    maxDeliver: config.maxDeliver,
    duplicateWindowSeconds: DEFAULT_QUEUE.duplicateWindowSeconds,
    replicas: config.streamReplicas,
  });
}

/** Retries a setup step every second until it succeeds or `giveUp()` says stop. */
export async function retry<T>(
  what: string,
  fn: () => Promise<T>,
  log: Logger,
  giveUp: () => boolean,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (giveUp()) throw err;
      log.warn({ attempt, err: errorText(err) }, `cannot ${what} yet; retrying`);
      await sleep(1000);
    }
  }
}

/** The task consumer's settings in force that a worker goes by. */
export interface ConsumerSettings {
  ackWaitMs: number;
  /** Deliveries of a task before it is given up; Infinity when unlimited. */
  maxDeliver: number;
  /**
   * The most tasks one pull request may ask for: the consumer's max_batch, which an operator may
   * set, or the server's JetStream limits (`max_request_batch`) when the consumer is created or
   * updated without one. The server refuses a request above it. Infinity when unlimited.
   */
  maxBatch: number;
  /**
   * The longest a pull request may wait on the server, in whole milliseconds (the consumer's
   * max_expires rounded down: a fraction would not parse as the request's nanoseconds); Infinity
   * when unlimited.
   */
  maxExpiresMs: number;
  /** The server's ack wait and max deliveries, when they differ from this worker's configuration. */
  overrides?: { ackWaitSeconds: number; maxDeliver: number };
}

/**
 * The task consumer's settings in force: the server's copy wins over ours when the consumer
 * existed with other settings.
 */
export async function consumerSettings(consumer: Consumer, config: WorkerConfig): Promise<ConsumerSettings> {
  const info = await consumer.info(true);
  const ackWaitMs = (info.config.ack_wait ?? config.ackWaitSeconds * 1e9) / 1e6;
  const maxDeliver = info.config.max_deliver ?? -1;
  const maxBatch = info.config.max_batch ?? 0;
  const maxExpiresMs = Math.floor((info.config.max_expires ?? 0) / 1e6);
  return {
    ackWaitMs,
    maxDeliver: maxDeliver > 0 ? maxDeliver : Number.POSITIVE_INFINITY,
    maxBatch: maxBatch > 0 ? maxBatch : Number.POSITIVE_INFINITY,
    // The server takes no max_expires under 1 ms.
    maxExpiresMs: maxExpiresMs > 0 ? maxExpiresMs : Number.POSITIVE_INFINITY,
    ...(ackWaitMs !== config.ackWaitSeconds * 1000 || maxDeliver !== config.maxDeliver
      ? { overrides: { ackWaitSeconds: ackWaitMs / 1000, maxDeliver } }
      : {}),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
