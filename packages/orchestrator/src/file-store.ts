import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudyEvent } from './events.js';
import type { StudyStore } from './ports.js';

/**
 * A study directory with an append-only event log (`events.jsonl`, one JSON event per line,
 * fsynced after each append). A crash can at worst leave a torn last line, which `load` drops,
 * so a killed study resumes without losing or repeating finished trials.
 */
export class FileStudyStore implements StudyStore {
  readonly dir: string;
  private readonly file: string;
  private fd: number | undefined;

  constructor(dir: string) {
    this.dir = dir;
    this.file = join(dir, 'events.jsonl');
    mkdirSync(dir, { recursive: true });
  }

  async append(event: StudyEvent): Promise<void> {
    this.fd ??= openSync(this.file, 'a');
    appendFileSync(this.fd, `${JSON.stringify(event)}\n`);
    fsyncSync(this.fd);
  }

  async load(): Promise<StudyEvent[]> {
    if (!existsSync(this.file)) return [];
    const lines = readFileSync(this.file, 'utf8').split('\n');
    const events: StudyEvent[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        events.push(JSON.parse(line) as StudyEvent);
      } catch {
        // Only a torn final line (killed mid-write) is expected; anything else is corruption.
        if (i < lines.length - 2)
          throw new Error(`${this.file}: line ${i + 1} is not valid JSON; the study log is corrupt`);
      }
    });
    return events;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Whether `dir` holds a study log. */
export function isStudyDir(dir: string): boolean {
  return existsSync(join(dir, 'events.jsonl'));
}
