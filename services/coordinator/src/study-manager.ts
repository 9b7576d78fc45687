import { randomBytes } from 'node:crypto';
import {
  type Dataset,
  type FoldReport,
  HpoError,
  parseYamlText,
  SHA256_HEX,
  type StudyEndReason,
  type StudySpec,
  type StudyState,
  studyDatasets,
  validateStudySpec,
} from '@hpo/core';
import { admitSpec, runStudy, type StudyEvent, StudyRunner, validateStudy } from '@hpo/orchestrator';
import { STREAMS, STUDY_ID, type Study, SUBJECTS } from '@hpo/protocol';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import type { Logger } from 'pino';
import { studyMessage } from './convert.js';
import type { DatasetReader } from './dataset-reader.js';
import { type DatasetRegistry, present } from './datasets.js';
import { JetStreamStudyStore } from './event-store.js';
import { NatsExecutor, type NatsExecutorDeps, queuedTasks, storedResults } from './nats-executor.js';
import type { Identity, Quota } from './security/auth-file.js';
import { canSee } from './security/policy.js';

/** A study's entry in the KV bucket: enough to list it and to resume it after a restart. */
export interface StudyRecord {
  id: string;
  /** The tenant that created it; only its callers (and admins) see it. 'default' for older records. */
  tenant: string;
  name: string;
  state: StudyState;
  spec: StudySpec;
  datasetHash: string;
  /** The held-out test set (cv.holdout or dataset.test), read only by the refit. */
  testDatasetHash?: string;
  createdAt: string;
  endReason?: StudyEndReason;
  message?: string;
  modelReady: boolean;
  /** When it ended (ISO); retention counts from here. */
  endedAt?: string;
  /**
   * The API's view of the study when it ended: the list shows an ended study from this, so a
   * restart never replays the logs of finished studies (they load when one is asked for).
   */
  summary?: Study;
  /** Its data is being removed (retention); a restart finishes the removal. */
  deleting?: boolean;
}

/** A study in a listing: its record, and its runner when it is loaded. */
export interface StudyEntry {
  record: StudyRecord;
  study: ActiveStudy | undefined;
}

/** Told each event as it is logged, with its position in the study's log (1 = study_created). */
export type StudyListener = (e: StudyEvent | { type: 'ended' }, position: number) => void;

/** A study this coordinator holds: its record, runner and how to stop it. */
export interface ActiveStudy {
  record: StudyRecord;
  runner: StudyRunner;
  store: JetStreamStudyStore;
  executor: NatsExecutor;
  stop: AbortController;
  listeners: Set<StudyListener>;
  done: Promise<void>;
}

export interface StudyManagerDeps extends NatsExecutorDeps {
  kv: KV;
  /** Turns an upload into the canonical dataset a study runs on. */
  reader: DatasetReader;
  models: ObjectStore;
  log: Logger;
  capacity: number;
  /** A tenant's quota, or undefined when none applies (no auth file). */
  quota: (tenant: string) => Quota | undefined;
}

const invalid = (message: string) => new HpoError('invalid_argument', message);

/** Ended studies kept loaded after they were asked for. */
const MAX_LOADED_ENDED = 50;

/**
 * Owns every study of this coordinator: creates them (through the orchestrator's admission),
 * runs each through the orchestrator's lifecycle over NATS workers, resumes unfinished studies
 * after a restart (their state is replayed from the event stream), cancels, and answers queries.
 */
