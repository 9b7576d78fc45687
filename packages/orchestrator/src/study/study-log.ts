/**
 * The one reader of a study's event log. Every view of a study (the runner's state, `--resume`,
 * the `hpo tune` summary, the coordinator's API, the HTML report) folds the same events through
 * `StudyLog`, so trials, their states, the ranking and the 'unfinished' rule are decided once.
 */
import {
  type Calibration,
  type Decision,
  type FoldResult,
  HpoError,
  type ModelFileDigest,
  type OutOfFoldReport,
  objectiveDirection,
  type ShownTrialState,
  type StudyEndReason,
  type StudySpec,
  type TestReport,
} from '@hpo/core';
import type { TrialRecord } from '@hpo/optimizer';
import type { MetricSummary } from '../aggregate.js';
import type { StudyEvent, TrialParams, TrialState } from '../events.js';

/** A trial as the log describes it. */
export interface TrialView {
  number: number;
  params: TrialParams;
  state: TrialState;
  /** Fold results by fold index (repeat · k + fold); holes are folds not (yet) done. */
  folds: (FoldResult | undefined)[];
  /** Objective mean over the folds seen, once the trial is finished (complete or pruned). */
  value?: number;
  /** The rung (epochs) at which ASHA stopped the trial. */
  prunedAtEpoch?: number;
  /** ASHA's reports: per rung (epochs), the validation objective of each fold that reached it. */
  reports?: Map<number, (number | undefined)[]>;
  metrics?: Record<string, MetricSummary>;
  error?: string;
  startedAt: string;
  finishedAt?: string;
  /** Milliseconds the study was stopped while this trial was open (see `study_resumed`). */
  pausedMs: number;
}

/** The model saved for a study: which trial, where, and its decision thresholds. */
export interface SavedModel {
  trial: number;
  /** A directory, or `<bucket>/<study>` in the coordinator's object store. */
  location: string;
  /** The files with their SHA-256 (names only in logs written before digests were kept). */
  files: ModelFileDigest[];
  threshold: { default: number; bestF1: number };
  /** The threshold chosen on out-of-fold predictions (absent in logs before it was recorded). */
  decision?: Decision;
  calibration?: Calibration;
  outOfFold?: OutOfFoldReport;
  /** The model on the held-out test rows, when the study had them. */
  test?: TestReport;
}

/** How a study's last run ended, as its `study_finished` event says. */
export interface StudyEnding {
  reason: StudyEndReason;
  message: string | undefined;
}

type Created = Extract<StudyEvent, { type: 'study_created' }>;

/** Trial work: an event of one of these types after `study_finished` means the study resumed. */
const TRIAL_WORK = new Set<StudyEvent['type']>([
  'study_resumed',
  'trial_started',
  'fold_done',
  'fold_failed',
  'fold_report',
  'trial_finished',
]);

/**
 * What a study's event log amounts to: trials with their folds and outcomes, the failure count,
 * how the last run ended and the saved model. `apply` folds one event in; pure otherwise.
 */
export class StudyLog {
  private readonly trials = new Map<number, TrialView>();
  private failedCount = 0;
  private saved: SavedModel | undefined;
  private ending: StudyEnding | undefined;
  private createdEvent: Created | undefined;
  /** Time of the last event applied (ms), where a pause starts if the next one resumes. */
  private lastAt: number | undefined;
  /** Milliseconds the study ran, from its creation to its last event, pauses left out. */
  private ranMs = 0;
  private applied = 0;
  /**
   * Kept as events come, so the views asked after every event (the API sends the study with
   * each one) cost nothing per trial: the trials by number (rebuilt when a trial is added out of
   * order), how many run, and the best complete trial (met by each trial as it completes).
   */
  private byNumber: TrialView[] = [];
  private byNumberSorted = true;
  private runningTrials = 0;
  private open: TrialView[] = [];
  private bestTrial: TrialView | undefined;

  /** Events applied so far: a view of the log changes only when this does. */
  get eventCount(): number {
    return this.applied;
  }

  /** How long the study has run so far (its time limit counts this), in milliseconds. */
  get runningMs(): number {
    return this.ranMs;
  }

  constructor(readonly direction: 'maximize' | 'minimize') {}

