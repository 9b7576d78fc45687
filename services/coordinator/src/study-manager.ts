import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import {
  type Dataset,
  DatasetError,
  decodeDataset,
  type StudySpec,
  sha256Hex,
  stratifiedFold,
  validateStudySpec,
} from '@hpo/core';
import { checkParamNames, type StudyEndReason, type StudyEvent, StudyRunner } from '@hpo/orchestrator';
import { BUCKETS, STUDY_ID } from '@hpo/protocol';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { ApiError, invalid, notFound } from './api-error.js';
import { JetStreamStudyStore } from './event-store.js';
import { NatsExecutor, type NatsExecutorDeps } from './nats-executor.js';

export type StudyState = 'running' | 'finished' | 'cancelled' | 'failed';

/** A study's entry in the KV bucket: enough to list it and to resume it after a restart. */
export interface StudyRecord {
  id: string;
  name: string;
  state: StudyState;
  spec: StudySpec;
  datasetHash: string;
  createdAt: string;
  endReason?: StudyEndReason;
  message?: string;
  modelReady: boolean;
}

interface Active {
  record: StudyRecord;
  runner: StudyRunner;
  store: JetStreamStudyStore;
  executor: NatsExecutor;
  stop: AbortController;
  listeners: Set<(e: StudyEvent | { type: 'ended' }) => void>;
  done: Promise<void>;
}

export interface StudyManagerDeps extends NatsExecutorDeps {
  kv: KV;
  datasets: ObjectStore;
  models: ObjectStore;
  log: Logger;
  capacity: number;
}

/**
 * Owns every study of this coordinator: creates them (validating spec and dataset), runs one
 * StudyRunner per study over NATS workers, resumes unfinished studies after a restart (their
 * state is replayed from the event stream), cancels, and answers queries.
 */
export class StudyManager {
  private readonly studies = new Map<string, Active>();

  constructor(private readonly deps: StudyManagerDeps) {}

  /** Re-opens every study recorded in KV; running ones continue where they stopped. */
  async resumeAll(): Promise<void> {
    const keys = await this.deps.kv.keys();
    for await (const key of keys) {
      const entry = await this.deps.kv.get(key);
      if (entry?.operation !== 'PUT') continue;
      const record = entry.json<StudyRecord>();
      try {
        await this.open(record, record.state === 'running');
        this.deps.log.info(
          { study: record.id, state: record.state },
          record.state === 'running' ? 'resumed study' : 'loaded study',
        );
      } catch (err) {
        this.deps.log.error({ study: record.id, err: String(err) }, 'cannot reopen study');
      }
    }
  }

