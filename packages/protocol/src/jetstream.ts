import {
  AckPolicy,
  type DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { type NatsConnection, nanos, PermissionViolationError } from '@nats-io/transport-node';
import { BUCKETS, COORDINATOR_RESULTS_CONSUMER, STREAMS, SUBJECTS, WORKER_CONSUMER } from './nats.js';
import { DEFAULT_STORE_MAX_MB, kvStream, objStream, streamLimits } from './retention.js';

/** Delivery settings of the task queue, shared by coordinator and workers. */
export interface QueueSettings {
  /** Seconds a worker may hold a task without `working()` or ack before it is redelivered. */
  ackWaitSeconds: number;
  /** Deliveries of one task before it is given up (then recorded as a failed fold). */
  maxDeliver: number;
  /** Seconds within which a republished task id is dropped as a duplicate. */
  duplicateWindowSeconds: number;
  /**
   * Copies of every stream, KV and object store in a NATS cluster (1 to 5, at most the number
   * of servers). Applies when they are created; existing ones keep theirs.
   */
  replicas?: number;
  /**
   * MiB of JetStream store hpo's streams and buckets may reserve altogether, split by
   * STORE_LIMITS. When given, it is applied to existing ones too (the coordinator); when not,
   * new ones get DEFAULT_STORE_MAX_MB's limits and existing ones keep theirs (workers).
   */
  storeMaxMb?: number;
}

/**
 * Seconds within which a study event republished with the same id is stored once. A coordinator
 * retries a publish for half of it, so a retry never lands outside the window.
 */
export const EVENTS_DUPLICATE_WINDOW_SECONDS = 600;

export const DEFAULT_QUEUE: QueueSettings = {
  ackWaitSeconds: 30,
  maxDeliver: 3,
  duplicateWindowSeconds: 600,
};

/**
 * Creates (or leaves as they are) the streams, consumers and buckets hpo uses, so coordinator
 * and workers can start in any order. File storage: everything survives a server restart.
 */
export async function ensureInfrastructure(
  nc: NatsConnection,
  jsm: JetStreamManager,
  q: QueueSettings = DEFAULT_QUEUE,
): Promise<LimitNote[]> {
  const replicas = q.replicas ?? 1;
  const mb = q.storeMaxMb ?? DEFAULT_STORE_MAX_MB;
  const limit = q.storeMaxMb !== undefined;
  const notes: LimitNote[] = [];
  const streams = [
    [STREAMS.tasks, SUBJECTS.tasksAll, RetentionPolicy.Workqueue, q.duplicateWindowSeconds],
    [STREAMS.results, SUBJECTS.resultsAll, RetentionPolicy.Limits, q.duplicateWindowSeconds],
    [STREAMS.events, SUBJECTS.eventsAll, RetentionPolicy.Limits, EVENTS_DUPLICATE_WINDOW_SECONDS],
  ] as const;
  for (const [name, subject, retention, windowSeconds] of streams) {
    const config = {
      num_replicas: replicas,
      name,
      subjects: [subject],
      retention,
      storage: StorageType.File,
      duplicate_window: nanos(windowSeconds * 1000),
      ...streamLimits(name, mb),
    };
    notes.push(...(await ensureStream(jsm, config, limit)));
  }
  await ensureConsumer(jsm, STREAMS.tasks, {
    durable_name: WORKER_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(q.ackWaitSeconds * 1000),
    max_deliver: q.maxDeliver,
    max_ack_pending: 10_000,
  });
  await ensureConsumer(jsm, STREAMS.results, {
    durable_name: COORDINATOR_RESULTS_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(30_000),
  });
  await new Kvm(nc).create(BUCKETS.studies, { storage: StorageType.File, history: 1, replicas });
  const objm = new Objm(nc);
  await objm.create(BUCKETS.datasets, { storage: StorageType.File, replicas });
  await objm.create(BUCKETS.models, { storage: StorageType.File, replicas });
  if (limit)
    for (const stream of [kvStream(BUCKETS.studies), objStream(BUCKETS.datasets), objStream(BUCKETS.models)])
      notes.push(...(await applyStoreLimits(jsm, stream, mb)));
  return notes;
}

/**
 * A stream whose store limit was not applied: it already holds (nearly) more than the new bound
 * (see updateLimits), or the update failed (`error`). The coordinator logs them.
 */
export interface LimitNote {
  stream: string;
  holds: number;
  wanted: number;
  error?: string;
}

/**
 * Sets a stream's (or a bucket's) STORE_LIMITS for a budget of `storeMaxMb` MiB when they differ
 * (`maxAgeSeconds` overrides the table's age, e.g. the lease time). Best effort: a user without
 * the right (a worker) leaves it to the coordinator.
 */
export async function applyStoreLimits(
  jsm: JetStreamManager,
  stream: string,
  storeMaxMb: number,
  maxAgeSeconds?: number,
): Promise<LimitNote[]> {
  const want = streamLimits(stream, storeMaxMb);
  if (maxAgeSeconds !== undefined) want.max_age = nanos(maxAgeSeconds * 1000);
  const info = await jsm.streams.info(stream).catch(() => undefined);
  return info ? updateLimits(jsm, info, want) : [];
}

/**
 * Updates a stream's limits, never below what it holds: NATS drops the oldest messages of a
 * stream whose max_bytes is lowered below its size, even with discard 'new' (a first upgrade to
 * bounded streams must not lose events). Such a stream keeps its old bound until it shrinks (the
 * retention sweep), and is returned as a note for the coordinator to log.
 */
async function updateLimits(
  jsm: JetStreamManager,
  info: StreamInfo,
  want: { max_bytes?: number | undefined; max_age?: number | undefined; discard?: DiscardPolicy | undefined },
): Promise<LimitNote[]> {
  const notes: LimitNote[] = [];
  const c = info.config;
  const held = info.state.bytes;
  let maxBytes = want.max_bytes ?? c.max_bytes;
  // A margin: writes between reading the size and the update must not push it past the bound.
  const lowering = maxBytes > 0 && (c.max_bytes <= 0 || maxBytes < c.max_bytes);
  if (lowering && held > maxBytes * 0.9) {
    maxBytes = c.max_bytes > 0 ? Math.max(c.max_bytes, held) : -1;
    notes.push({ stream: c.name, holds: held, wanted: want.max_bytes ?? 0 });
  }
  const next = {
    max_bytes: maxBytes,
    max_age: want.max_age ?? c.max_age,
    discard: want.discard ?? c.discard,
  };
  if (c.max_bytes === next.max_bytes && c.max_age === next.max_age && c.discard === next.discard)
    return notes;
  // NATS refuses a dedupe window longer than the max age (the lease's few seconds).
  const duplicateWindow =
    next.max_age > 0 && c.duplicate_window > next.max_age ? next.max_age : c.duplicate_window;
  await jsm.streams
    .update(c.name, { ...c, ...next, duplicate_window: duplicateWindow })
    .catch((err: unknown) => {
      // A worker may not update streams: that is expected. Anything else the coordinator logs.
      if (!permissionViolation(err))
        notes.push({ stream: c.name, holds: held, wanted: next.max_bytes, error: String(err) });
    });
  return notes;
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Parameters<JetStreamManager['streams']['add']>[0],
  limit: boolean,
): Promise<LimitNote[]> {
  const info = await jsm.streams.info(config.name!).catch(() => undefined);
  if (info) {
    // A stream made by an older version keeps its settings, except the dedupe window, which the
    // event store's retry bound relies on, and its store limits. Best effort: a user without the
    // right (a worker) leaves it to the coordinator.
    const c = info.config;
    if (config.duplicate_window !== undefined && c.duplicate_window !== config.duplicate_window)
      await jsm.streams
        .update(config.name!, { ...c, duplicate_window: config.duplicate_window })
        .catch(() => undefined);
    if (!limit) return [];
    return updateLimits(jsm, (await jsm.streams.info(config.name!).catch(() => undefined)) ?? info, {
      max_bytes: config.max_bytes,
      max_age: config.max_age,
      discard: config.discard,
    });
  }
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // Another process created it between our check and our add.
    await jsm.streams.info(config.name!).catch(() => {
      throw storageError(err, config.name!, config.max_bytes);
    });
  }
  return [];
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Parameters<JetStreamManager['consumers']['add']>[1],
): Promise<void> {
  try {
    await jsm.consumers.info(stream, config.durable_name!);
  } catch {
    try {
      await jsm.consumers.add(stream, config);
    } catch (err) {
      await jsm.consumers.info(stream, config.durable_name!).catch(() => {
        throw err;
      });
    }
  }
}

