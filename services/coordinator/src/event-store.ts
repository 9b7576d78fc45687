import type { StudyEvent, StudyStore } from '@hpo/orchestrator';
import { encodeJson, STREAMS, SUBJECTS } from '@hpo/protocol';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';

const RETRIES = 60;

/**
 * A study's append-only event log as the subject `hpo.events.<study>` of a file-backed
 * JetStream stream: the distributed StudyStore. `append` returns once the server has stored
 * the event; `load` reads every event of the study in order.
 */
export class JetStreamStudyStore implements StudyStore {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly study: string,
  ) {}

  /** Position of the next event in the study's log; set by load(), which runs first. */
  private next = 0;

  /**
   * Stores one event. A publish that fails while NATS reconnects is retried for up to a minute;
   * the message id (study and position) makes a retry of a publish that did land a no-op.
   */
  async append(event: StudyEvent): Promise<void> {
    const msgID = `${this.study}#${this.next}`;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.js.publish(SUBJECTS.events(this.study), encodeJson(event), { msgID });
        this.next++;
        return;
      } catch (err) {
        if (attempt >= RETRIES) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async load(): Promise<StudyEvent[]> {
    const subject = SUBJECTS.events(this.study);
    const info = await this.jsm.streams.info(STREAMS.events, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    this.next = count;
    if (count === 0) return [];
    const consumer = await this.js.consumers.get(STREAMS.events, { filter_subjects: subject });
    const events: StudyEvent[] = [];
    const messages = await consumer.consume();
    for await (const m of messages) {
      events.push(m.json<StudyEvent>());
      if (events.length >= count || m.info.pending === 0) break;
    }
    await messages.close();
    return events;
  }
}
