/**
 * The StudyService handlers. Every call is authenticated and authorised first (`guard`): who is
 * calling, may their role do this, and (for a study) is it their tenant's. Errors are mapped to
 * status codes in one place (`grpc-status.ts`).
 */

import { createHash } from 'node:crypto';
import type {
  Metadata,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  sendUnaryData,
} from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { HpoError, SHA256_HEX, SHOWN_TRIAL_STATES } from '@hpo/core';
import type { StudyEvent } from '@hpo/orchestrator';
import type { StudyServiceHandlers, UploadDatasetRequest__Output } from '@hpo/protocol';
import type { Logger } from 'pino';
import { listedStudy, studyMessage, trialMessage } from './convert.js';
import { type DatasetRegistry, FORMATS } from './datasets.js';
import { toStatus } from './grpc-status.js';
import type { Metrics } from './metrics.js';
import { DEFAULT_RATE_LIMITS, type Identity } from './security/auth-file.js';
import type { Authenticator, PeerAuth } from './security/authenticator.js';
import { type Action, authorize } from './security/policy.js';
import type { RateLimiter } from './security/rate-limit.js';
import type { ActiveStudy, StudyManager } from './study-manager.js';

const invalid = (message: string) => new HpoError('invalid_argument', message);

export interface ApiDeps {
  manager: StudyManager;
  registry: DatasetRegistry;
  auth: Authenticator;
  limiter: RateLimiter;
  maxUploadBytes: number;
  metrics: Metrics;
  log: Logger;
  /** Why this coordinator does not serve studies now (standing by for the lease), or undefined. */
  notServing?: () => string | undefined;
}

/** Any call: its metadata and what the transport knows of the peer. */
interface AnyCall {
  metadata: Metadata;
  getAuthContext?: () => PeerAuth;
  getPeer(): string;
}

/** Who is calling, and may they do `action`? Throws UNAUTHENTICATED or PERMISSION_DENIED. */
function guard(deps: ApiDeps, call: AnyCall, rpc: string, action: Action): Identity {
  const why = deps.notServing?.();
  if (why) throw new HpoError('unavailable', why);
  try {
    const who = deps.auth.authenticate(call.metadata, call.getAuthContext?.());
    authorize(who, action);
    return who;
  } catch (err) {
    if (err instanceof HpoError)
      deps.log.warn({ rpc, peer: call.getPeer(), kind: err.kind, err: err.message }, 'call refused');
    throw err;
  }
}

/** Reports an error to the client and counts it; internal errors are logged. */
function failure(deps: ApiDeps, rpc: string, err: unknown): { code: status; details: string } {
  const s = toStatus(err);
  deps.metrics.rpcErrors.inc({ code: status[s.code] });
  if (s.code === status.INTERNAL) deps.log.error({ rpc, err: String(err) }, 'internal error');
  return s;
}

/** A unary handler: guarded, then `fn`, with errors mapped to status codes. */
function unary<Req, Res>(
  deps: ApiDeps,
  rpc: string,
  action: Action,
  fn: (req: Req, who: Identity) => Promise<Res> | Res,
) {
  return async (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    try {
      callback(null, await fn(call.request, guard(deps, call, rpc, action)));
    } catch (err) {
      callback(failure(deps, rpc, err));
    }
  };
}

/** A server-streaming handler: guarded, then `fn`; errors end the stream with a status. */
function streaming<Req, Res>(
  deps: ApiDeps,
  rpc: string,
  action: Action,
  fn: (call: ServerWritableStream<Req, Res>, who: Identity) => Promise<void>,
) {
  return (call: ServerWritableStream<Req, Res>) => {
    void (async () => {
      try {
        await fn(call, guard(deps, call, rpc, action));
      } catch (err) {
        call.emit('error', failure(deps, rpc, err));
      }
    })();
  };
}

const idOf = (req: { studyId?: string }) => {
  if (!req.studyId) throw invalid('study_id: is required');
  return req.studyId;
};

