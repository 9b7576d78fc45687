import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Msg } from '@nats-io/transport-node';
import { jetStreamMessage } from './task-pull.js';

/** A pulled message with this reply subject; `answers` records what was sent back to it. */
function pulled(reply: string | undefined) {
  const answers: string[] = [];
  const msg = {
    subject: 'hpo.tasks.s1',
    reply,
    data: new Uint8Array([1]),
    respond: (payload: string) => {
      answers.push(payload);
      return true;
    },
  } as unknown as Msg;
  return { msg, answers };
}

describe('a pulled task message', () => {
  it('reads its deliveries and stream sequence from either form of ack subject', () => {
    const old = pulled('$JS.ACK.HPO_TASKS.hpo-workers.3.1042.77.1764662400000000000.5');
    const m = jetStreamMessage(old.msg);
    assert.equal(m.info.deliveryCount, 3);
    assert.equal(m.seq, 1042);
    assert.equal(m.subject, 'hpo.tasks.s1');
    // With a domain and an account hash after ACK, and a random token at the end.
    const fresh = pulled('$JS.ACK.hub.ACCHASH.HPO_TASKS.hpo-workers.1.7.7.1764662400000000000.0.x1');
    assert.deepEqual(
      [jetStreamMessage(fresh.msg).info.deliveryCount, jetStreamMessage(fresh.msg).seq],
      [1, 7],
    );
  });

  it('refuses a message without an ack subject', () => {
    for (const reply of [
      undefined,
      '_INBOX.abc',
      '$JS.ACK.too.short',
      'X.ACK.a.b.1.2.3.4.5',
      '$JS.ACK.HPO_TASKS.hpo-workers.x.5.5.1764662400000000000.0',
    ])
      assert.throws(() => jetStreamMessage(pulled(reply).msg), /not a JetStream message/);
  });

  it('answers once: ack, nak (with its delay in nanoseconds) or term; working until then', () => {
    const reply = '$JS.ACK.HPO_TASKS.hpo-workers.1.5.5.1764662400000000000.0';
    const a = pulled(reply);
    const m = jetStreamMessage(a.msg);
    m.working();
    m.working();
    m.nak(1500);
    m.ack();
    m.term();
    m.working();
    assert.deepEqual(a.answers, ['+WPI', '+WPI', '-NAK {"delay":1500000000}']);
    const b = pulled(reply);
    jetStreamMessage(b.msg).nak();
    const c = pulled(reply);
    const mc = jetStreamMessage(c.msg);
    mc.term();
    mc.ack();
    assert.deepEqual([b.answers, c.answers], [['-NAK'], ['+TERM']]);
  });
});
