import type { StudyEvent } from '../events.js';
import type { StudyStore } from '../ports.js';

/** Keeps events in memory (tests, short-lived studies). */
export class MemoryStudyStore implements StudyStore {
  readonly events: StudyEvent[] = [];
  async append(event: StudyEvent): Promise<void> {
    this.events.push(structuredClone(event));
  }
  async load(): Promise<StudyEvent[]> {
    return structuredClone(this.events);
  }
}
