import type { TrialRecord } from '@hpo/optimizer';
import type { FoldResultMessage } from '@hpo/trainer';
import type { MetricSummary } from './aggregate.js';
import type { StudyEvent, TrialParams, TrialState } from './events.js';

/** A trial as the runner tracks it. */
export interface TrialView {
  number: number;
  params: TrialParams;
  state: TrialState;
  /** Fold results by fold index (repeat · k + fold); holes are folds not (yet) done. */
  folds: (FoldResultMessage | undefined)[];
  /** Objective mean over the folds seen, once the trial is finished (complete or pruned). */
  value?: number;
  metrics?: Record<string, MetricSummary>;
  error?: string;
  startedAt: string;
  finishedAt?: string;
}

/** The model saved for a study: which trial, where, and its decision thresholds. */
export interface SavedModel {
  trial: number;
  dir: string;
  threshold: { default: number; bestF1: number };
}

/**
 * What a study's event log amounts to: trials with their folds and outcomes, the failure
 * count and the saved model. Pure: `apply` folds one event in; the runner and any reader of a
 * log (resume, API queries) build the same state from the same events.
 */
export class StudyState {
  private readonly trials = new Map<number, TrialView>();
  private failedCount = 0;
  private saved: SavedModel | undefined;

  constructor(private readonly direction: 'maximize' | 'minimize') {}

  /**
   * Folds one event into the state. Returns the trial when the event finished it (so the
   * caller can tell the sampler), else undefined. Duplicate results of a fold are ignored.
   */
  apply(e: StudyEvent): TrialView | undefined {
    switch (e.type) {
      case 'trial_started':
        this.trials.set(e.trial, {
          number: e.trial,
          params: e.params,
          state: 'running',
          folds: [],
          startedAt: e.at,
        });
        return undefined;
      case 'fold_done': {
        const t = this.trials.get(e.trial);
        if (t && !t.folds[e.fold]) t.folds[e.fold] = e.result;
        return undefined;
      }
      case 'trial_finished': {
        const t = this.trials.get(e.trial);
        if (t?.state !== 'running') return undefined;
        t.state = e.state;
        t.finishedAt = e.at;
        if (e.value !== undefined) t.value = e.value;
        if (e.metrics) t.metrics = e.metrics;
        if (e.error) t.error = e.error;
        if (e.state === 'failed') this.failedCount++;
        return t;
      }
      case 'model_saved':
        this.saved = { trial: e.trial, dir: e.dir, threshold: e.threshold };
        return undefined;
      default:
        return undefined;
    }
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
    return [...this.trials.values()].sort((a, b) => a.number - b.number);
  }

  /** Trials ranked: complete by objective, then pruned by their partial objective, then running, then failed. */
  leaderboard(): TrialView[] {
    const order: Record<TrialState, number> = { complete: 0, pruned: 1, running: 2, failed: 3 };
    const sign = this.direction === 'maximize' ? -1 : 1;
    const key = (t: TrialView) => t.value ?? Number.POSITIVE_INFINITY * sign;
    return this.all().sort(
      (a, b) => order[a.state] - order[b.state] || sign * (key(a) - key(b)) || a.number - b.number,
    );
  }

  /** The best complete trial by objective mean (ties: lower trial number). */
  best(): TrialView | undefined {
    return this.leaderboard().find((t) => t.state === 'complete');
  }

  /** The error of the most recent failed trial, for messages. */
  lastError(): string {
    const failed = this.all().filter((t) => t.state === 'failed');
    return failed[failed.length - 1]?.error ?? 'none';
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