  /**
   * Folds one event into the state. Returns the trial when the event finished it (so the
   * caller can tell the sampler), else undefined. Duplicate results of a fold are ignored.
   */
  apply(e: StudyEvent): TrialView | undefined {
    // Trial work after the study stopped: it was resumed and is running again.
    if (TRIAL_WORK.has(e.type)) this.ending = undefined;
    this.applied++;
    const previousAt = this.lastAt;
    this.lastAt = Date.parse(e.at);
    // Time the study ran (a study_resumed closes a pause, which does not count).
    if (previousAt !== undefined && e.type !== 'study_resumed')
      this.ranMs += Math.max(0, this.lastAt - previousAt);
    switch (e.type) {
      case 'study_created':
        this.createdEvent = e;
        return undefined;
      case 'study_resumed': {
        const paused = previousAt === undefined ? 0 : Math.max(0, Date.parse(e.at) - previousAt);
        for (const t of this.trials.values()) if (t.state === 'running') t.pausedMs += paused;
        return undefined;
      }
      case 'trial_started':
        // A repeated start (a store that delivered an event twice) must not wipe the trial.
        if (this.trials.has(e.trial)) return undefined;
        {
          const t: TrialView = {
            number: e.trial,
            params: e.params,
            state: 'running',
            folds: [],
            startedAt: e.at,
            pausedMs: 0,
          };
          this.trials.set(e.trial, t);
          const last = this.byNumber[this.byNumber.length - 1];
          if (last && last.number > t.number) this.byNumberSorted = false;
          this.byNumber.push(t);
          this.runningTrials++;
          this.open.push(t);
          if (this.open.length > 1 && this.open[this.open.length - 2]!.number > t.number)
            this.open.sort((a, b) => a.number - b.number);
        }
        return undefined;
      case 'fold_done': {
        const t = this.trials.get(e.trial);
        if (t && !t.folds[e.fold]) t.folds[e.fold] = e.result;
        return undefined;
      }
      case 'fold_report': {
        const t = this.trials.get(e.trial);
        if (!t) return undefined;
        t.reports ??= new Map();
        const values = t.reports.get(e.epoch) ?? [];
        t.reports.set(e.epoch, values);
        // A fold trained again after a restart reports again: the first value stays.
        values[e.fold] ??= e.value;
        return undefined;
      }
      case 'trial_finished': {
        const t = this.trials.get(e.trial);
        if (t?.state !== 'running') return undefined;
        t.state = e.state;
        this.runningTrials--;
        this.open.splice(this.open.indexOf(t), 1);
        t.finishedAt = e.at;
        if (e.value !== undefined) t.value = e.value;
        // A complete trial's value never changes again: the best so far only meets a challenger.
        if (e.state === 'complete' && (!this.bestTrial || this.byObjective(t, this.bestTrial) < 0))
          this.bestTrial = t;
        if (e.epoch !== undefined) t.prunedAtEpoch = e.epoch;
        if (e.metrics) t.metrics = e.metrics;
        if (e.error) t.error = e.error;
        if (e.state === 'failed') this.failedCount++;
        return t;
      }
      case 'study_finished':
        this.ending = { reason: e.reason, message: e.message };
        return undefined;
      case 'model_saved':
        this.saved = {
          trial: e.trial,
          location: e.location ?? e.dir ?? '',
          files: (e.files ?? []).map((f) => (typeof f === 'string' ? { name: f, sha256: '', bytes: 0 } : f)),
          threshold: e.threshold,
          ...(e.decision ? { decision: e.decision } : {}),
          ...(e.calibration ? { calibration: e.calibration } : {}),
          ...(e.outOfFold ? { outOfFold: e.outOfFold } : {}),
          ...(e.test ? { test: e.test } : {}),
        };
        return undefined;
      default:
        return undefined;
    }
  }

  /** The study's creation event (spec, dataset hash), once applied. */
  get created(): Created | undefined {
    return this.createdEvent;
  }

  /** How the last run ended; undefined while the study runs (or was killed mid-run). */
  get ended(): StudyEnding | undefined {
    return this.ending;
  }

  /**
   * Marks the study as running again (a new run starts): until it ends, its open trials show as
   * running, not unfinished.
   */
  reopen(): void {
    this.ending = undefined;
  }

  get(trial: number): TrialView | undefined {
    return this.trials.get(trial);
  }

  get size(): number {
    return this.trials.size;
  }

  get failures(): number {
    return this.failedCount;
  }

  get model(): SavedModel | undefined {
    return this.saved;
  }

  /** Every trial, by number. */
  all(): TrialView[] {
    if (!this.byNumberSorted) {
      this.byNumber.sort((a, b) => a.number - b.number);
      this.byNumberSorted = true;
    }
    return this.byNumber.slice();
  }

  /** Trials still running (in the log: a stopped study's open trials count). */
  get running(): number {
    return this.runningTrials;
  }

  /** The running trials, by number (a copy: the log's own list changes as trials finish). */
  openTrials(): TrialView[] {
    return this.open.slice();
  }

  /** Trials finished: complete, pruned or failed. */
  get finished(): number {
    return this.trials.size - this.runningTrials;
  }