/**
 * NATS reserves a stream's max_bytes when it is created: on a server whose max_file_store (or
 * disk) is smaller than the store budget, creation fails with "insufficient resources". That
 * error, said in hpo's terms; any other is returned as it is.
 */
export function storageError(err: unknown, stream: string, maxBytes: number | undefined): unknown {
  if (!/insufficient (storage )?resources/i.test(String(err))) return err;
  return new Error(
    `NATS cannot reserve ${maxBytes ?? 0} bytes for stream ${stream}: the store budget (--store-max-mb, HPO_STORE_MAX_MB) is larger than what the server allows (its max_file_store, or its free disk). Lower the budget or give NATS more store (${String(err)})`,
  );
}

/**
 * Whether a JetStream call failed because a stream or consumer does not exist (deleted, or not
 * created yet): the typed API error codes, never the message text.
 */
export function isMissingStreamOrConsumer(err: unknown): boolean {
  return (
    err instanceof JetStreamApiError &&
    (err.code === JetStreamApiCodes.StreamNotFound || err.code === JetStreamApiCodes.ConsumerNotFound)
  );
}

/** The permission violation behind an error (a request's error carries it as its cause), if any. */
export function permissionViolation(err: unknown): PermissionViolationError | undefined {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof PermissionViolationError) return e;
  return undefined;
}
