import { objectiveDirection, type StudySpec } from '@hpo/core';
import { type Pruner, type Sampler, SamplerExhaustedError, type TrialRecord } from '@hpo/optimizer';
import type { DatasetRef, FoldResultMessage } from '@hpo/trainer';
import { aggregateFolds, type MetricSummary } from './aggregate.js';
import type { NewEvent, StudyEndReason, StudyEvent, TrialParams, TrialState } from './events.js';
import type { Executor, StudyStore } from './ports.js';
import { makePruner, makeSampler } from './sampling.js';

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

export interface StudyRunnerOptions {
  spec: StudySpec;
  dataset: DatasetRef;
  executor: Executor;
  store: StudyStore;
  /** Called after every event is stored (progress bars, WatchStudy streams). */
  onEvent?: (event: StudyEvent) => void;
}

/**
 * The BO loop over cross-validation folds: keeps up to `budget.parallelism` trials in flight,
 * runs each as one task per fold through the Executor, records every fold through the
 * StudyStore, asks the pruner after each fold (in fold order, so decisions do not depend on
 * which thread finished first), aggregates, tells the sampler, and ranks the leaderboard.
 * All state is rebuilt from the store's events, so a killed study resumes where it stopped.
 */
export class StudyRunner {
  readonly spec: StudySpec;
  private readonly opts: StudyRunnerOptions;
  private readonly sampler: Sampler | undefined;
  private readonly pruner: Pruner | undefined;
  private readonly trials = new Map<number, TrialView>();
  private readonly submitted = new Set<string>();
  /** Per running trial: aborted when the trial ends, so its not-yet-started folds are dropped. */
  private readonly drops = new Map<number, AbortController>();
  private readonly direction: 'maximize' | 'minimize';
  private readonly totalFolds: number;
  private failures = 0;
  private model: { trial: number; dir: string; threshold: { default: number; bestF1: number } } | undefined;
  private endReason: StudyEndReason | undefined;
  private endMessage: string | undefined;

  private constructor(opts: StudyRunnerOptions) {
    this.opts = opts;
    this.spec = opts.spec;
    this.sampler = makeSampler(opts.spec);
    this.pruner = makePruner(opts.spec);
    this.direction = objectiveDirection(opts.spec);
    this.totalFolds = opts.spec.cv.k * opts.spec.cv.repeats;
  }

  /** Opens a study: replays its stored events if there are any, else records its creation. */
  static async open(opts: StudyRunnerOptions): Promise<StudyRunner> {
    const runner = new StudyRunner(opts);
    const events = await opts.store.load();
    if (events.length === 0) {
      await runner.record({
        type: 'study_created',
        study: opts.spec.name,
        spec: opts.spec,
        datasetHash: opts.dataset.hash,
        folds: runner.totalFolds,
      });
    } else {
      runner.replay(events);
    }
    return runner;
  }

  /** Runs trials until the budget, the time limit, too many failures, or `signal` ends the study. */
  async run(signal?: AbortSignal): Promise<StudyEndReason> {
    const { budget } = this.spec;
    const deadline = budget.timeLimitSeconds
      ? Date.now() + budget.timeLimitSeconds * 1000
      : Number.POSITIVE_INFINITY;
    // Trials left running by a crash are finished first (their done folds are kept).
    for (const t of this.trials.values()) if (t.state === 'running') await this.advance(t);
    const inflight = new Map<string, Promise<Settled>>();
    let stopping: StudyEndReason | undefined;
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (!stopping) {
          if (signal?.aborted) stopping = 'cancelled';
          else if (Date.now() >= deadline) stopping = 'time_limit';
          else if (this.failures > budget.maxFailedTrials) stopping = 'too_many_failures';
        }
        if (!stopping) stopping = await this.startTrials();
        if (!stopping || stopping === 'budget' || stopping === 'exhausted')
          this.submitFolds(inflight, abort.signal);
        if (inflight.size === 0) break;
        const settled = await Promise.race(inflight.values());
        inflight.delete(settled.key);
        await this.settle(settled);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    const reason = stopping ?? 'budget';
    const message =
      reason === 'too_many_failures'
        ? `stopped after ${this.failures} failed trials (budget.maxFailedTrials is ${budget.maxFailedTrials}); last error: ${this.lastError()}`
        : undefined;
    this.endReason = reason;
    this.endMessage = message;
    await this.record({ type: 'study_finished', reason, ...(message ? { message } : {}) });
    return reason;
  }