  /** Trials ranked: complete by objective, then pruned by their partial objective, then running, then failed. */
  leaderboard(): TrialView[] {
    const order: Record<TrialState, number> = { complete: 0, pruned: 1, running: 2, failed: 3 };
    return this.all().sort((a, b) => order[a.state] - order[b.state] || this.byObjective(a, b));
  }

  /** The best complete trial by objective mean (ties: lower trial number). */
  best(): TrialView | undefined {
    return this.bestTrial;
  }

  /** Better objective first (no value last), then lower trial number. */
  private byObjective(a: TrialView, b: TrialView): number {
    const sign = this.direction === 'maximize' ? -1 : 1;
    const key = (t: TrialView) => t.value ?? Number.POSITIVE_INFINITY * sign;
    return sign * (key(a) - key(b)) || a.number - b.number;
  }

  /** The error of the most recent failed trial, for messages. */
  lastError(): string {
    const failed = this.all().filter((t) => t.state === 'failed');
    return failed[failed.length - 1]?.error ?? 'none';
  }

  /**
   * A trial's state as shown to users: one still running when its study has stopped (time
   * limit, too many failures, cancel) is 'unfinished', since nothing will finish it. The log
   * keeps it running, so `hpo tune --resume` of the same log continues it.
   */
  shownState(t: TrialView): ShownTrialState {
    return t.state === 'running' && this.ending ? 'unfinished' : t.state;
  }

  /** Trials still open in a stopped study (see `shownState`). */
  unfinishedCount(): number {
    return this.ending ? this.runningTrials : 0;
  }

  /** Trials as the sampler's records (no outcome = pending). */
  samplerRecords(): TrialRecord[] {
    return this.all().map((t) => ({ number: t.number, params: t.params, ...outcomeOf(t) }));
  }
}

/** How a finished trial reads to the sampler. */
export function outcomeOf(t: TrialView): Pick<TrialRecord, 'outcome'> {
  if (t.state === 'complete') return { outcome: { state: 'complete', value: t.value! } };
  if (t.state === 'pruned')
    return { outcome: { state: 'pruned', ...(t.value !== undefined ? { value: t.value } : {}) } };
  if (t.state === 'failed') return { outcome: { state: 'failed' } };
  return {};
}

/** The line saying how many trials a stopped study left unfinished (none: undefined). */
export function unfinishedNote(count: number): string | undefined {
  return count > 0 ? `${count} trial${count === 1 ? ' was' : 's were'} left unfinished` : undefined;
}

/** Folds a whole event log; it must start with `study_created` (its spec gives the direction). */
export function readStudyLog(events: StudyEvent[], source = 'the study log'): StudyLog {
  const first = events[0];
  if (first?.type !== 'study_created')
    throw new HpoError(
      'invalid_argument',
      `${source} does not start with the study's creation; is this an hpo study?`,
    );
  const log = new StudyLog(objectiveDirection(first.spec));
  for (const e of events) log.apply(e);
  return log;
}

/** The spec a log was created with. */
export function specOf(log: StudyLog): StudySpec {
  const created = log.created;
  if (!created) throw new HpoError('internal', 'the study log has no study_created event');
  return created.spec;
}

/**
 * Parses an append-only JSON-lines log (`events.jsonl`). A torn final line (a crash mid-write)
 * is dropped and `tornAt` says where it starts (a character offset), so a writer can cut it off
 * before appending; any other unreadable line is corruption.
 */
export function parseEventLines(text: string, source: string): { events: StudyEvent[]; tornAt?: number } {
  const events: StudyEvent[] = [];
  let offset = 0;
  while (offset < text.length) {
    const end = text.indexOf('\n', offset);
    const line = text.slice(offset, end === -1 ? text.length : end);
    if (line.trim() !== '') {
      try {
        events.push(JSON.parse(line) as StudyEvent);
      } catch {
        // Only the last line can be torn (killed mid-write); anything else is corruption.
        if (end !== -1 && text.slice(end + 1).trim() !== '') {
          const lineNo = text.slice(0, offset).split('\n').length;
          throw new HpoError(
            'data_loss',
            `${source}: line ${lineNo} is not valid JSON; the study log is corrupt`,
            {
              hint: `lines 1–${lineNo - 1} are intact. Keep a copy of the file, then either delete line ${lineNo} (its event is lost: a fold or trial re-runs if it was one) or cut the file before it (everything after re-runs), and resume`,
              details: { file: source, line: lineNo },
            },
          );
        }
        return { events, tornAt: offset };
      }
    }
    if (end === -1) break;
    offset = end + 1;
  }
  return { events };
}
