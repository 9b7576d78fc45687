import {
  AckPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { type NatsConnection, nanos, PermissionViolationError } from '@nats-io/transport-node';
import { BUCKETS, COORDINATOR_RESULTS_CONSUMER, STREAMS, SUBJECTS, WORKER_CONSUMER } from './nats.js';

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
): Promise<void> {
  const replicas = q.replicas ?? 1;
  await ensureStream(jsm, {
    num_replicas: replicas,
    name: STREAMS.tasks,
    subjects: [SUBJECTS.tasksAll],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(q.duplicateWindowSeconds * 1000),
  });
  await ensureStream(jsm, {
    num_replicas: replicas,
    name: STREAMS.results,
    subjects: [SUBJECTS.resultsAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(q.duplicateWindowSeconds * 1000),
    max_age: nanos(7 * 24 * 3600 * 1000),
    discard: DiscardPolicy.Old,
  });
  await ensureStream(jsm, {
    num_replicas: replicas,
    name: STREAMS.events,
    subjects: [SUBJECTS.eventsAll],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(EVENTS_DUPLICATE_WINDOW_SECONDS * 1000),
  });
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
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Parameters<JetStreamManager['streams']['add']>[0],
): Promise<void> {
  const info = await jsm.streams.info(config.name!).catch(() => undefined);
  if (info) {
    // A stream made by an older version keeps its settings, except the dedupe window, which the
    // event store's retry bound relies on. Best effort: a user without the right (a worker)
    // leaves it to the coordinator.
    const want = config.duplicate_window;
    if (want !== undefined && info.config.duplicate_window !== want) {
      await jsm.streams
        .update(config.name!, { ...info.config, duplicate_window: want })
        .catch(() => undefined);
    }
    return;
  }
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // Another process created it between our check and our add.
    await jsm.streams.info(config.name!).catch(() => {
      throw err;
    });
  }
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
