/**
 * The worker's side of the control subjects. A cancel names its study's nonce and a drop names
 * its task's nonce (see @hpo/protocol's proofs.ts): only the coordinator, or whoever holds the
 * task, knows them. Cancels and drops are remembered in bounded sets and applied to tasks that
 * carry the same nonce, so a forged message stops nothing, and a cancel from an earlier run of a
 * study (another coordinator epoch, another study nonce) never refuses a later, resumed run.
 */
import {
  type CancelMessage,
  type DropMessage,
  decodeCancel,
  decodeDrop,
  STUDY_ID,
  sameNonce,
  type TaskEnvelope,
} from '@hpo/protocol';

/** Cancelled study nonces, and dropped task publishes, remembered (oldest forgotten first). */
export const MAX_REMEMBERED = 10_000;

/** Adds `key` as the most recent entry of a bounded set, forgetting the oldest past the bound. */
function remember<T>(set: Set<T>, key: T): void {
  set.delete(key);
  set.add(key);
  if (set.size > MAX_REMEMBERED) set.delete(set.values().next().value!);
}

/** Why a task must not run (or must stop): its study was cancelled, or this publish was dropped. */
export type Refusal = 'cancel' | 'drop';

export class ControlMemory {
  /** `<study> <studyNonce>` of cancelled study runs. */
  private readonly cancelled = new Set<string>();
  /** `<seq> <nonce>` of task publishes no longer wanted. */
  private readonly dropped = new Set<string>();
  /** The study nonce of each (study, coordinator epoch) seen lately in tasks (bounded). */
  private readonly seen = new Map<string, string>();

  /** Notes the study nonce of a task received. */
  saw(envelope: TaskEnvelope): void {
    const key = `${envelope.study} ${envelope.epoch}`;
    this.seen.delete(key);
    this.seen.set(key, envelope.studyNonce);
    if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
  }

  /**
   * Whether a cancel names a coordinator epoch whose study nonce this worker knows, but another
   * nonce: then no coordinator sent it, it is forged. (A cancel of an epoch not seen yet, e.g.
   * just after a coordinator restart, is remembered, harmlessly, and not counted.)
   */
  unmatched(study: string, cancel: CancelMessage): boolean {
    const known = this.seen.get(`${study} ${cancel.epoch}`);
    return known !== undefined && !sameNonce(known, cancel.studyNonce);
  }

  /**
   * Records a cancel announced on `study`'s subject. Throws CodecError when the payload is not a
   * cancel (an unsigned or malformed message); returns undefined for a subject that is not a
   * study id.
   */
  cancel(study: string, data: Uint8Array): CancelMessage | undefined {
    const cancel = decodeCancel(data);
    if (!STUDY_ID.test(study)) return undefined;
    remember(this.cancelled, `${study} ${cancel.studyNonce}`);
    return cancel;
  }

  /**
   * Records a drop announced on `study`'s subject; returns it, or undefined when it names a task
   * of another study (the id names its study). Throws CodecError for a payload that is not a drop.
   */
  drop(study: string, data: Uint8Array): DropMessage | undefined {
    const drop = decodeDrop(data);
    if (!STUDY_ID.test(study) || !drop.id.startsWith(`${study}.`)) return undefined;
    remember(this.dropped, `${drop.seq} ${drop.nonce}`);
    return drop;
  }

  /** Whether a task received now (publish `seq`) must be refused, and why. */
  refusal(envelope: TaskEnvelope, seq: number): Refusal | undefined {
    if (this.cancelled.has(`${envelope.study} ${envelope.studyNonce}`)) return 'cancel';
    if (this.dropped.has(`${seq} ${envelope.nonce}`)) return 'drop';
    return undefined;
  }
}

/** Whether a cancel applies to a task (same study run). */
export function cancels(cancel: CancelMessage, study: string, envelope: TaskEnvelope): boolean {
  return envelope.study === study && sameNonce(envelope.studyNonce, cancel.studyNonce);
}

/** Whether a drop names this task publish (id, stream sequence and nonce). */
export function drops(drop: DropMessage, envelope: TaskEnvelope, seq: number): boolean {
  return envelope.id === drop.id && seq === drop.seq && sameNonce(envelope.nonce, drop.nonce);
}
