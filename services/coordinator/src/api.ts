import { createHash } from 'node:crypto';
import { type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import { DatasetError, decodeDataset, HpoError, SHOWN_TRIAL_STATES, type ShownTrialState } from '@hpo/core';
import type { StudyEvent } from '@hpo/orchestrator';
import type { StudyServiceHandlers, UploadDatasetRequest__Output } from '@hpo/protocol';
import type { ObjectStore } from '@nats-io/obj';
import type { Logger } from 'pino';
import { studyMessage, trialMessage } from './convert.js';
import { toStatus } from './grpc-status.js';
import type { Metrics } from './metrics.js';
import type { StudyManager } from './study-manager.js';

const invalid = (message: string) => new HpoError('invalid_argument', message);

export interface ApiDeps {
  manager: StudyManager;
  datasets: ObjectStore;
  models: ObjectStore;
  maxUploadBytes: number;
  metrics: Metrics;
  log: Logger;
}

/** Sends a unary result, or maps the error to a status code in one place. */
function unary<Req, Res>(deps: ApiDeps, name: string, fn: (req: Req) => Promise<Res> | Res) {
  return async (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
    try {
      callback(null, await fn(call.request));
    } catch (err) {
      const { code, details } = toStatus(err);
      deps.metrics.rpcErrors.inc({ code: status[code] });
      if (code === status.INTERNAL) deps.log.error({ rpc: name, err: String(err) }, 'internal error');
      callback({ code, details });
    }
  };
}

/** The StudyService handlers. */
export function studyServiceHandlers(deps: ApiDeps): StudyServiceHandlers {
  const { manager } = deps;
  const idOf = (req: { studyId?: string }) => {
    if (!req.studyId) throw invalid('study_id: is required');
    return req.studyId;
  };
  return {
    UploadDataset: (call, callback) => {
      void uploadDataset(deps, call, callback);
    },
    HasDataset: unary(deps, 'HasDataset', async (req) => {
      if (!/^[0-9a-f]{64}$/.test(req.sha256 ?? ''))
        throw invalid(`sha256: must be 64 lowercase hex digits, got '${req.sha256}'`);
      return { exists: (await deps.datasets.info(req.sha256!)) !== null };
    }),
    CreateStudy: unary(deps, 'CreateStudy', async (req) => {
      const record = await manager.create(req.spec ?? '', req.datasetSha256 ?? '', req.studyId ?? '');
      return studyMessage(manager.get(record.id));
    }),
    GetStudy: unary(deps, 'GetStudy', (req) => studyMessage(manager.get(idOf(req)))),
    ListStudies: unary(deps, 'ListStudies', () => ({ studies: manager.list().map(studyMessage) })),
    CancelStudy: unary(deps, 'CancelStudy', async (req) => studyMessage(await manager.cancel(idOf(req)))),
    ListTrials: unary(deps, 'ListTrials', (req) => {
      const states = req.states ?? [];
      const bad = states.find((s) => !(SHOWN_TRIAL_STATES as readonly string[]).includes(s));
      if (bad) throw invalid(`states: '${bad}' is not one of ${SHOWN_TRIAL_STATES.join(', ')}`);
      const study = manager.get(idOf(req));
      const log = study.runner.log;
      const trials = log
        .all()
        .filter((t) => states.length === 0 || states.includes(log.shownState(t) as ShownTrialState));
      return { trials: trials.map((t) => trialMessage(study, t)) };
    }),
    GetLeaderboard: unary(deps, 'GetLeaderboard', (req) => {
      const study = manager.get(idOf(req));
      const rows = study.runner.leaderboard();
      return { trials: (req.top ? rows.slice(0, req.top) : rows).map((t) => trialMessage(study, t)) };
    }),
    WatchStudy: (call) => {
      void watchStudy(deps, call);
    },
    ExportModel: (call) => {
      void exportModel(deps, call);
    },
    ExportEvents: (call) => {
      void exportEvents(deps, call);
    },
  };
}

async function uploadDataset(
  deps: ApiDeps,
  call: Parameters<StudyServiceHandlers['UploadDataset']>[0],
  callback: Parameters<StudyServiceHandlers['UploadDataset']>[1],
): Promise<void> {
  const fail = (err: unknown) => {
    const { code, details } = toStatus(err);
    deps.metrics.rpcErrors.inc({ code: status[code] });
    callback({ code, details });
  };
  try {
    let expected: { sha256: string; size: number } | undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const msg of call as AsyncIterable<UploadDatasetRequest__Output>) {
      if (!expected) {
        if (!/^[0-9a-f]{64}$/.test(msg.sha256))
          throw invalid(
            `sha256: the first chunk must carry the blob's SHA-256 (64 lowercase hex digits), got '${msg.sha256}'`,
          );
        if (!(msg.size > 0)) throw invalid('size: the first chunk must carry the total size in bytes');
        if (msg.size > deps.maxUploadBytes) {
          throw new HpoError(
            'resource_exhausted',
            `size: ${msg.size} bytes is over the upload limit of ${deps.maxUploadBytes} bytes`,
          );
        }
        expected = { sha256: msg.sha256, size: msg.size };
        if (await deps.datasets.info(msg.sha256)) {
          callback(null, { sha256: msg.sha256, size: msg.size, existed: true });
          call.destroy?.();
          return;
        }
      }
      received += msg.data.length;
      if (received > expected.size || received > deps.maxUploadBytes) {
        throw new HpoError(
          'resource_exhausted',
          `received ${received} bytes, more than the declared ${expected.size} or the limit of ${deps.maxUploadBytes}`,
        );
      }
      chunks.push(msg.data);
    }
    if (!expected) throw invalid('no chunks received');
    const bytes = Buffer.concat(chunks);
    if (bytes.length !== expected.size)
      throw invalid(`size: declared ${expected.size} bytes, received ${bytes.length}`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected.sha256)
      throw new HpoError(
        'failed_precondition',
        `sha256 mismatch: declared ${expected.sha256}, received bytes hash to ${actual}`,
      );
    try {
      decodeDataset(bytes, 'upload');
    } catch (err) {
      throw invalid(`not an hpo dataset blob: ${err instanceof DatasetError ? err.message : String(err)}`);
    }
    await deps.datasets.putBlob({ name: expected.sha256 }, new Uint8Array(bytes));
    deps.log.info({ sha256: expected.sha256, bytes: bytes.length }, 'stored dataset');
    callback(null, { sha256: expected.sha256, size: bytes.length, existed: false });
  } catch (err) {
    fail(err);
  }
}