export class StudyManager {
  /** Every study known, loaded or not. */
  private readonly records = new Map<string, StudyRecord>();
  /** Studies whose log is loaded (running ones, and ended ones asked for since the start). */
  private readonly studies = new Map<string, ActiveStudy>();
  /** Loads under way, so two callers share one. */
  private readonly loading = new Map<string, Promise<ActiveStudy>>();
  /** Ended studies loaded on demand, oldest use first (a few are kept). */
  private readonly loadedEnded: string[] = [];
  /** Dataset hashes a study being created reads (retention leaves them alone). */
  private readonly pinned = new Map<string, number>();
  /** Creations under way (a shutdown waits for them). */
  private readonly creations = new Set<Promise<unknown>>();
  private stopping = false;
  private readonly cancelling = new Set<string>();
  /** Studies being created, per tenant (they count toward its running studies). */
  private readonly creating = new Map<string, number>();
  /** Told the id of any study that changed: an event, a task sent, started or answered (dashboard). */
  private readonly changeListeners = new Set<(study: string) => void>();

  constructor(private readonly deps: StudyManagerDeps) {}

  /**
   * Reads every study's record from KV (no log is replayed: that is what keeps the start short).
   * Then `resumeRunning` continues the running ones, in the background.
   */
  async loadRecords(): Promise<void> {
    const keys: string[] = [];
    for await (const key of await this.deps.kv.keys()) keys.push(key);
    for (let i = 0; i < keys.length; i += 64) {
      const entries = await Promise.all(keys.slice(i, i + 64).map((k) => this.deps.kv.get(k)));
      for (const entry of entries) {
        if (entry?.operation !== 'PUT') continue;
        try {
          const stored = entry.json<StudyRecord>();
          const record: StudyRecord = {
            ...stored,
            tenant: stored.tenant ?? 'default',
            // Records of older versions lack the end time: the record's last write is close to it.
            ...(stored.state !== 'running' && !stored.endedAt
              ? { endedAt: entry.created.toISOString() }
              : {}),
          };
          // A spec stored by an older version lacks newer fields: fill their defaults.
          record.spec = validateStudySpec(record.spec, `study ${record.id}`);
          this.records.set(record.id, record);
        } catch (err) {
          this.deps.log.error({ study: entry.key, err: String(err) }, 'cannot read study record');
        }
      }
    }
  }

  /**
   * Continues every running study where it stopped, one after another, then (for records of older
   * versions) writes the summary ended studies are listed from. Runs in the background.
   */
  async resumeRunning(signal: AbortSignal): Promise<void> {
    for (const record of this.records.values()) {
      if (signal.aborted) return;
      if (record.state !== 'running' || record.deleting || this.studies.has(record.id)) continue;
      try {
        await this.load(record.id);
        this.deps.log.info({ study: record.id }, 'resumed study');
      } catch (err) {
        this.deps.log.error({ study: record.id, err: String(err) }, 'cannot resume study');
      }
    }
    const t0 = Date.now();
    let summarised = 0;
    for (const record of this.records.values()) {
      if (signal.aborted) return;
      if (record.state === 'running' || record.summary || record.deleting) continue;
      try {
        const s = await this.load(record.id);
        record.summary = studyMessage(s);
        await this.deps.kv.put(record.id, JSON.stringify(record));
        this.unloadIfIdle(record.id);
        summarised++;
      } catch (err) {
        this.deps.log.warn({ study: record.id, err: String(err) }, 'cannot summarise an ended study');
      }
    }
    if (summarised)
      this.deps.log.info(
        { studies: summarised, ms: Date.now() - t0 },
        'summarised ended studies recorded by an older version',
      );
  }

  /** A study's runner, loading its log first when it is not loaded (an ended study after a restart). */
  private load(id: string): Promise<ActiveStudy> {
    const loaded = this.studies.get(id);
    if (loaded) return Promise.resolve(loaded);
    const pending = this.loading.get(id);
    if (pending) return pending;
    const record = this.records.get(id);
    if (!record) return Promise.reject(new HpoError('not_found', `study '${id}' not found`));
    const p = this.open(record, record.state === 'running')
      .then(() => {
        const s = this.studies.get(id)!;
        if (record.state !== 'running') {
          this.deps.log.info({ study: id, state: record.state }, 'loaded an ended study on demand');
          this.loadedEnded.push(id);
          // Ended studies asked for stay loaded a while; the oldest nobody watches is let go.
          if (this.loadedEnded.length > MAX_LOADED_ENDED) this.unloadIfIdle(this.loadedEnded[0]!);
        }
        return s;
      })
      .finally(() => this.loading.delete(id));
    this.loading.set(id, p);
    return p;
  }