  /**
   * Refits the best complete trial on every row and saves the model to `dir` (skipped when the
   * store already records a model of that trial). Returns undefined when no trial completed.
   */
  async refitBest(dir: string, signal?: AbortSignal): Promise<{ trial: number; dir: string } | undefined> {
    const best = this.best();
    if (!best) return undefined;
    if (this.model?.trial === best.number) return { trial: best.number, dir: this.model.dir };
    const bestF1 = best.metrics?.bestF1Threshold?.mean ?? 0.5;
    const metrics = Object.fromEntries(
      Object.entries(best.metrics ?? {}).map(([k, v]) => [k, { mean: v.mean, std: v.std, ci95: v.ci95 }]),
    );
    await this.opts.executor.refit(
      {
        kind: 'refit',
        dataset: this.opts.dataset,
        params: this.trainParams(best.params),
        seed: foldSeed(this.spec.seed, best.number, -1),
        outDir: dir,
        metadata: {
          study: this.spec.name,
          trial: best.number,
          params: best.params,
          objective: { ...this.spec.objective, direction: this.direction, value: best.value },
          cv: { ...this.spec.cv, metrics },
          thresholds: { default: this.spec.threshold, bestF1 },
          datasetHash: this.opts.dataset.hash,
          seed: this.spec.seed,
        },
      },
      signal,
    );
    const threshold = { default: this.spec.threshold, bestF1 };
    await this.record({ type: 'model_saved', trial: best.number, dir, threshold });
    return { trial: best.number, dir };
  }

  /** Every trial, by number. */
  allTrials(): TrialView[] {
    return [...this.trials.values()].sort((a, b) => a.number - b.number);
  }

  /** The best complete trial by objective mean (ties: lower trial number). */
  best(): TrialView | undefined {
    return this.leaderboard().find((t) => t.state === 'complete');
  }

  /** Trials ranked: complete by objective, then pruned by their partial objective, then running, then failed. */
  leaderboard(): TrialView[] {
    const order: Record<TrialState, number> = { complete: 0, pruned: 1, running: 2, failed: 3 };
    const sign = this.direction === 'maximize' ? -1 : 1;
    return this.allTrials().sort(
      (a, b) =>
        order[a.state] - order[b.state] ||
        sign *
          ((a.value ?? Number.POSITIVE_INFINITY * sign) - (b.value ?? Number.POSITIVE_INFINITY * sign)) ||
        a.number - b.number,
    );
  }

  /** The saved model, if any. */
  savedModel(): { trial: number; dir: string; threshold: { default: number; bestF1: number } } | undefined {
    return this.model;
  }

  /** Why the last run ended, and its message for failures. */
  ending(): { reason: StudyEndReason | undefined; message: string | undefined } {
    return { reason: this.endReason, message: this.endMessage };
  }

  get foldsPerTrial(): number {
    return this.totalFolds;
  }

  /** The objective direction. */
  get objectiveDirection(): 'maximize' | 'minimize' {
    return this.direction;
  }

  // ---- internals ----

  private async startTrials(): Promise<StudyEndReason | undefined> {
    const { budget } = this.spec;
    let running = this.allTrials().filter((t) => t.state === 'running').length;
    while (running < budget.parallelism) {
      if (this.trials.size >= budget.trials) return running === 0 ? 'budget' : undefined;
      let params: TrialParams;
      let number: number;
      if (this.sampler) {
        try {
          const asked = this.sampler.ask();
          params = asked.params;
          number = asked.number;
        } catch (err) {
          if (err instanceof SamplerExhaustedError) return running === 0 ? 'exhausted' : undefined;
          throw err;
        }
      } else {
        params = {};
        number = this.trials.size;
      }
      await this.record({ type: 'trial_started', trial: number, params });
      running++;
    }
    return undefined;
  }

  private submitFolds(inflight: Map<string, Promise<Settled>>, signal: AbortSignal): void {
    const capacity = Math.max(1, this.opts.executor.capacity);
    for (const t of this.allTrials()) {
      if (inflight.size >= capacity) return;
      if (t.state !== 'running') continue;
      for (let fold = 0; fold < this.totalFolds && inflight.size < capacity; fold++) {
        const key = `${t.number}/${fold}`;
        if (t.folds[fold] || this.submitted.has(key)) continue;
        this.submitted.add(key);
        const { k, seed } = this.spec.cv;
        const task = {
          kind: 'fold' as const,
          trial: t.number,
          dataset: this.opts.dataset,
          cv: { k, seed, repeat: Math.floor(fold / k), fold: fold % k },
          params: this.trainParams(t.params),
          seed: foldSeed(this.spec.seed, t.number, fold),
          threshold: this.spec.threshold,
        };
        inflight.set(
          key,
          this.opts.executor.runFold(task, signal, this.dropSignal(t.number)).then(
            (result): Settled => ({ key, trial: t.number, fold, result }),
            (err: unknown): Settled => ({
              key,
              trial: t.number,
              fold,
              error: errorText(err),
              aborted: signal.aborted,
            }),
          ),
        );
      }
    }
  }

  private async settle(s: Settled): Promise<void> {
    const t = this.trials.get(s.trial)!;
    if (s.aborted) {
      this.submitted.delete(s.key); // cancelled, not failed: a resume runs it again
      return;
    }
    if (t.state !== 'running') return; // a fold of a trial that was pruned or failed meanwhile
    if (s.error !== undefined) {
      await this.record({ type: 'fold_failed', trial: s.trial, fold: s.fold, error: s.error });
      await this.record({ type: 'trial_finished', trial: s.trial, state: 'failed', error: s.error });
      return;
    }
    await this.record({ type: 'fold_done', trial: s.trial, fold: s.fold, result: s.result! });
    await this.advance(t);
  }

