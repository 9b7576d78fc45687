/**
 * NATS names and messages shared by the coordinator and the workers. Everything is JSON; every
 * decoder validates what it reads, so a malformed message is reported, never crashes a service.
 */
import {
  type FoldResult,
  foldIndex,
  foldResultSchema,
  HpoError,
  type RefitResult,
  refitResultSchema,
  type Task,
  taskSchema,
  type WireError,
} from '@hpo/core';
import { z } from 'zod';

/** JetStream names. */
export const STREAMS = {
  /** Work queue of fold and refit tasks: one message per (study, trial, fold). */
  tasks: 'HPO_TASKS',
  /** Task results, read by the coordinator. */
  results: 'HPO_RESULTS',
  /** Each study's append-only event log (the StudyStore). */
  events: 'HPO_EVENTS',
} as const;

export const SUBJECTS = {
  task: (study: string) => `hpo.tasks.${study}`,
  tasksAll: 'hpo.tasks.>',
  result: (study: string) => `hpo.results.${study}`,
  resultsAll: 'hpo.results.>',
  events: (study: string) => `hpo.events.${study}`,
  eventsAll: 'hpo.events.>',
  /** Core NATS (not JetStream): tells workers to stop a study's running folds. */
  cancel: (study: string) => `hpo.control.cancel.${study}`,
  cancelAll: 'hpo.control.cancel.*',
  /**
   * Core NATS, a `DropMessage`: one published task whose result is no longer wanted (its trial
   * was pruned or failed, or the study stopped); a worker running it stops, and one that
   * receives it later drops it. A later publish of the same task id (a resumed study) runs.
   */
  drop: (study: string) => `hpo.control.drop.${study}`,
  dropAll: 'hpo.control.drop.*',
  /**
   * Core NATS, a `StartedMessage`: a worker has held a training thread for a task for
   * STARTED_NOTICE_DELAY_MS (for the dashboard's running tasks); or a `ReportMessage`: a fold's
   * validation objective at an ASHA rung while it trains.
   * Both carry the task's nonce, so only an answer to a task the coordinator issued counts.
   */
  progress: (study: string) => `hpo.progress.${study}`,
  progressAll: 'hpo.progress.*',
  /**
   * Core NATS, a `HeartbeatMessage` every HEARTBEAT_SECONDS from each worker: its training slots
   * and how many are busy (the subject's last token is the worker's name with '.' as '_', so a
   * dotted host name stays one token). The coordinator queues only about as many tasks as the live workers
   * can start (plus a small prefetch).
   */
  /**
   * Core NATS request, a `HandbackMessage`: a worker that stops hands a task it holds back to the
   * coordinator, which queues a fresh copy (so the hand-back does not use one of the task's
   * max_deliver deliveries) and answers a `HandbackReply`; then the worker acks its copy.
   */
  handback: (study: string) => `hpo.handback.${study}`,
  handbackAll: 'hpo.handback.*',
  heartbeat: (worker: string) => `hpo.heartbeat.${worker.replace(/[.*>\s]/g, '_')}`,
  heartbeatAll: 'hpo.heartbeat.*',
} as const;

/** Seconds between a worker's heartbeats; a worker silent for three of them is gone. */
export const HEARTBEAT_SECONDS = 2;

/**
 * A worker sends a task's started notice, and logs `task started`, once the task has held a
 * training thread this long (its dataset ready, training begun), not as it starts. The notice
 * only feeds the dashboard's running table, which updates at most four times a second: a fold
 * done sooner is shown queued until its result, and for folds of a few milliseconds this spares
 * one NATS message and one log line per fold, and a decode and proof check in the coordinator.
 * The coordinator dates a notice's task back by it.
 */
export const STARTED_NOTICE_DELAY_MS = 100;

/**
 * The inbox prefix workers receive replies under. deploy/nats/auth.conf lets the worker user
 * subscribe here and nowhere else in `_INBOX…`, so a worker never sees the coordinator's replies.
 */
export const WORKER_INBOX_PREFIX = '_INBOX_hpo_worker';

/** The durable pull consumer all workers share on the task stream. */
export const WORKER_CONSUMER = 'hpo-workers';
/** The coordinator's durable consumer on the results stream. */
export const COORDINATOR_RESULTS_CONSUMER = 'hpo-coordinator';

