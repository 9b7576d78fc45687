/**
 * The dashboard's source for `hpo dashboard DIR`: the study directory DIR, or every study
 * directory directly inside DIR (e.g. `runs/`), each followed as its `events.jsonl` grows
 * (appended lines are read as they land; a line still being written waits for its newline).
 */
import {
  closeSync,
  existsSync,
  type FSWatcher,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
  watch,
} from 'node:fs';
import { basename, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { HpoError, objectiveDirection } from '@hpo/core';
import type { StudyEvent } from '../events.js';
import { isStudyDir } from '../stores/file-store.js';
import { StudyLog } from '../study/study-log.js';
import { type DashboardSource, type RunningTask, type StudyListing, studyListing } from './dashboard.js';

const LOG = 'events.jsonl';

/** One followed study directory: its log as read so far. */
class FollowedStudy {
  log: StudyLog | undefined;
  private offset = 0;
  private partial = '';
  /** Decodes UTF-8 across reads (a character split between two reads stays whole). */
  private decoder = new StringDecoder('utf8');
  /** The log file's inode: another file under the same name (rewritten) is read from the start. */
  private inode = -1;
  private watcher: FSWatcher | undefined;
  /** Why the log cannot be read (a corrupt line), shown instead of the study. */
  error: string | undefined;

  constructor(
    readonly id: string,
    readonly dir: string,
    private readonly changed: () => void,
  ) {
    try {
      this.watcher = watch(join(dir, LOG), () => this.read());
      this.watcher.on('error', () => undefined);
    } catch {
      // fs.watch is not available everywhere; the poll in LocalSource reads the file anyway.
    }
  }

  /** Reads what was appended since the last read; tells the dashboard when events came. */
  read(): void {
    if (this.error) return;
    const file = join(this.dir, LOG);
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return; // removed, or not written yet
    }
    let text = '';
    try {
      const stat = fstatSync(fd);
      const size = stat.size;
      if (size < this.offset || stat.ino !== this.inode) {
        // Cut (a torn line removed by a resume) or replaced: read it again from the start.
        if (this.inode !== -1) this.changed();
        this.inode = stat.ino;
        this.offset = 0;
        this.partial = '';
        this.decoder = new StringDecoder('utf8');
        this.log = undefined;
      }
      const buffer = Buffer.alloc(Math.min(size - this.offset, 64 * 1024 * 1024));
      let got = 0;
      while (got < buffer.length) {
        const n = readSync(fd, buffer, got, buffer.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      this.offset += got;
      text = this.partial + this.decoder.write(buffer.subarray(0, got));
    } finally {
      closeSync(fd);
    }
    const end = text.lastIndexOf('\n');
    this.partial = text.slice(end + 1);
    if (end < 0) return;
    let applied = 0;
    const lines = text.slice(0, end).split('\n');
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      let event: StudyEvent;
      try {
        event = JSON.parse(line) as StudyEvent;
      } catch {
        this.error = `${file}: a line ${i === lines.length - 1 ? 'near the end' : ''} is not valid JSON; the study log is corrupt`;
        this.changed();
        return;
      }
      if (!this.log) {
        if (event.type !== 'study_created') {
          this.error = `${file} does not start with the study's creation; is this an hpo study?`;
          this.changed();
          return;
        }
        this.log = new StudyLog(objectiveDirection(event.spec));
      }
      this.log.apply(event);
      applied++;
    }
    if (applied) this.changed();
  }

  close(): void {
    this.watcher?.close();
  }
}

/**
 * Study directories under a root, read as they grow. New study directories under the root are
 * picked up too. Change notices come from fs.watch where it works and from a poll every
 * `pollMs` either way (some file systems never report changes).
 */
export class LocalSource implements DashboardSource<null> {
  readonly authRequired = false;
  private readonly studies = new Map<string, FollowedStudy>();
  private readonly listeners = new Set<(study: string) => void>();
  private readonly timer: NodeJS.Timeout;
  private readonly rootWatcher: FSWatcher | undefined;
  /** Whether the root itself is one study directory. */
  private readonly single: boolean;

  constructor(
    private readonly root: string,
    pollMs = 1000,
  ) {
    if (!existsSync(root) || !statSync(root).isDirectory())
      throw new HpoError('invalid_argument', `${root} is not a directory`, {
        hint: 'pass a study directory written by `hpo tune --out`, or a folder of them (e.g. runs/)',
      });
    this.single = isStudyDir(root);
    this.scan();
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
    try {
      this.rootWatcher = this.single ? undefined : watch(root, () => this.scan());
      this.rootWatcher?.on('error', () => undefined);
    } catch {
      this.rootWatcher = undefined;
    }
  }

  authenticate(): null {
    return null;
  }

  list(): StudyListing[] {
    return [...this.studies.values()]
      .filter((s) => s.log?.created)
      .map((s) => studyListing(s.id, s.log!, s.error ? 'unreadable' : localState(s.log!)))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  log(_viewer: null, id: string): StudyLog {
    const s = this.studies.get(id);
    if (s?.error) throw new HpoError('data_loss', s.error);
    if (!s?.log) throw new HpoError('not_found', `study '${id}' not found under ${this.root}`);
    return s.log;
  }

  /**
   * The folds of trials started and not finished: the log says they are open, not which of them
   * a thread trains right now (that is in the process running the study).
   */
  running(_viewer: null, id: string): RunningTask[] {
    const log = this.log(null, id);
    if (log.ended) return [];
    const folds = log.created!.folds;
    const out: RunningTask[] = [];
    for (const t of log.all()) {
      if (t.state !== 'running') continue;
      for (let fold = 0; fold < folds; fold++)
        if (!t.folds[fold])
          out.push({ trial: t.number, fold, state: 'open', worker: 'local', since: t.startedAt });
    }
    return out;
  }

  subscribe(listener: (study: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    clearInterval(this.timer);
    this.rootWatcher?.close();
    for (const s of this.studies.values()) s.close();
  }

  private poll(): void {
    this.scan();
    for (const s of this.studies.values()) s.read();
  }

  /** Follows every study directory not followed yet. */
  private scan(): void {
    let dirs: string[];
    try {
      dirs = this.single
        ? [this.root]
        : readdirSync(this.root, { withFileTypes: true })
            .filter((d) => d.isDirectory())
            .map((d) => join(this.root, d.name))
            .filter(isStudyDir);
    } catch {
      return; // the folder went away (or cannot be read): the studies read so far stay shown
    }
    for (const dir of dirs) {
      const id = basename(dir);
      if (this.studies.has(id)) continue;
      const study = new FollowedStudy(id, dir, () => this.emit(id));
      this.studies.set(id, study);
      study.read();
    }
  }

  private emit(id: string): void {
    for (const l of this.listeners) l(id);
  }
}

/** A study directory's state from its log alone: running until it records its end. */
function localState(log: StudyLog): string {
  const ended = log.ended;
  if (!ended) return 'running';
  if (ended.reason === 'cancelled') return 'cancelled';
  return log.best() ? 'finished' : 'failed';
}
