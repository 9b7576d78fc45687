/**
 * The coordinator's side of the proofs (see @hpo/protocol's proofs.ts): its secret, kept in the
 * `hpo-keys` KV bucket that workers cannot read (so every coordinator process derives the same
 * nonces, and a restarted one still recognises results of tasks its predecessor published), and
 * the nonces it issues and checks.
 */

import type { FoldTask, RefitTask } from '@hpo/core';
import {
  BUCKETS,
  newSecret,
  type ResultEnvelope,
  sameNonce,
  studyNonce,
  type TaskEnvelope,
  taskIdOf,
  taskNonce,
} from '@hpo/protocol';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

const SECRET_KEY = 'task-secret';

/** Reads the coordinators' shared secret, creating it on first start (the first writer wins). */
export async function loadSecret(nc: NatsConnection, replicas = 1): Promise<Uint8Array> {
  const kv = await new Kvm(nc).create(BUCKETS.keys, { history: 1, replicas });
  const existing = await kv.get(SECRET_KEY);
  if (existing?.operation === 'PUT' && existing.value.length >= 32) return existing.value;
  try {
    await kv.create(SECRET_KEY, newSecret());
  } catch {
    // Another coordinator created it between our read and our write: use theirs.
  }
  const stored = await kv.get(SECRET_KEY);
  if (!stored || stored.value.length < 32) throw new Error(`cannot read ${SECRET_KEY} from ${BUCKETS.keys}`);
  return stored.value;
}

/** Why a result was refused (a Prometheus label). */
export type Rejection = 'bad_nonce' | 'wrong_study' | 'malformed';

export class TaskProofs {
  constructor(
    private readonly secret: Uint8Array,
    /** This coordinator process (its start time, base 36). */
    readonly epoch: string,
  ) {}

  /** A task envelope with its proofs of origin. */
  envelope(study: string, task: FoldTask | RefitTask): TaskEnvelope {
    const id = taskIdOf(study, task);
    return {
      id,
      study,
      task,
      epoch: this.epoch,
      nonce: taskNonce(this.secret, id, this.epoch),
      studyNonce: studyNonce(this.secret, study, this.epoch),
    };
  }

  /** The nonce a drop of task `id` must name: published by this process, or by the coordinator of `epoch`. */
  nonceOf(id: string, epoch = this.epoch): string {
    return taskNonce(this.secret, id, epoch);
  }

  /** The nonce a cancel of `study` must name, for the tasks published by this process (or by `epoch`'s). */
  studyNonce(study: string, epoch = this.epoch): string {
    return studyNonce(this.secret, study, epoch);
  }

  /**
   * Whether a result answers a task the coordinator issued: its nonce is the one derived from
   * its task id and epoch (any coordinator epoch: a restarted coordinator adopts its
   * predecessor's tasks), and it came on its own study's subject. Started notices are checked
   * the same way.
   */
  check(
    envelope: Pick<ResultEnvelope, 'id' | 'study' | 'nonce' | 'epoch'>,
    subjectStudy: string,
  ): Rejection | undefined {
    if (envelope.study !== subjectStudy || !envelope.id.startsWith(`${envelope.study}.`))
      return 'wrong_study';
    return sameNonce(envelope.nonce, taskNonce(this.secret, envelope.id, envelope.epoch))
      ? undefined
      : 'bad_nonce';
  }
}