export const BUCKETS = {
  /** Key-value: one entry per study (spec, status) for listing and lookup. */
  studies: 'hpo-studies',
  /** Object store: canonical dataset blobs, named by SHA-256. */
  datasets: 'hpo-datasets',
  /** Object store: model files, named `<study>/<file>`. */
  models: 'hpo-models',
  /** Key-value: the coordinator's secrets (workers have no access). */
  keys: 'hpo-keys',
  /** Object store: uploaded files not in canonical form (CSV, zip, tar), by SHA-256; coordinator only. */
  uploads: 'hpo-uploads',
  /** Key-value: what each tenant has uploaded (`uploads.<tenant>.<sha256>`), for access and quotas. */
  tenants: 'hpo-tenants',
  /**
   * Key-value, coordinator only: the coordinator lease (one key, `holder`). Its max age is the
   * lease time, so a holder that stops renewing loses it without anyone deleting it.
   */
  lease: 'hpo-lease',
} as const;

/** Study ids are NATS subject tokens: letters, digits, dash and underscore. */
export const STUDY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Task id for a fold, or for the refit (`fold` = 'refit'). */
export function taskId(study: string, trial: number, fold: number | 'refit'): string {
  return `${study}.${trial}.${fold}`;
}

/** The id of a study's task: `<study>.<trial>.<fold index | refit>`. */
export function taskIdOf(study: string, task: Task): string {
  return taskId(study, task.trial, task.kind === 'fold' ? foldIndex(task) : 'refit');
}

/** Why a message could not be decoded. */
export class CodecError extends HpoError {
  override name = 'CodecError';
  constructor(message: string) {
    super('codec', message);
  }
}

const studyId = z.string().regex(STUDY_ID, "must be 1-64 letters, digits, '-' or '_'");

const nonce = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'must be a 22-character nonce');
/** Which coordinator process published a task (its start time, base 36). */
const epoch = z.string().regex(/^[0-9a-z]{1,16}$/, 'must be a coordinator epoch');

const taskEnvelopeSchema = z
  .object({
    id: z.string().min(1).max(200),
    study: studyId,
    task: taskSchema,
    /** The publishing coordinator's epoch: with the id, what the nonce was derived from. */
    epoch,
    /** Proof of origin of this publish; echoed in the result, named by a drop. */
    nonce,
    /** The study's nonce in this epoch; a cancel must name it. */
    studyNonce: nonce,
  })
  .strict()
  .refine((e) => e.id === taskIdOf(e.study, e.task), {
    message: 'id does not name the task (expected <study>.<trial>.<fold|refit>)',
    path: ['id'],
  });

/** A task on the work queue. `id` is stable per (study, trial, fold): results are idempotent by it. */
export type TaskEnvelope = z.infer<typeof taskEnvelopeSchema>;

const wireErrorSchema = z
  .object({
    kind: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    hint: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const resultBase = {
  id: z.string().min(1).max(200),
  study: studyId,
  /** The task's epoch and nonce, echoed: the proof that this answers a task the coordinator issued. */
  epoch,
  nonce,
  /** The worker's name (logs). */
  worker: z.string(),
  /** Deliveries of the task when it was answered. */
  deliveries: z.number().int().min(0),
};

const resultEnvelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ...resultBase, ok: z.literal(true), result: z.unknown() }).strict(),
  z.object({ ...resultBase, ok: z.literal(false), error: wireErrorSchema }).strict(),
]);

/**
 * What a worker publishes for a task: a result whose shape depends on the task's kind (checked
 * by `foldResultOf` / `refitResultOf` where the kind is known), or the error as data.
 */
export type ResultEnvelope =
  | (Omit<z.infer<typeof resultEnvelopeSchema>, 'result' | 'error' | 'ok'> & {
      ok: true;
      result: FoldResult | RefitResult;
    })
  | (Omit<z.infer<typeof resultEnvelopeSchema>, 'result' | 'error' | 'ok'> & { ok: false; error: WireError });

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function parse(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw new CodecError(`${what}: not JSON`);
  }
}

/** Decodes with a schema; the first problems name their field. */
function decode<T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string): T {
  const v = parse(bytes, what);
  const parsed = schema.safeParse(v);
  if (parsed.success) return parsed.data;
  const id =
    v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string'
      ? ` ${(v as { id: string }).id}`
      : '';
  throw new CodecError(`${what}${id}: ${issuesText(parsed.error)}`);
}

function issuesText(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(message)'}: ${i.message}`)
    .join('; ');
}

/** Decodes and checks a task envelope against core's task contract. */
export function decodeTask(bytes: Uint8Array): TaskEnvelope {
  return decode(taskEnvelopeSchema, bytes, 'task');
}

const dropSchema = z.object({ id: z.string().min(1).max(200), seq: z.number().int().min(1), nonce }).strict();