  /** Looks at the trial's folds in order: prunes, completes, or waits for the next fold. */
  private async advance(t: TrialView): Promise<void> {
    const values: number[] = [];
    for (const f of t.folds) {
      if (!f) break;
      values.push(this.objectiveOf(f));
    }
    if (values.length === this.totalFolds) {
      const metrics = aggregateFolds(t.folds.map((f) => f!.metrics));
      await this.record({
        type: 'trial_finished',
        trial: t.number,
        state: 'complete',
        value: metrics[this.spec.objective.metric]!.mean,
        metrics,
      });
      return;
    }
    if (values.length > 0 && this.pruner) {
      const completed = this.allTrials()
        .filter((o) => o.state === 'complete')
        .map((o) => o.folds.map((f) => this.objectiveOf(f!)));
      if (this.pruner.shouldPrune(values, completed)) {
        const seen = t.folds.slice(0, values.length).map((f) => f!.metrics);
        const metrics = aggregateFolds(seen);
        await this.record({
          type: 'trial_finished',
          trial: t.number,
          state: 'pruned',
          value: metrics[this.spec.objective.metric]!.mean,
          metrics,
        });
      }
    }
  }

  private dropSignal(trial: number): AbortSignal {
    let ctl = this.drops.get(trial);
    if (!ctl) {
      ctl = new AbortController();
      this.drops.set(trial, ctl);
    }
    return ctl.signal;
  }

  private objectiveOf(f: FoldResultMessage): number {
    return f.metrics[this.spec.objective.metric];
  }

  private trainParams(params: TrialParams): TrialParams {
    return { ...(this.spec.model ? { family: this.spec.model } : {}), ...this.spec.search.fixed, ...params };
  }

  private lastError(): string {
    const failed = this.allTrials().filter((t) => t.state === 'failed');
    return failed[failed.length - 1]?.error ?? 'none';
  }

  /** Stores an event, then applies it; the store is the source of truth. */
  private async record(event: NewEvent): Promise<void> {
    const full = { ...event, at: new Date().toISOString() } as StudyEvent;
    await this.opts.store.append(full);
    this.apply(full, true);
    this.opts.onEvent?.(full);
  }

  private replay(events: StudyEvent[]): void {
    const first = events[0];
    if (first?.type !== 'study_created') throw new Error('study log does not start with study_created');
    if (first.datasetHash !== this.opts.dataset.hash) {
      throw new Error(
        `the study was created on dataset ${first.datasetHash.slice(0, 12)}…, but this dataset is ${this.opts.dataset.hash.slice(0, 12)}…`,
      );
    }
    for (const e of events) this.apply(e, false);
    if (this.sampler) {
      const records: TrialRecord[] = this.allTrials().map((t) => ({
        number: t.number,
        params: t.params,
        ...outcomeOf(t),
      }));
      this.sampler.replay(records);
    }
  }

  /** Applies an event to in-memory state; `live` also informs the sampler (replay does it in bulk). */
  private apply(e: StudyEvent, live: boolean): void {
    switch (e.type) {
      case 'trial_started':
        this.trials.set(e.trial, {
          number: e.trial,
          params: e.params,
          state: 'running',
          folds: [],
          startedAt: e.at,
        });
        break;
      case 'fold_done': {
        const t = this.trials.get(e.trial);
        if (t && !t.folds[e.fold]) t.folds[e.fold] = e.result; // results are idempotent per (trial, fold)
        break;
      }
      case 'trial_finished': {
        const t = this.trials.get(e.trial);
        if (t?.state !== 'running') break;
        t.state = e.state;
        t.finishedAt = e.at;
        if (e.value !== undefined) t.value = e.value;
        if (e.metrics) t.metrics = e.metrics;
        if (e.error) t.error = e.error;
        if (e.state === 'failed') this.failures++;
        this.drops.get(e.trial)?.abort();
        this.drops.delete(e.trial);
        if (live && this.sampler) {
          const o = outcomeOf(t).outcome;
          if (o) this.sampler.tell(t.number, o);
        }
        break;
      }
      case 'model_saved':
        this.model = { trial: e.trial, dir: e.dir, threshold: e.threshold };
        break;
      default:
        break;
    }
  }
}

interface Settled {
  key: string;
  trial: number;
  fold: number;
  result?: FoldResultMessage;
  error?: string;
  aborted?: boolean;
}

function outcomeOf(t: TrialView): Pick<TrialRecord, 'outcome'> {
  if (t.state === 'complete') return { outcome: { state: 'complete', value: t.value! } };
  if (t.state === 'pruned')
    return { outcome: { state: 'pruned', ...(t.value !== undefined ? { value: t.value } : {}) } };
  if (t.state === 'failed') return { outcome: { state: 'failed' } };
  return {};
}

/** The seed of one fold's training: distinct per (study seed, trial, fold), fold -1 for the refit. */
export function foldSeed(studySeed: number, trial: number, fold: number): number {
  return Math.abs((studySeed * 1_000_003 + trial * 1009 + fold + 1) % 2_147_483_647);
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}`;
  return String(err);
}
