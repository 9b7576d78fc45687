import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { type Dataset, writeDatasetFile } from '@hpo/core';
import type { StudyEvent } from '../events.js';
import type { StudyStore } from '../ports.js';
import { parseEventLines } from '../study/study-log.js';

const LOG = 'events.jsonl';

/**
 * A study directory of the embedded mode: an append-only event log (`events.jsonl`, one JSON
 * event per line, fsynced after each append) and the dataset's canonical blob
 * (`dataset-<sha256>.bin`). A crash can at worst leave a torn last line: `load` drops it and cuts
 * it off the file, so the next append starts on a line of its own and a killed study resumes
 * without losing or repeating finished trials.
 */
export class FileStudyStore implements StudyStore {
  private readonly file: string;
  private fd: number | undefined;

  constructor(readonly dir: string) {
    this.file = join(dir, LOG);
    mkdirSync(dir, { recursive: true });
  }

  async append(event: StudyEvent): Promise<void> {
    this.fd ??= openSync(this.file, 'a');
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
    fsyncSync(this.fd);
  }

  async load(): Promise<StudyEvent[]> {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file, 'utf8');
    const { events, tornAt } = parseEventLines(text, this.file);
    const keep = tornAt === undefined ? text : text.slice(0, tornAt);
    if (tornAt !== undefined) truncateSync(this.file, Buffer.byteLength(keep));
    // A last line whose newline was lost would glue the next event onto it.
    if (keep.length > 0 && !keep.endsWith('\n')) writeFileSync(this.file, '\n', { flag: 'a' });
    return events;
  }

  /** Path of the dataset blob with this hash (written by `saveDataset`). */
  datasetFile(hash: string): string {
    return join(this.dir, `dataset-${hash}.bin`);
  }

  /** Writes a dataset's canonical bytes once (content-addressed) and returns its hash. */
  saveDataset(ds: Dataset): string {
    // Written block by block and hashed on the way: the canonical bytes are never all in memory.
    const tmp = join(this.dir, `dataset-${process.pid}.tmp`);
    let hash: string;
    try {
      hash = writeDatasetFile(ds, tmp);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    const path = this.datasetFile(hash);
    if (existsSync(path)) rmSync(tmp, { force: true });
    else renameSync(tmp, path);
    return hash;
  }

  /** Where the best trial's model goes. */
  get modelDir(): string {
    return join(this.dir, 'model');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Whether `dir` holds a study log. */
export function isStudyDir(dir: string): boolean {
  return existsSync(join(dir, LOG));
}