  private unloadIfIdle(id: string): void {
    const s = this.studies.get(id);
    if (!s || s.record.state === 'running' || s.listeners.size > 0) return;
    this.studies.delete(id);
    const i = this.loadedEnded.indexOf(id);
    if (i >= 0) this.loadedEnded.splice(i, 1);
  }

  /** Admits and starts a study for `who`'s tenant. */
  async create(
    specText: string,
    uploadHash: string,
    requestedId: string,
    who: Identity,
    testUploadHash = '',
  ): Promise<StudyRecord> {
    const spec = parseSpec(specText);
    if (!SHA256_HEX.test(uploadHash))
      throw invalid(`dataset_sha256: must be 64 lowercase hex digits, got '${uploadHash}'`);
    if (testUploadHash && !SHA256_HEX.test(testUploadHash))
      throw invalid(`test_dataset_sha256: must be 64 lowercase hex digits, got '${testUploadHash}'`);
    if (spec.dataset.test !== undefined && !testUploadHash)
      throw invalid(
        'test_dataset_sha256: the spec names dataset.test; upload that file and give its SHA-256',
      );
    if (testUploadHash && spec.dataset.test === undefined)
      throw invalid(
        'test_dataset_sha256: given, but the spec has no dataset.test (use cv.holdout to split one off)',
      );
    if (requestedId && !STUDY_ID.test(requestedId))
      throw invalid(`study_id: '${requestedId}' must be 1-64 letters, digits, '-' or '_'`);
    // Ids are unique across tenants; the answer says only that the id is taken.
    if (requestedId && this.records.has(requestedId))
      throw new HpoError('already_exists', `study '${requestedId}' already exists`);
    // The spec's own checks first: a bad spec costs no dataset read.
    admitSpec(spec);
    if (this.stopping) throw new HpoError('unavailable', 'this coordinator is stopping; try again shortly');
    const release = this.reserve(who.tenant, spec);
    const unpins = [this.pin(uploadHash, testUploadHash)];
    let done: () => void = () => undefined;
    const creation = new Promise<void>((r) => {
      done = r;
    });
    this.creations.add(creation);
    try {
      const read = await this.deps.reader.read(who, uploadHash, spec);
      unpins.push(this.pin(read.hash));
      let datasetHash = read.hash;
      let testDatasetHash: string | undefined;
      let testFile: Dataset | undefined;
      if (testUploadHash) {
        // Each column is read as the training data has it, so a small test file types alike.
        const columns: Record<string, 'numeric' | 'categorical' | 'ignore'> = {
          ...(spec.dataset.columns ?? {}),
        };
        if (read.dataset.kind === 'tabular') for (const c of read.dataset.columns) columns[c.name] = c.kind;
        const testSpec = { ...spec, dataset: { ...spec.dataset, columns } };
        const t = await this.deps.reader.read(who, testUploadHash, testSpec);
        testFile = t.dataset;
        testDatasetHash = t.hash;
        unpins.push(this.pin(t.hash));
      }
      const { train: dataset, test } = studyDatasets(spec, read.dataset, testFile);
      // Validated before the split is stored: a refused study leaves no blobs behind.
      validateStudy(spec, dataset);
      // Pinned now, the blobs stay; one removed (retention) just before it was pinned is said so.
      for (const hash of [datasetHash, testDatasetHash])
        if (hash && spec.cv.holdout === undefined && !(await present(this.deps.reader.datasets, hash)))
          throw new HpoError(
            'unavailable',
            `dataset ${hash} was removed (retention) while the study was created; upload it again and retry`,
            { retryable: true },
          );
      if (spec.cv.holdout !== undefined && test) {
        datasetHash = await this.deps.reader.store(who, dataset);
        testDatasetHash = await this.deps.reader.store(who, test);
        unpins.push(this.pin(datasetHash, testDatasetHash));
      }
      const id =
        requestedId ||
        `${spec.name.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 50)}-${randomBytes(3).toString('hex')}`;
      const record: StudyRecord = {
        id,
        tenant: who.tenant,
        name: spec.name,
        state: 'running',
        spec,
        datasetHash,
        ...(testDatasetHash ? { testDatasetHash } : {}),
        createdAt: new Date().toISOString(),
        modelReady: false,
      };
      try {
        // create() fails when the key exists: two requests for one id cannot both win.
        await this.deps.kv.create(id, JSON.stringify(record));
      } catch (err) {
        if ((await this.deps.kv.get(id))?.operation === 'PUT')
          throw new HpoError('already_exists', `study '${id}' already exists`);
        throw err;
      }
      this.records.set(id, record);
      // Counted as running from its record now, not twice.
      release();
      await this.open(record, true);
      this.deps.log.info({ study: id, trials: spec.budget.trials }, 'created study');
      return record;
    } finally {
      release();
      for (const unpin of unpins) unpin();
      this.creations.delete(creation);
      done();
    }
  }