  /** Validates and starts a study. */
  async create(specText: string, datasetHash: string, requestedId: string): Promise<StudyRecord> {
    if (!specText.trim()) throw invalid('spec: is empty; send the study spec as YAML or JSON text');
    let raw: unknown;
    try {
      raw = parseYaml(specText);
    } catch (err) {
      throw invalid(`spec: not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
    }
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      // The dataset travels by hash; a path is only meaningful on the client.
      const ds = (raw as { dataset?: Record<string, unknown> }).dataset;
      if (ds && typeof ds === 'object' && ds.path === undefined) ds.path = '(uploaded)';
    }
    const spec = validateStudySpec(raw);
    checkParamNames(spec);
    if (!/^[0-9a-f]{64}$/.test(datasetHash))
      throw invalid(`dataset_sha256: must be 64 lowercase hex digits, got '${datasetHash}'`);
    const dataset = await this.fetchDataset(datasetHash);
    const expected = spec.dataset.kind === 'tabular' ? 'tabular' : 'images';
    if (dataset.kind !== expected) {
      throw invalid(
        `dataset.kind: the spec says ${spec.dataset.kind}, but dataset ${datasetHash.slice(0, 12)}… holds ${dataset.kind === 'images' ? 'images' : 'a table'}`,
      );
    }
    stratifiedFold(dataset.labels, spec.cv.k, spec.cv.seed, 0, 0); // a class with fewer rows than folds fails here
    let id = requestedId;
    if (id) {
      if (!STUDY_ID.test(id)) throw invalid(`study_id: '${id}' must be 1-64 letters, digits, '-' or '_'`);
      if (this.studies.has(id)) throw new ApiError(status.ALREADY_EXISTS, `study '${id}' already exists`);
    } else {
      id = `${spec.name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 50)}-${randomBytes(3).toString('hex')}`;
    }
    const record: StudyRecord = {
      id,
      name: spec.name,
      state: 'running',
      spec,
      datasetHash,
      createdAt: new Date().toISOString(),
      modelReady: false,
    };
    try {
      // create() fails when the key exists: two requests for one id cannot both win.
      await this.deps.kv.create(id, JSON.stringify(record));
    } catch (err) {
      if ((await this.deps.kv.get(id))?.operation === 'PUT') {
        throw new ApiError(status.ALREADY_EXISTS, `study '${id}' already exists`);
      }
      throw err;
    }
    await this.open(record, true);
    this.deps.log.info({ study: id, trials: spec.budget.trials }, 'created study');
    return record;
  }

  get(id: string): Active {
    const s = this.studies.get(id);
    if (!s) throw notFound(`study '${id}' not found`);
    return s;
  }

  list(): Active[] {
    return [...this.studies.values()].sort((a, b) => a.record.createdAt.localeCompare(b.record.createdAt));
  }

  /** Stops a running study; finished trials are kept. */
  async cancel(id: string): Promise<Active> {
    const s = this.get(id);
    if (s.record.state !== 'running') return s;
    this.cancelling.add(id);
    s.stop.abort();
    await s.executor.cancel();
    await s.done;
    return s;
  }

  /** Subscribes to a study's events; returns the unsubscribe function. */
  watch(id: string, listener: (e: StudyEvent | { type: 'ended' }) => void): () => void {
    const s = this.get(id);
    s.listeners.add(listener);
    return () => s.listeners.delete(listener);
  }

  /** Stops every runner (coordinator shutdown); studies stay 'running' in KV and resume later. */
  async shutdown(): Promise<void> {
    for (const s of this.studies.values()) if (s.record.state === 'running') s.stop.abort();
    await Promise.allSettled([...this.studies.values()].map((s) => s.done));
  }

  /** Counts by state (metrics). */
  countByState(): Record<StudyState, number> {
    const out: Record<StudyState, number> = { running: 0, finished: 0, cancelled: 0, failed: 0 };
    for (const s of this.studies.values()) out[s.record.state]++;
    return out;
  }

  private async open(record: StudyRecord, run: boolean): Promise<void> {
    const executor = new NatsExecutor(record.id, this.deps, this.deps.capacity);
    const listeners = new Set<(e: StudyEvent | { type: 'ended' }) => void>();
    const store = new JetStreamStudyStore(this.deps.js, this.deps.jsm, record.id);
    const runner = await StudyRunner.open({
      spec: record.spec,
      dataset: { hash: record.datasetHash, path: '' },
      executor,
      store,
      onEvent: (e) => {
        for (const l of listeners) l(e);
      },
    });
    const active: Active = {
      record,
      runner,
      store,
      executor,
      stop: new AbortController(),
      listeners,
      done: Promise.resolve(),
    };
    this.studies.set(record.id, active);
    if (run) active.done = this.drive(active);
  }

  private async drive(s: Active): Promise<void> {
    // A stop that is not the user's cancel is a coordinator shutdown: the study stays
    // 'running' in KV and the next coordinator resumes it.
    const shutdown = () => s.stop.signal.aborted && !this.cancelling.has(s.record.id);
    try {
      const reason = await s.runner.run(s.stop.signal);
      if (shutdown()) return;
      let ending: StudyEndReason = reason;
      if (reason !== 'cancelled' && s.runner.best()) {
        try {
          await s.runner.refitBest(`${BUCKETS.models}/${s.record.id}`, s.stop.signal);
          s.record.modelReady = true;
        } catch (err) {
          if (!s.stop.signal.aborted) throw err;
          if (shutdown()) return;
          ending = 'cancelled'; // cancelled during the refit: trials are kept, no model
        }
      }
      s.record.state =
        ending === 'cancelled' ? 'cancelled' : ending === 'too_many_failures' ? 'failed' : 'finished';
      s.record.endReason = ending;
      const message = s.runner.ending().message;
      if (message) s.record.message = message;
      if (s.record.state === 'finished' && !s.runner.best()) {
        // Nothing to show for it: a client waiting on the study must see a failure.
        const failed = s.runner.allTrials().filter((t) => t.state === 'failed');
        s.record.state = 'failed';
        s.record.message = `no trial completed${failed.length ? `; last error: ${failed[failed.length - 1]!.error}` : ''}`;
      }
    } catch (err) {
      if (shutdown()) return;
      this.deps.log.error({ study: s.record.id, err: String(err) }, 'study failed');
      s.record.state = 'failed';
      s.record.message = err instanceof Error ? err.message : String(err);
    }
    await this.save(s.record).catch((err) =>
      this.deps.log.error({ err: String(err) }, 'cannot save study record'),
    );
    for (const l of s.listeners) l({ type: 'ended' });
  }

  private readonly cancelling = new Set<string>();

  private async save(record: StudyRecord): Promise<void> {
    await this.deps.kv.put(record.id, JSON.stringify(record));
  }

  private async fetchDataset(hash: string): Promise<Dataset> {
    const bytes = await this.deps.datasets.getBlob(hash);
    if (!bytes) throw notFound(`dataset ${hash} not found; upload it first (UploadDataset)`);
    if (sha256Hex(bytes) !== hash)
      throw new ApiError(status.DATA_LOSS, `stored dataset ${hash} does not match its hash`);
    try {
      return decodeDataset(bytes, `dataset ${hash.slice(0, 12)}…`);
    } catch (err) {
      if (err instanceof DatasetError) throw invalid(err.message);
      throw err;
    }
  }
}