/** The StudyService handlers. */
export function studyServiceHandlers(deps: ApiDeps): StudyServiceHandlers {
  const { manager } = deps;
  return {
    UploadDataset: (call, callback) => {
      void uploadDataset(deps, call, callback);
    },
    HasDataset: unary(deps, 'HasDataset', 'upload', async (req, who) => {
      if (!SHA256_HEX.test(req.sha256 ?? ''))
        throw invalid(`sha256: must be 64 lowercase hex digits, got '${req.sha256}'`);
      return { exists: (await deps.registry.get(who, req.sha256!)) !== undefined };
    }),
    CreateStudy: unary(deps, 'CreateStudy', 'create', async (req, who) => {
      deps.limiter.take(
        who.name,
        'CreateStudy',
        (deps.auth.current?.rateLimits ?? DEFAULT_RATE_LIMITS).createStudy,
      );
      const record = await manager.create(
        req.spec ?? '',
        req.datasetSha256 ?? '',
        req.studyId ?? '',
        who,
        req.testDatasetSha256 ?? '',
      );
      return studyMessage(await manager.get(record.id, who));
    }),
    GetStudy: unary(deps, 'GetStudy', 'read', async (req, who) =>
      studyMessage(await manager.get(idOf(req), who)),
    ),
    ListStudies: unary(deps, 'ListStudies', 'read', (_req, who) => ({
      studies: manager.list(who).map(listedStudy),
    })),
    CancelStudy: unary(deps, 'CancelStudy', 'cancel', async (req, who) =>
      studyMessage(await manager.cancel(idOf(req), who)),
    ),
    ListTrials: unary(deps, 'ListTrials', 'read', async (req, who) => {
      const states = req.states ?? [];
      const bad = states.find((s) => !(SHOWN_TRIAL_STATES as readonly string[]).includes(s));
      if (bad) throw invalid(`states: '${bad}' is not one of ${SHOWN_TRIAL_STATES.join(', ')}`);
      const study = await manager.get(idOf(req), who);
      const log = study.runner.log;
      const trials = log.all().filter((t) => states.length === 0 || states.includes(log.shownState(t)));
      return { trials: trials.map((t) => trialMessage(study, t)) };
    }),
    GetLeaderboard: unary(deps, 'GetLeaderboard', 'read', async (req, who) => {
      const study = await manager.get(idOf(req), who);
      const rows = study.runner.leaderboard();
      return { trials: (req.top ? rows.slice(0, req.top) : rows).map((t) => trialMessage(study, t)) };
    }),
    WatchStudy: streaming(deps, 'WatchStudy', 'read', (call, who) => watchStudy(deps, call, who)),
    ExportModel: streaming(deps, 'ExportModel', 'export', (call, who) => exportModel(deps, call, who)),
    ExportEvents: streaming(deps, 'ExportEvents', 'export', async (call, who) => {
      const study = await manager.get(idOf(call.request), who);
      for (const event of await study.store.load()) call.write({ json: JSON.stringify(event) });
      call.end();
    }),
  };
}

/**
 * Streams an upload into the object store (see DatasetRegistry.receive): the first message
 * declares hash, size and format; quotas and the size limit are checked before anything is
 * stored, and bytes the tenant already has end the call at once.
 */
async function uploadDataset(
  deps: ApiDeps,
  call: ServerReadableStream<UploadDatasetRequest__Output, unknown>,
  callback: Parameters<StudyServiceHandlers['UploadDataset']>[1],
): Promise<void> {
  try {
    const who = guard(deps, call, 'UploadDataset', 'upload');
    deps.limiter.take(
      who.name,
      'UploadDataset',
      (deps.auth.current?.rateLimits ?? DEFAULT_RATE_LIMITS).uploadDataset,
    );
    const chunks = (call as AsyncIterable<UploadDatasetRequest__Output>)[Symbol.asyncIterator]();
    const head = await chunks.next();
    if (head.done) throw invalid('no chunks received');
    const msg = head.value;
    if (!SHA256_HEX.test(msg.sha256))
      throw invalid(
        `sha256: the first chunk must carry the file's SHA-256 (64 lowercase hex digits), got '${msg.sha256}'`,
      );
    const size = Number(msg.size);
    if (!(size > 0)) throw invalid('size: the first chunk must carry the total size in bytes');
    if (size > deps.maxUploadBytes)
      throw new HpoError(
        'resource_exhausted',
        `size: ${size} bytes is over the upload limit of ${deps.maxUploadBytes} bytes`,
      );
    const format = FORMATS[msg.format];
    if (!format) throw invalid(`format: '${msg.format}' is not one of ${Object.keys(FORMATS).join(', ')}`);
    const existing = await deps.registry.get(who, msg.sha256);
    if (existing) {
      callback(null, { sha256: msg.sha256, size: existing.bytes || size, existed: true });
      call.destroy?.();
      return;
    }
    const quota = deps.auth.current?.quota(who.tenant);
    const release = quota
      ? await deps.registry.reserve(who.tenant, size, quota.datasetBytes)
      : () => undefined;
    try {
      const data = (async function* () {
        for (let r = await chunks.next(); !r.done; r = await chunks.next()) yield r.value.data;
      })();
      await deps.registry.receive({ sha256: msg.sha256, size, format }, msg.data, data, deps.maxUploadBytes);
      await deps.registry.own(who.tenant, msg.sha256, { format, bytes: size, at: new Date().toISOString() });
    } finally {
      release();
    }
    deps.log.info({ sha256: msg.sha256, bytes: size, format, tenant: who.tenant }, 'stored dataset');
    callback(null, { sha256: msg.sha256, size, existed: false });
  } catch (err) {
    callback(failure(deps, 'UploadDataset', err));
    call.destroy?.();
  }
}

