/**
 * How much of the JetStream store each stream and bucket hpo creates may hold, and for how long.
 * One table, read by the code that creates them (ensureInfrastructure and the coordinator) and
 * by the manifests test, so a new stream cannot ship without a bound.
 *
 * The budget (`--store-max-mb`, HPO_STORE_MAX_MB) is split by share. NATS reserves a stream's
 * max_bytes on every server holding a replica, so the budget must stay below each server's
 * max_file_store (and that below its volume). Finished studies are removed as a whole by the
 * coordinator after `--retain-days` (events, record, model, and datasets no study uses), so the
 * limits below are a last bound, not the way data normally leaves.
 */
import { DiscardPolicy } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { BUCKETS, STREAMS } from './nats.js';

export interface StoreLimit {
  /** Share of the store budget, 0 to 1; the shares add up to at most 1. */
  share: number;
  /** Seconds a message lives, or undefined: kept until the coordinator removes it. */
  maxAgeSeconds?: number;
  /** When full: 'old' drops the oldest messages, 'new' refuses the write (nothing is lost silently). */
  discard: 'old' | 'new';
  /** Why this bound (for deploy/README and reviewers). */
  why: string;
}

const DAY = 24 * 3600;

/** Every stream and bucket, by the JetStream stream that stores it (KV_<bucket>, OBJ_<bucket>). */
export const STORE_LIMITS: Record<string, StoreLimit> = {
  [STREAMS.tasks]: {
    share: 0.04,
    discard: 'new',
    why: 'a work queue: tasks leave when acknowledged; a full queue refuses new tasks, which are retried',
  },
  [STREAMS.results]: {
    share: 0.04,
    maxAgeSeconds: 7 * DAY,
    discard: 'old',
    why: 'read once by the coordinator; a week covers any coordinator outage',
  },
  [STREAMS.events]: {
    share: 0.1,
    discard: 'new',
    why: "the studies' logs: never dropped while a study may need them; finished studies leave after --retain-days",
  },
  [kvStream(BUCKETS.studies)]: { share: 0.01, discard: 'new', why: 'one small record per study' },
  [kvStream(BUCKETS.keys)]: { share: 0.001, discard: 'new', why: 'the task secret' },
  [kvStream(BUCKETS.tenants)]: { share: 0.01, discard: 'new', why: 'who uploaded what (per tenant)' },
  [kvStream(BUCKETS.lease)]: {
    share: 0.001,
    discard: 'old',
    why: 'one key; its age limit is the lease time (set by the coordinator)',
  },
  [objStream(BUCKETS.datasets)]: {
    share: 0.4,
    discard: 'new',
    why: 'canonical datasets, shared by studies; removed when no kept study uses them',
  },
  [objStream(BUCKETS.uploads)]: {
    share: 0.2,
    maxAgeSeconds: 7 * DAY,
    discard: 'new',
    why: 'raw uploads, read only when a study is created; the CLI uploads again when one is gone',
  },
  [objStream(BUCKETS.models)]: {
    share: 0.18,
    discard: 'new',
    why: 'best models; removed with their study after --retain-days',
  },
};

/** The default store budget in MiB (a coordinator flag overrides it). */
export const DEFAULT_STORE_MAX_MB = 4096;

/** The stream behind a KV bucket. */
export function kvStream(bucket: string): string {
  return `KV_${bucket}`;
}

/** The stream behind an object store. */
export function objStream(bucket: string): string {
  return `OBJ_${bucket}`;
}

/** A stream's limits as stream config fields, for a store budget of `storeMaxMb` MiB. */
export function streamLimits(
  stream: string,
  storeMaxMb: number,
): { max_bytes: number; max_age: number; discard: DiscardPolicy } {
  const limit = STORE_LIMITS[stream];
  if (!limit) throw new Error(`no store limit for stream ${stream} (add it to STORE_LIMITS)`);
  return {
    max_bytes: Math.max(1024 * 1024, Math.floor(limit.share * storeMaxMb * 1024 * 1024)),
    max_age: limit.maxAgeSeconds ? nanos(limit.maxAgeSeconds * 1000) : 0,
    discard: limit.discard === 'old' ? DiscardPolicy.Old : DiscardPolicy.New,
  };
}
