/**
 * Proofs that a message answers, or comes from, the coordinator. The coordinator holds a secret
 * no worker sees and derives from it, for every task it publishes, an unguessable `nonce`
 * (HMAC of the task id and the coordinator's epoch) and, per study and epoch, a `studyNonce`.
 * Workers echo the task's nonce in its result and can check control messages against the nonces
 * of the tasks they hold: a drop names its task's nonce, a cancel its study's nonce. Whoever has
 * not seen the task cannot produce either, so a forged result, drop or cancel is refused.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of a nonce (128 bits), written as base64url (22 characters). */
const NONCE_BYTES = 16;

/** A fresh secret for the coordinator (32 random bytes). */
export function newSecret(): Uint8Array {
  return randomBytes(32);
}

/** The nonce of one task publish: HMAC(secret, task id, epoch). */
export function taskNonce(secret: Uint8Array, id: string, epoch: string): string {
  return derive(secret, `task\0${id}\0${epoch}`);
}

/** The nonce a study's tasks carry in one coordinator epoch; a cancel must name it. */
export function studyNonce(secret: Uint8Array, study: string, epoch: string): string {
  return derive(secret, `study\0${study}\0${epoch}`);
}

/** Whether two nonces are the same, in constant time. */
export function sameNonce(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The message id a worker publishes a result under: stable per task publish (a retried publish
 * is dropped as a duplicate) and derived from the nonce, so a forged result, which cannot know
 * the nonce, never takes the genuine result's id.
 */
export function resultMsgId(id: string, nonce: string): string {
  return `${id}:result:${createHash('sha256').update(nonce).digest('base64url').slice(0, 16)}`;
}

function derive(secret: Uint8Array, what: string): string {
  return createHmac('sha256', secret).update(what).digest().subarray(0, NONCE_BYTES).toString('base64url');
}