async function watchStudy(
  deps: ApiDeps,
  call: ServerWritableStream<{ studyId?: string; afterPosition?: number }, unknown>,
  who: Identity,
): Promise<void> {
  const study = await deps.manager.get(idOf(call.request), who);
  const after = Number(call.request.afterPosition ?? 0);
  if (!Number.isSafeInteger(after) || after < 0)
    throw invalid(`after_position: must be a whole number ≥ 0, got ${call.request.afterPosition}`);
  const send = (type: string, position: number, e?: StudyEvent) => {
    call.write({
      type,
      studyId: study.record.id,
      trial: e && 'trial' in e ? e.trial : 0,
      fold: e && 'fold' in e ? e.fold : 0,
      state: e?.type === 'trial_finished' ? e.state : '',
      ...(e?.type === 'trial_finished' && e.value !== undefined ? { value: e.value } : {}),
      study: studyMessage(study),
      at: e?.at ?? new Date().toISOString(),
      position,
    });
  };
  // Live events are taken from now on (buffered while the past is read), so a resume neither
  // misses an event logged meanwhile nor sends one twice: each goes out once, by position.
  let sent = after;
  let live = false;
  const buffered: [StudyEvent | { type: 'ended' }, number][] = [];
  let unsubscribe = () => {};
  const deliver = (e: StudyEvent | { type: 'ended' }, position: number) => {
    if (e.type === 'ended') {
      send('study_ended', Math.max(sent, position));
      unsubscribe();
      call.end();
      return;
    }
    if (position <= sent) return;
    sent = position;
    send(e.type, position, e);
  };
  const now = study.store.position;
  if (after > now)
    throw new HpoError(
      'invalid_argument',
      `after_position: ${after} is past the study's last event (${now}); resume from a position a StudyEvent of this study gave`,
    );
  const running = study.record.state === 'running';
  if (running) {
    unsubscribe = deps.manager.watch(study.record.id, (e, position) => {
      if (live) deliver(e, position);
      else buffered.push([e, position]);
    });
    call.on('cancelled', () => unsubscribe());
    call.on('close', () => unsubscribe());
  }
  send('snapshot', after > 0 ? after : now);
  if (after > 0 && after < now) {
    // The events missed are read again from the study's stream (a separate reader).
    let past: StudyEvent[];
    try {
      past = await deps.manager.history(study.record.id);
    } catch (err) {
      unsubscribe();
      throw err;
    }
    for (let i = after; i < past.length; i++) deliver(past[i]!, i + 1);
  } else if (after === 0) sent = now;
  if (!running) {
    // Ended before this call: the stream ends as a live one would, with study_ended.
    send('study_ended', Math.max(sent, now));
    call.end();
    return;
  }
  live = true;
  for (const [e, position] of buffered.splice(0)) {
    deliver(e, position);
    if (e.type === 'ended') return;
  }
}

async function exportModel(
  deps: ApiDeps,
  call: ServerWritableStream<{ studyId?: string }, unknown>,
  who: Identity,
): Promise<void> {
  const study = await deps.manager.get(idOf(call.request), who);
  // Held like a watcher while it streams: retention does not remove a study being exported.
  const release = deps.manager.watch(study.record.id, () => undefined);
  try {
    await streamModel(deps, call, study);
  } finally {
    release();
  }
}

async function streamModel(
  deps: ApiDeps,
  call: ServerWritableStream<{ studyId?: string }, unknown>,
  study: ActiveStudy,
): Promise<void> {
  if (!study.record.modelReady) {
    throw new HpoError(
      'failed_precondition',
      `study '${study.record.id}' has no model yet (state ${study.record.state}); a model is saved when the study finishes`,
    );
  }
  const models = deps.manager.models;
  const prefix = `${study.record.id}/`;
  // The refit recorded each file's SHA-256 in the study's log (which workers cannot write): a
  // file changed in the object store since is refused, not served.
  const recorded = study.runner.savedModel()?.files.filter((f) => f.sha256) ?? [];
  const names = recorded.length
    ? recorded.map((f) => `${prefix}${f.name}`)
    : (await models.list())
        .map((i) => i.name)
        .filter((n) => n.startsWith(prefix))
        .sort();
  if (names.length === 0)
    throw new HpoError(
      'failed_precondition',
      `study '${study.record.id}' lists a model but its files are missing`,
    );
  const files: { path: string; data: Uint8Array }[] = [];
  for (const name of names) {
    const data = (await models.getBlob(name)) ?? new Uint8Array();
    const path = name.slice(prefix.length);
    const expected = recorded.find((f) => f.name === path)?.sha256;
    if (expected && createHash('sha256').update(data).digest('hex') !== expected)
      throw new HpoError(
        'data_loss',
        `model file ${path} of study '${study.record.id}' does not match the SHA-256 recorded at its refit; refusing to export it`,
      );
    files.push({ path, data });
  }
  const CHUNK = 256 * 1024;
  for (const { path, data } of files) {
    if (data.length === 0) call.write({ path, offset: 0, data: Buffer.alloc(0), eof: true });
    for (let off = 0; off < data.length; off += CHUNK) {
      const end = Math.min(off + CHUNK, data.length);
      call.write({ path, offset: off, data: Buffer.from(data.subarray(off, end)), eof: end === data.length });
    }
  }
  call.end();
}
