/**
 * The worker's side of the control subjects: which studies were cancelled and which task
 * publishes were dropped, remembered in bounded sets, and the verdict on a task about to start.
 */
import { type DropMessage, decodeDrop, STUDY_ID } from '@hpo/protocol';

/** Cancelled study ids, and dropped task publishes, remembered (oldest forgotten first). */
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
  private readonly cancelled = new Set<string>();
  /** Task-stream sequence numbers of publishes no longer wanted, most recent last (bounded). */
  private readonly dropped = new Set<number>();

  /** Records a cancel of `study`; false when the id is not a study id (ignored). */
  cancel(study: string): boolean {
    if (!STUDY_ID.test(study)) return false;
    remember(this.cancelled, study);
    return true;
  }

  /**
   * Records a drop announced on `study`'s subject; returns it, or undefined when the message is
   * malformed or names a task of another study (the id names its study, so a drop on one study's
   * subject cannot touch another's). Throws CodecError for a payload that cannot be decoded.
   */
  drop(study: string, data: Uint8Array): DropMessage | undefined {
    const drop = decodeDrop(data);
    if (!STUDY_ID.test(study) || !drop.id.startsWith(`${study}.`)) return undefined;
    remember(this.dropped, drop.seq);
    return drop;
  }

  /** Whether a task received now must be refused, and why. */
  refusal(study: string, seq: number): Refusal | undefined {
    if (this.cancelled.has(study)) return 'cancel';
    if (this.dropped.has(seq)) return 'drop';
    return undefined;
  }
}
