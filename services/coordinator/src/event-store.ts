import { HpoError } from '@hpo/core';
import type { StudyEvent, StudyStore } from '@hpo/orchestrator';
import { EVENTS_DUPLICATE_WINDOW_SECONDS, encodeJson, STREAMS, SUBJECTS } from '@hpo/protocol';
import { JetStreamApiError, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';

/** Retries of a publish that failed in transit (NATS restarting) stop well inside the dedupe window. */
const RETRY_FOR_MS = (EVENTS_DUPLICATE_WINDOW_SECONDS * 1000) / 2;
const RETRY_PAUSE_MS = 1000;
const WRONG_LAST_SEQUENCE = 10071;

/**
 * A study's append-only event log as the subject `hpo.events.<study>` of a file-backed
 * JetStream stream: the distributed StudyStore. `append` returns once the server has stored
 * the event; `load` reads every event of the study in order.
 *
 * An event is stored at most once and never behind another writer's back: each publish carries
 * a message id (study and position: a retry of a publish that landed is deduplicated) and the
 * subject's expected last sequence (a second coordinator writing the same study, or a retry
 * after the dedupe window, is refused by the server). A refusal is resolved by reading the last
 * stored event: our own event means the earlier try landed; anything else is a conflict.
 */
export class JetStreamStudyStore implements StudyStore {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly study: string,
  ) {}

  /** Position of the next event in the study's log; set by load(), which runs first. */
  private next = 0;
  /** Stream sequence of the study's last stored event (0: none). */
  private lastSeq = 0;
  /** Set when another writer appended to this study: this process must stop driving it. */
  conflicted = false;

  /** Events in the study's log so far (the position of the last one, 1-based). */
  get position(): number {
    return this.next;
  }

  async append(event: StudyEvent): Promise<void> {
    const subject = SUBJECTS.events(this.study);
    const msgID = `${this.study}#${this.next}`;
    const data = encodeJson(event);
    const giveUpAt = Date.now() + RETRY_FOR_MS;
    for (;;) {
      try {
        const ack = await this.js.publish(subject, data, {
          msgID,
          expect: { lastSubjectSequence: this.lastSeq },
        });
        if (ack.duplicate) await this.confirmOwn(data);
        else this.lastSeq = ack.seq;
        this.next++;
        return;
      } catch (err) {
        if (err instanceof JetStreamApiError) {
          // The server answered: not a transient failure, so no blind retry.
          if (err.code === WRONG_LAST_SEQUENCE) {
            await this.confirmOwn(data);
            this.next++;
            return;
          }
          throw err;
        }
        if (err instanceof HpoError || Date.now() >= giveUpAt) throw err;
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
      }
    }
  }

  /**
   * After a duplicate ack or a wrong-last-sequence refusal: the study's last stored event must be
   * this one (an earlier try landed), else another writer appended to the study.
   */
  private async confirmOwn(data: Uint8Array): Promise<void> {
    const last = await this.jsm.streams.getMessage(STREAMS.events, {
      last_by_subj: SUBJECTS.events(this.study),
    });
    if (last && last.seq > this.lastSeq && Buffer.from(last.data).equals(Buffer.from(data))) {
      this.lastSeq = last.seq;
      return;
    }
    this.conflicted = true;
    throw new HpoError(
      'failed_precondition',
      `study ${this.study}: another process appended to its event log (last stored event ${last?.seq ?? 'none'}, expected ${this.lastSeq}); this coordinator stops driving it`,
    );
  }

  async load(): Promise<StudyEvent[]> {
    const subject = SUBJECTS.events(this.study);
    const info = await this.jsm.streams.info(STREAMS.events, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    this.next = count;
    this.lastSeq = 0;
    if (count === 0) return [];
    const consumer = await this.js.consumers.get(STREAMS.events, { filter_subjects: subject });
    const events: StudyEvent[] = [];
    const messages = await consumer.consume();
    try {
      for await (const m of messages) {
        try {
          events.push(m.json<StudyEvent>());
        } catch {
          throw new HpoError(
            'data_loss',
            `study ${this.study}: event ${events.length + 1} (stream sequence ${m.seq}) is not valid JSON; the study log is corrupt`,
            { details: { study: this.study, seq: m.seq } },
          );
        }
        this.lastSeq = m.seq;
        if (events.length >= count || m.info.pending === 0) break;
      }
    } finally {
      await messages.close();
    }
    return events;
  }
}