  /** Keeps these dataset hashes from retention until the returned function is called. */
  private pin(...hashes: string[]): () => void {
    const held = hashes.filter(Boolean);
    for (const h of held) this.pinned.set(h, (this.pinned.get(h) ?? 0) + 1);
    return () => {
      for (const h of held) {
        const n = (this.pinned.get(h) ?? 1) - 1;
        if (n > 0) this.pinned.set(h, n);
        else this.pinned.delete(h);
      }
    };
  }

  /**
   * A study `who` may see, loaded; another tenant's is NOT_FOUND, exactly like a study that does
   * not exist.
   */
  async get(id: string, who: Identity): Promise<ActiveStudy> {
    const record = this.records.get(id);
    if (!record || record.deleting || !canSee(who, record.tenant))
      throw new HpoError('not_found', `study '${id}' not found`);
    const s = await this.load(id);
    // Removed (retention) while it loaded: gone.
    if (record.deleting || !this.records.has(id)) {
      this.studies.delete(id);
      throw new HpoError('not_found', `study '${id}' not found`);
    }
    this.touch(id);
    return s;
  }

  /** A study `who` may see if it is loaded (after `get`), else NOT_FOUND. */
  loaded(id: string, who: Identity): ActiveStudy {
    const s = this.studies.get(id);
    if (!s || !canSee(who, s.record.tenant)) throw new HpoError('not_found', `study '${id}' not found`);
    return s;
  }

  private touch(id: string): void {
    const i = this.loadedEnded.indexOf(id);
    if (i >= 0) this.loadedEnded.push(...this.loadedEnded.splice(i, 1));
  }

  /** The studies `who` may see, oldest first; ended ones come from their summary unless loaded. */
  list(who: Identity): StudyEntry[] {
    return [...this.records.values()]
      .filter((r) => !r.deleting && canSee(who, r.tenant))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((record) => ({ record, study: this.studies.get(record.id) }));
  }

  /** The models bucket (for export). */
  get models(): ObjectStore {
    return this.deps.models;
  }

  /** Stops a running study; finished trials are kept. */
  async cancel(id: string, who: Identity): Promise<ActiveStudy> {
    const s = await this.get(id, who);
    if (s.record.state !== 'running') return s;
    this.cancelling.add(id);
    s.stop.abort();
    await s.executor.cancel();
    await s.done;
    return s;
  }

  /** Subscribes to a study's events (its visibility was checked by `get`); returns the unsubscribe function. */
  watch(id: string, listener: StudyListener): () => void {
    const s = this.studies.get(id);
    if (!s) throw new HpoError('not_found', `study '${id}' not found`);
    s.listeners.add(listener);
    return () => s.listeners.delete(listener);
  }