async function watchStudy(
  deps: ApiDeps,
  call: Parameters<StudyServiceHandlers['WatchStudy']>[0],
): Promise<void> {
  let unsubscribe: (() => void) | undefined;
  try {
    if (!call.request.studyId) throw invalid('study_id: is required');
    const study = deps.manager.get(call.request.studyId);
    const send = (type: string, e?: StudyEvent) => {
      call.write({
        type,
        studyId: study.record.id,
        trial: e && 'trial' in e ? e.trial : 0,
        fold: e && 'fold' in e ? e.fold : 0,
        state: e?.type === 'trial_finished' ? e.state : '',
        ...(e?.type === 'trial_finished' && e.value !== undefined ? { value: e.value } : {}),
        study: studyMessage(study),
        at: e?.at ?? new Date().toISOString(),
      });
    };
    send('snapshot');
    if (study.record.state !== 'running') {
      call.end();
      return;
    }
    unsubscribe = deps.manager.watch(study.record.id, (e) => {
      if (e.type === 'ended') {
        send('study_ended');
        unsubscribe?.();
        call.end();
      } else send(e.type, e);
    });
    call.on('cancelled', () => unsubscribe?.());
  } catch (err) {
    unsubscribe?.();
    const { code, details } = toStatus(err);
    call.emit('error', { code, details });
  }
}

async function exportModel(
  deps: ApiDeps,
  call: Parameters<StudyServiceHandlers['ExportModel']>[0],
): Promise<void> {
  try {
    if (!call.request.studyId) throw invalid('study_id: is required');
    const study = deps.manager.get(call.request.studyId);
    if (!study.record.modelReady) {
      throw new HpoError(
        'failed_precondition',
        `study '${study.record.id}' has no model yet (state ${study.record.state}); a model is saved when the study finishes`,
      );
    }
    const prefix = `${study.record.id}/`;
    const names = (await deps.models.list())
      .map((i) => i.name)
      .filter((n) => n.startsWith(prefix))
      .sort();
    if (names.length === 0)
      throw new HpoError(
        'failed_precondition',
        `study '${study.record.id}' lists a model but its files are missing`,
      );
    const CHUNK = 256 * 1024;
    for (const name of names) {
      const data = (await deps.models.getBlob(name)) ?? new Uint8Array();
      const path = name.slice(prefix.length);
      if (data.length === 0) call.write({ path, offset: 0, data: Buffer.alloc(0), eof: true });
      for (let off = 0; off < data.length; off += CHUNK) {
        const end = Math.min(off + CHUNK, data.length);
        call.write({
          path,
          offset: off,
          data: Buffer.from(data.subarray(off, end)),
          eof: end === data.length,
        });
      }
    }
    call.end();
  } catch (err) {
    const { code, details } = toStatus(err);
    call.emit('error', { code, details });
  }
}

async function exportEvents(
  deps: ApiDeps,
  call: Parameters<StudyServiceHandlers['ExportEvents']>[0],
): Promise<void> {
  try {
    if (!call.request.studyId) throw invalid('study_id: is required');
    const study = deps.manager.get(call.request.studyId);
    for (const event of await study.store.load()) call.write({ json: JSON.stringify(event) });
    call.end();
  } catch (err) {
    const { code, details } = toStatus(err);
    call.emit('error', { code, details });
  }
}