/** Names one publish of a task: its id, its sequence number in the task stream and its nonce. */
export type DropMessage = z.infer<typeof dropSchema>;

/** Decodes and checks a drop message. */
export function decodeDrop(bytes: Uint8Array): DropMessage {
  return decode(dropSchema, bytes, 'drop');
}

const startedSchema = z
  .object({
    id: z.string().min(1).max(200),
    study: z.string().min(1).max(200),
    epoch,
    nonce,
    worker: z.string().min(1).max(200),
  })
  .strict();

/** A worker started a task: its id, study, epoch and nonce (as in the task), and the worker's name. */
export type StartedMessage = z.infer<typeof startedSchema>;

/** Decodes and checks a started message. */
export function decodeStarted(bytes: Uint8Array): StartedMessage {
  return decode(startedSchema, bytes, 'started');
}

const reportSchema = startedSchema
  .extend({
    /** The fold's validation objective after `epoch` training epochs (an ASHA rung). */
    report: z.object({ epoch: z.number().int().min(1).max(1_000_000), value: z.number() }).strict(),
  })
  .strict();

/**
 * A fold's report while it trains (ASHA's rungs), with its task's id, study, epoch and nonce, so
 * only an answer to a task the coordinator issued counts, like a result.
 */
export type ReportMessage = z.infer<typeof reportSchema>;

/** Decodes and checks a message of the progress subject: a started notice or a fold's report. */
export function decodeProgress(bytes: Uint8Array): StartedMessage | ReportMessage {
  return decode(z.union([reportSchema, startedSchema]), bytes, 'progress');
}

const handbackSchema = z
  .object({
    id: z.string().min(1).max(200),
    /** The task's sequence in the task stream (the copy the worker holds). */
    seq: z.number().int().min(1),
    nonce,
    worker: z.string().min(1).max(200),
  })
  .strict();

/** A worker hands back a task it holds: its id, queue sequence and nonce (as in the task). */
export type HandbackMessage = z.infer<typeof handbackSchema>;

/** Decodes and checks a hand-back request. */
export function decodeHandback(bytes: Uint8Array): HandbackMessage {
  return decode(handbackSchema, bytes, 'handback');
}

const handbackReplySchema = z
  .object({ ok: z.boolean(), seq: z.number().int().min(1).optional(), error: z.string().max(500).optional() })
  .strict();

/** The coordinator's answer: ok with the fresh copy's sequence, or why not. */
export type HandbackReply = z.infer<typeof handbackReplySchema>;

/** Decodes a hand-back reply. */
export function decodeHandbackReply(bytes: Uint8Array): HandbackReply {
  return decode(handbackReplySchema, bytes, 'handback reply');
}

const heartbeatSchema = z
  .object({
    worker: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/),
    /** Training slots (threads); 0 when the worker is leaving. */
    slots: z.number().int().min(0).max(1024),
    busy: z.number().int().min(0).max(1024),
  })
  .strict();

/** A worker's capacity, as it announces it. */
export type HeartbeatMessage = z.infer<typeof heartbeatSchema>;

/** Decodes and checks a heartbeat. */
export function decodeHeartbeat(bytes: Uint8Array): HeartbeatMessage {
  return decode(heartbeatSchema, bytes, 'heartbeat');
}

const cancelSchema = z.object({ studyNonce: nonce, epoch }).strict();

/** Cancels a study's tasks that carry this study nonce. */
export type CancelMessage = z.infer<typeof cancelSchema>;

/** Decodes and checks a cancel message. */
export function decodeCancel(bytes: Uint8Array): CancelMessage {
  return decode(cancelSchema, bytes, 'cancel');
}

/** Decodes and checks a result envelope (its payload is checked by `foldResultOf` / `refitResultOf`). */
export function decodeResult(bytes: Uint8Array): ResultEnvelope {
  return decode(resultEnvelopeSchema, bytes, 'result') as ResultEnvelope;
}

/** The fold result a successful envelope carries, checked against core's contract. */
export function foldResultOf(envelope: Extract<ResultEnvelope, { ok: true }>): FoldResult {
  const parsed = foldResultSchema.safeParse(envelope.result);
  if (!parsed.success) throw new CodecError(`result ${envelope.id}: ${issuesText(parsed.error)}`);
  return parsed.data;
}

/** The refit result a successful envelope carries, checked against core's contract. */
export function refitResultOf(envelope: Extract<ResultEnvelope, { ok: true }>): RefitResult {
  const parsed = refitResultSchema.safeParse(envelope.result);
  if (!parsed.success) throw new CodecError(`result ${envelope.id}: ${issuesText(parsed.error)}`);
  return parsed.data;
}