  /**
   * A study's logged events, read again from its stream (WatchStudy resuming): a separate reader,
   * so the study's own store, which appends, is left alone.
   */
  async history(id: string): Promise<StudyEvent[]> {
    return new JetStreamStudyStore(this.deps.js, this.deps.jsm, id).load();
  }

  /** Subscribes to changes of every study; returns the unsubscribe function. */
  onChange(listener: (study: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** See NatsExecutor.handingBack: the epoch of the copy to republish, if `study` still waits for it. */
  handingBack(study: string, id: string, seq: number): { epoch: string } | undefined {
    return this.studies.get(study)?.executor.handingBack(id, seq);
  }

  /** A handed-back task's fresh copy is queued at `seq`; false when nobody waits for it any more. */
  handedBack(study: string, id: string, oldSeq: number, seq: number): boolean {
    return this.studies.get(study)?.executor.handedBack(id, oldSeq, seq) ?? false;
  }

  /** A worker is training task `id` of `study` (its proof was checked); false when no study here sent it. */
  started(study: string, id: string, worker: string): boolean {
    return this.studies.get(study)?.executor.started(id, worker) ?? false;
  }

  /** A worker reported fold `id` of `study` at an ASHA rung (its proof was checked). */
  reported(study: string, id: string, report: FoldReport): boolean {
    return this.studies.get(study)?.executor.reported(id, report) ?? false;
  }

  private changed(study: string): void {
    for (const l of this.changeListeners) l(study);
  }

  /** Stops every runner (coordinator shutdown); studies stay 'running' in KV and resume later. */
  async shutdown(): Promise<void> {
    // Nothing starts from now on; creations and loads under way finish (without driving) first.
    this.stopping = true;
    await Promise.allSettled([...this.creations, ...this.loading.values()]);
    // Results that land while the runners stop stay unacknowledged for the next coordinator.
    this.deps.router.drain();
    for (const s of this.studies.values()) if (s.record.state === 'running') s.stop.abort();
    await Promise.allSettled([...this.studies.values()].map((s) => s.done));
  }

  /** Counts by state (metrics). */
  countByState(): Record<StudyState, number> {
    const out: Record<StudyState, number> = { running: 0, finished: 0, cancelled: 0, failed: 0 };
    for (const r of this.records.values()) if (!r.deleting) out[r.state]++;
    return out;
  }

  /**
   * Removes every study that ended more than `days` days ago: its record is marked, then its events,
   * results and model files are purged, then the record goes (a crash in between is finished by the
   * next sweep). Then datasets no remaining study uses and older than `days` are removed. Returns
   * how many studies went.
   */
  async sweep(days: number, registry: DatasetRegistry): Promise<number> {
    if (days <= 0) return 0;
    const cutoff = Date.now() - days * 24 * 3600 * 1000;
    let removed = 0;
    for (const record of [...this.records.values()]) {
      if (record.state === 'running') continue;
      const ended = Date.parse(record.endedAt ?? record.createdAt);
      if (!record.deleting && !(ended < cutoff)) continue;
      // Being loaded (an export or a watch on its way): it goes at the next sweep.
      if (this.loading.has(record.id) && !record.deleting) continue;
      const s = this.studies.get(record.id);
      // Watched or being exported: it goes at the next sweep after that ends.
      if (s && s.listeners.size > 0 && !record.deleting) continue;
      try {
        record.deleting = true;
        await this.deps.kv.put(record.id, JSON.stringify(record));
        this.studies.delete(record.id);
        await this.deps.jsm.streams.purge(STREAMS.events, { filter: SUBJECTS.events(record.id) });
        await this.deps.jsm.streams.purge(STREAMS.results, { filter: SUBJECTS.result(record.id) });
        for (const info of await this.deps.models.list())
          if (info.name.startsWith(`${record.id}/`)) await this.deps.models.delete(info.name);
        await this.deps.kv.purge(record.id);
        this.records.delete(record.id);
        this.changed(record.id);
        removed++;
        this.deps.log.info(
          { study: record.id, endedAt: record.endedAt },
          'removed an ended study (retention)',
        );
      } catch (err) {
        this.deps.log.warn({ study: record.id, err: String(err) }, 'cannot remove an ended study yet');
      }
    }
    const used = (hash: string) =>
      this.pinned.has(hash) ||
      [...this.records.values()].some((r) => r.datasetHash === hash || r.testDatasetHash === hash);
    for (const info of await registry.datasets.list().catch(() => [])) {
      if (info.deleted || used(info.name) || !(Date.parse(info.mtime) < cutoff)) continue;
      // Uploaded (or read into a study) within the retention time: a study may be about to use it.
      const owned = await registry.lastOwned(info.name).catch(() => Number.POSITIVE_INFINITY);
      if (owned >= cutoff || used(info.name)) continue;
      try {
        await registry.datasets.delete(info.name);
        await registry.forget(info.name);
        this.deps.log.info({ dataset: info.name }, 'removed a dataset no kept study uses (retention)');
      } catch (err) {
        this.deps.log.warn({ dataset: info.name, err: String(err) }, 'cannot remove a dataset yet');
      }
    }
    return removed;
  }

  private async open(record: StudyRecord, run: boolean): Promise<void> {
    const executor = new NatsExecutor(record.id, this.deps, this.deps.capacity, () =>
      this.changed(record.id),
    );
    const listeners = new Set<StudyListener>();
    const store = new JetStreamStudyStore(this.deps.js, this.deps.jsm, record.id);
    const runner = await StudyRunner.open({
      spec: record.spec,
      datasetHash: record.datasetHash,
      ...(record.testDatasetHash ? { testDatasetHash: record.testDatasetHash } : {}),
      executor,
      store,
      onEvent: (e) => {
        for (const l of listeners) l(e, store.position);
        this.changed(record.id);
      },
    });
    const active: ActiveStudy = {
      record,
      runner,
      store,
      executor,
      stop: new AbortController(),
      listeners,
      done: Promise.resolve(),
    };
    if (run) {
      // Folds a previous coordinator sent are not trained again: their results already stored
      // are taken as they are, and their tasks still queued or on workers are waited for.
      // Adoption only saves work: a failed lookup leaves the study to run as it would without.
      try {
        const [queued, answered] = await Promise.all([
          queuedTasks(this.deps.jsm, record.id, this.deps.proofs),
          storedResults(this.deps.jsm, record.id, this.deps.proofs, (id) =>
            wantedResult(runner, record.id, id),
          ),
        ]);
        executor.adopt(queued, answered);
        if (queued.length || answered.length)
          this.deps.log.info(
            { study: record.id, queued: queued.length, answered: answered.length },
            'adopted tasks sent before the restart',
          );
      } catch (err) {
        this.deps.log.warn(
          { study: record.id, err: String(err) },
          'cannot look up the tasks sent before the restart',
        );
      }
    }
    this.studies.set(record.id, active);
    this.changed(record.id);
    // A study opened while the coordinator stops is left to the next one (it stays 'running').
    if (run && !this.stopping) {
      this.deps.slots.setWeight(record.id, record.spec.budget.weight, record.tenant);
      active.done = this.drive(active);
    }
  }

  /** Runs the study's lifecycle and records its outcome, unless the coordinator is shutting down. */
  private async drive(s: ActiveStudy): Promise<void> {
    const outcome = await runStudy(s.runner, { stop: s.stop.signal });
    // Another coordinator appended to this study's log: it drives the study now. Its record is
    // left as it is (not marked failed) and this process lets go of it.
    if (s.store.conflicted) {
      this.deps.log.warn(
        { study: s.record.id, err: outcome.message },
        'another coordinator writes this study; stopped driving it',
      );
      this.studies.delete(s.record.id);
      for (const l of s.listeners) l({ type: 'ended' }, s.store.position);
      this.changed(s.record.id);
      // The queued tasks are the other coordinator's now: let go of them, delete nothing.
      s.executor.letGo();
      this.deps.slots.forget(s.record.id);
      return;
    }
    // A stop that is not the user's cancel is a coordinator shutdown: the study stays
    // 'running' in KV and the next coordinator resumes it.
    if (s.stop.signal.aborted && !this.cancelling.has(s.record.id)) return;
    if (outcome.state === 'failed' && outcome.reason === undefined)
      this.deps.log.error({ study: s.record.id, err: outcome.message }, 'study failed');
    s.record.state = outcome.state;
    if (outcome.reason) s.record.endReason = outcome.reason;
    if (outcome.message) s.record.message = outcome.message;
    s.record.modelReady = outcome.model !== undefined;
    s.record.endedAt = new Date().toISOString();
    s.record.summary = studyMessage(s);
    await this.deps.kv
      .put(s.record.id, JSON.stringify(s.record))
      .catch((err) => this.deps.log.error({ err: String(err) }, 'cannot save study record'));
    for (const l of s.listeners) l({ type: 'ended' }, s.store.position);
    this.changed(s.record.id);
    await s.executor.close();
    this.deps.slots.forget(s.record.id);
  }

  /**
   * Holds one of the tenant's running-study slots while a study is being created (RESOURCE_EXHAUSTED
   * past its quota, or over its trials per study); the returned function gives it back. Creations
   * under way count, so parallel requests cannot all pass the check.
   */
  private reserve(tenant: string, spec: StudySpec): () => void {
    const quota = this.deps.quota(tenant);
    if (!quota) return () => undefined;
    if (spec.budget.trials > quota.trialsPerStudy)
      throw new HpoError(
        'resource_exhausted',
        `budget.trials: ${spec.budget.trials} is over tenant ${tenant}'s quota of ${quota.trialsPerStudy} trials per study`,
      );
    const creating = this.creating.get(tenant) ?? 0;
    // Counted from the records: running studies still resuming after a restart count too.
    const running =
      [...this.records.values()].filter((r) => r.tenant === tenant && r.state === 'running' && !r.deleting)
        .length + creating;
    if (running >= quota.concurrentStudies)
      throw new HpoError(
        'resource_exhausted',
        `tenant ${tenant} already runs ${running} studies, its quota; wait for one to end or cancel one`,
      );
    this.creating.set(tenant, creating + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.creating.get(tenant) ?? 1) - 1;
      if (n > 0) this.creating.set(tenant, n);
      else this.creating.delete(tenant);
    };
  }
}

/** The spec text of CreateStudy (YAML or JSON) as a validated spec. */
function parseSpec(specText: string): StudySpec {
  if (!specText.trim()) throw invalid('spec: is empty; send the study spec as YAML or JSON text');
  const raw = parseYamlText(specText, 'spec');
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    // The dataset travels by hash; a path is only meaningful on the client.
    const ds = (raw as { dataset?: Record<string, unknown> }).dataset;
    if (ds && typeof ds === 'object' && ds.path === undefined) ds.path = '(uploaded)';
  }
  return validateStudySpec(raw);
}

/** Whether a study's log still lacks the result of task `id` (`<study>.<trial>.<fold|refit>`). */
function wantedResult(runner: StudyRunner, study: string, id: string): boolean {
  const [trial, fold] = id.slice(study.length + 1).split('.');
  const t = runner.log.get(Number(trial));
  if (!t || t.state !== 'running') return fold === 'refit' && runner.savedModel() === undefined;
  return fold !== 'refit' && t.folds[Number(fold)] === undefined;
}
