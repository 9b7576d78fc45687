import { errorText } from '@hpo/core';
import {
  CodecError,
  decodeHandback,
  decodeTask,
  encodeJson,
  type HandbackReply,
  STREAMS,
  SUBJECTS,
  sameNonce,
} from '@hpo/protocol';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Metrics } from './metrics.js';
import type { StudyManager } from './study-manager.js';

/**
 * Answers workers that stop with a task in hand: the task is queued again as a fresh copy (a new
 * message, so the hand-back does not use one of its max_deliver deliveries), then the worker acks
 * its own copy. Only a copy this coordinator's study still waits for is renewed, and only for a
 * worker that names the task's nonce, which only a holder of the task knows.
 */
export function followHandbacks(
  nc: NatsConnection,
  js: JetStreamClient,
  jsm: JetStreamManager,
  manager: StudyManager,
  metrics: Metrics,
  log: Logger,
): void {
  const sub = nc.subscribe(SUBJECTS.handbackAll);
  const prefix = SUBJECTS.handback('').length;
  const handle = async (m: Msg): Promise<void> => {
    const reply = (r: HandbackReply) => {
      if (m.reply) m.respond(encodeJson(r));
    };
    const study = m.subject.slice(prefix);
    try {
      const req = decodeHandback(m.data);
      const copy = manager.handingBack(study, req.id, req.seq);
      const stored = copy ? await jsm.streams.getMessage(STREAMS.tasks, { seq: req.seq }) : null;
      const task = stored ? decodeTask(stored.data) : undefined;
      if (!copy || !task || task.id !== req.id || task.study !== study || !sameNonce(task.nonce, req.nonce)) {
        metrics.handbacks.inc({ outcome: 'refused' });
        reply({ ok: false, error: 'no study here waits for that copy of the task' });
        return;
      }
      // The message id names the copy handed back: a worker's retry queues one copy, not two.
      const ack = await js.publish(SUBJECTS.task(study), stored!.data, {
        msgID: `${req.id}@${copy.epoch}#${req.seq}`,
      });
      if (!ack.duplicate && !manager.handedBack(study, req.id, req.seq, ack.seq)) {
        // The fold was dropped or answered while the copy was published: nobody wants it.
        await jsm.streams.deleteMessage(STREAMS.tasks, ack.seq, false).catch(() => undefined);
        metrics.handbacks.inc({ outcome: 'refused' });
        reply({ ok: false, error: 'no study here waits for that copy of the task' });
        return;
      }
      metrics.handbacks.inc({ outcome: 'requeued' });
      log.info({ task: req.id, worker: req.worker, seq: ack.seq }, 'task handed back by a stopping worker');
      reply({ ok: true, seq: ack.seq });
    } catch (err) {
      metrics.handbacks.inc({ outcome: err instanceof CodecError ? 'malformed' : 'error' });
      log.warn({ subject: m.subject, err: errorText(err) }, 'cannot take a task back');
      reply({
        ok: false,
        error: err instanceof CodecError ? err.message : 'the coordinator could not requeue it',
      });
    }
  };
  // Each request on its own: one slow JetStream call does not hold the others past their timeout.
  void (async () => {
    for await (const m of sub) void handle(m);
  })();
}
