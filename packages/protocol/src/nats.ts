/**
 * NATS names and messages shared by the coordinator and the workers. Everything is JSON; every
 * decoder validates what it reads, so a malformed message is reported, never crashes a service.
 */
import type { FoldResultMessage, FoldTaskMessage, RefitResultMessage, RefitTaskMessage } from '@hpo/trainer';

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
} as const;

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
} as const;

/** Fold tasks carry the dataset by hash; workers fetch the blob from the object store. */
export type RemoteFoldTask = Omit<FoldTaskMessage, 'dataset'> & { dataset: { hash: string } };
export type RemoteRefitTask = Omit<RefitTaskMessage, 'dataset' | 'outDir'> & { dataset: { hash: string } };

/** A task on the work queue. `id` is stable per (study, trial, fold): results are idempotent by it. */
export interface TaskEnvelope {
  id: string;
  study: string;
  task: RemoteFoldTask | RemoteRefitTask;
}

/** A refit's model, uploaded to the models bucket. */
export interface RemoteRefitResult extends Omit<RefitResultMessage, 'outDir'> {
  /** Object names in the models bucket, e.g. `churn/model.json`. */
  files: string[];
}

/** What a worker publishes for a task. */
export type ResultEnvelope =
  | {
      id: string;
      study: string;
      ok: true;
      result: FoldResultMessage | RemoteRefitResult;
      worker: string;
      deliveries: number;
    }
  | { id: string; study: string; ok: false; error: string; worker: string; deliveries: number };

/** Task id for a fold, or for the refit (`fold` = 'refit'). */
export function taskId(study: string, trial: number, fold: number | 'refit'): string {
  return `${study}.${trial}.${fold}`;
}

/** Study ids are NATS subject tokens: letters, digits, dash and underscore. */
export const STUDY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Why a message could not be decoded. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function parse(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new CodecError(`${what}: not JSON`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new CodecError(`${what}: expected a JSON object`);
  return v as Record<string, unknown>;
}

/** Decodes and checks a task envelope (the fields a worker relies on). */
export function decodeTask(bytes: Uint8Array): TaskEnvelope {
  const v = parse(bytes, 'task');
  if (typeof v.id !== 'string' || typeof v.study !== 'string')
    throw new CodecError('task: id and study must be strings');
  const t = v.task as Record<string, unknown> | undefined;
  if (!t || (t.kind !== 'fold' && t.kind !== 'refit'))
    throw new CodecError(`task ${v.id}: task.kind must be fold or refit`);
  const ds = t.dataset as { hash?: unknown } | undefined;
  if (!ds || typeof ds.hash !== 'string' || !/^[0-9a-f]{64}$/.test(ds.hash))
    throw new CodecError(`task ${v.id}: task.dataset.hash must be a SHA-256`);
  if (!t.params || typeof t.params !== 'object')
    throw new CodecError(`task ${v.id}: task.params must be an object`);
  if (typeof t.seed !== 'number') throw new CodecError(`task ${v.id}: task.seed must be a number`);
  if (t.kind === 'fold') {
    const cv = t.cv as Record<string, unknown> | undefined;
    if (!cv || !['k', 'seed', 'repeat', 'fold'].every((k) => Number.isInteger(cv[k]))) {
      throw new CodecError(`task ${v.id}: task.cv needs integer k, seed, repeat and fold`);
    }
  }
  return v as unknown as TaskEnvelope;
}

/** Names one publish of a task: its id and its sequence number in the task stream. */
export interface DropMessage {
  id: string;
  seq: number;
}

/** Decodes and checks a drop message. */
export function decodeDrop(bytes: Uint8Array): DropMessage {
  const v = parse(bytes, 'drop');
  if (typeof v.id !== 'string' || !Number.isSafeInteger(v.seq) || (v.seq as number) < 1)
    throw new CodecError('drop: id (string) and seq (positive integer) are required');
  return { id: v.id, seq: v.seq as number };
}

/** Decodes and checks a result envelope. */
export function decodeResult(bytes: Uint8Array): ResultEnvelope {
  const v = parse(bytes, 'result');
  if (typeof v.id !== 'string' || typeof v.study !== 'string' || typeof v.ok !== 'boolean') {
    throw new CodecError('result: id, study and ok are required');
  }
  if (v.ok && (!v.result || typeof v.result !== 'object'))
    throw new CodecError(`result ${v.id}: ok without a result`);
  if (!v.ok && typeof v.error !== 'string') throw new CodecError(`result ${v.id}: failure without an error`);
  return v as unknown as ResultEnvelope;
}
