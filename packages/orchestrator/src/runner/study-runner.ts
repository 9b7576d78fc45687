import {
  errorText,
  type FoldReport,
  type FoldResult,
  type FoldTask,
  HpoError,
  objectiveDirection,
  type RefitTask,
  type StudySpec,
} from '@hpo/core';
import {
  type AshaPruner,
  type Outcome,
  type Pruner,
  type Sampler,
  SamplerExhaustedError,
} from '@hpo/optimizer';
import { aggregateFolds } from '../aggregate.js';
import type { NewEvent, StudyEndReason, StudyEvent, TrialParams } from '../events.js';
import type { Executor, StudyStore } from '../ports.js';
import { makeAsha, makePruner, makeSampler } from '../sampling.js';
import { outOfFoldChoices } from '../study/out-of-fold.js';
import {
  outcomeOf,
  type SavedModel,
  type StudyEnding,
  StudyLog,
  type TrialView,
} from '../study/study-log.js';
import { nextPhase, type Phase, submitsFolds } from './phase.js';

export type { TrialView } from '../study/study-log.js';

export interface StudyRunnerOptions {
  spec: StudySpec;
  /** SHA-256 of the dataset's canonical form; the executor resolves it to bytes. */
  datasetHash: string;
  /** The held-out test set's hash (cv.holdout or dataset.test); only the refit reads it. */
  testDatasetHash?: string;
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
 * The loop's phases and their transitions are in `phase.ts`.
 */
export class StudyRunner {
  readonly spec: StudySpec;
  private readonly opts: StudyRunnerOptions;
  private readonly sampler: Sampler | undefined;
  private readonly pruner: Pruner | undefined;
  /** Successive halving over epochs (`pruner.type: asha`): folds report at its rungs. */
  private readonly asha: AshaPruner | undefined;
  /** ASHA: reports received and not yet recorded (the run loop records them, one at a time). */
  private readonly reports: { trial: number; fold: number; report: FoldReport }[] = [];
  /** ASHA: wakes the run loop when a report arrives while it waits. */
  private wakeForReports: (() => void) | undefined;
  /** ASHA: the `trial/epoch` rungs judged already (each once). */
  private readonly rungJudged = new Set<string>();
  /** ASHA: the leading folds that report at the rungs (`pruner.rungFolds`, at most every fold). */
  private readonly rungFolds: number;
  private readonly state: StudyLog;
  private readonly submitted = new Set<string>();
  /** Per running trial: aborted when the trial ends, so its not-yet-started folds are dropped. */
  private readonly drops = new Map<number, AbortController>();
  /** Per running trial: how many leading folds the pruner has already judged. */
  private readonly pruneChecked = new Map<number, number>();
  private readonly direction: 'maximize' | 'minimize';
  private readonly totalFolds: number;
  /** Opened from a non-empty log and not run since: the next run records `study_resumed`. */
  private replayed = false;
  /**
   * Reproducible mode (budget.reproducible, with a sampler and parallelism > 1): outcomes of
   * finished trials not yet told to the sampler. Trial k is asked once trials 0..k−p−1 are
   * finished, with exactly those told and k−p..k−1 pending, whatever order trials finished in.
   */
  private readonly untold = new Map<number, Outcome>();
  /** Reproducible mode: every trial below this number is finished and told to the sampler. */
  private toldBelow = 0;

  private constructor(opts: StudyRunnerOptions) {
    this.opts = opts;
    this.spec = opts.spec;
    this.sampler = makeSampler(opts.spec);
    this.pruner = makePruner(opts.spec);
    this.asha = makeAsha(opts.spec);
    this.direction = objectiveDirection(opts.spec);
    this.totalFolds = opts.spec.cv.k * opts.spec.cv.repeats;
    this.state = new StudyLog(this.direction);
    this.rungFolds = Math.min(this.totalFolds, opts.spec.pruner.rungFolds);
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
        datasetHash: opts.datasetHash,
        ...(opts.testDatasetHash ? { testDatasetHash: opts.testDatasetHash } : {}),
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
    // The time limit counts the time the study already ran before a stop or crash, so resuming
    // (or a coordinator restart) does not grant it the whole limit again.
    const deadline = budget.timeLimitSeconds
      ? Date.now() + budget.timeLimitSeconds * 1000 - this.state.runningMs
      : Number.POSITIVE_INFINITY;
    this.state.reopen();
    // A study opened from its log runs again: the pause since its last event is recorded, so it
    // does not count in the durations of the trials it left open.
    if (this.replayed) {
      this.replayed = false;
      await this.record({ type: 'study_resumed' });
    }
    // Trials left running by a crash are finished first (their done folds are kept).
    for (const t of this.state.all()) if (t.state === 'running') await this.advance(t);
    const inflight = new Map<string, Promise<Settled>>();
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let phase: Phase = { name: 'running' };
    let wake: ReturnType<typeof setTimeout> | undefined;
    try {
      for (;;) {
        if (signal?.aborted) phase = nextPhase(phase, { type: 'cancel' });
        if (submitsFolds(phase) && Date.now() >= deadline) phase = nextPhase(phase, { type: 'deadline' });
        if (this.state.failures > budget.maxFailedTrials)
          phase = nextPhase(phase, { type: 'too_many_failures' });
        if (phase.name === 'giving_up') this.giveUpFolds();
        if (phase.name === 'running') {
          const none = await this.startTrials();
          if (none) phase = nextPhase(phase, { type: 'no_more_trials', reason: none });
        }
        if (submitsFolds(phase)) this.submitFolds(inflight, abort.signal);
        if (inflight.size === 0) phase = nextPhase(phase, { type: 'settled' });
        if (phase.name === 'ended') break;
        // Also wake at the deadline, so a limit is kept while long folds are out. A fresh timer
        // each wait (capped: setTimeout fires at once past 2³¹ − 1 ms).
        // Reports that came in while the loop was busy are recorded (and judged) first.
        if (this.reports.length > 0) {
          await this.recordReports();
          continue;
        }
        const waits: Promise<Settled | 'report' | undefined>[] = [...inflight.values()];
        if (this.asha) waits.push(new Promise((resolve) => (this.wakeForReports = () => resolve('report'))));
        if (submitsFolds(phase) && Number.isFinite(deadline)) {
          const ms = Math.min(Math.max(0, deadline - Date.now()), 2 ** 31 - 1);
          waits.push(new Promise((resolve) => (wake = setTimeout(resolve, ms, undefined))));
        }
        const settled = await Promise.race(waits);
        clearTimeout(wake);
        this.wakeForReports = undefined;
        await this.recordReports();
        if (!settled || settled === 'report') continue;
        inflight.delete(settled.key);
        await this.settle(settled, phase.name === 'giving_up');
      }
    } finally {
      clearTimeout(wake);
      signal?.removeEventListener('abort', onAbort);
    }
    const { reason } = phase;
    const message =
      reason === 'too_many_failures'
        ? `stopped after ${this.state.failures} failed trials (budget.maxFailedTrials is ${budget.maxFailedTrials}); last error: ${this.state.lastError()}`
        : undefined;
    await this.record({ type: 'study_finished', reason, ...(message ? { message } : {}) });
    return reason;
  }

  /**
   * Refits the best complete trial on every row through the executor, which stores the model
   * (skipped when the log already records a model of that trial). Returns undefined when no
   * trial completed.
   */
  async refitBest(signal?: AbortSignal): Promise<SavedModel | undefined> {
    const best = this.best();
    if (!best) return undefined;
    const saved = this.state.model;
    if (saved?.trial === best.number) return saved;
    const bestF1 = best.metrics?.bestF1Threshold?.mean ?? 0.5;
    const metrics = Object.fromEntries(
      Object.entries(best.metrics ?? {}).map(([k, v]) => [k, { mean: v.mean, std: v.std, ci95: v.ci95 }]),
    );
    const threshold = { default: this.spec.threshold, bestF1 };
    const chosen = outOfFoldChoices(this.spec, best);
    const testDatasetHash = this.state.created?.testDatasetHash;
    const task: RefitTask = {
      kind: 'refit',
      trial: best.number,
      datasetHash: this.opts.datasetHash,
      ...(testDatasetHash ? { testDatasetHash } : {}),
      params: this.trainParams(best.params),
      seed: foldSeed(this.spec.seed, best.number, -1),
      metadata: {
        study: this.spec.name,
        trial: best.number,
        params: best.params,
        objective: { metric: this.spec.objective.metric, direction: this.direction, value: best.value! },
        cv: { k: this.spec.cv.k, repeats: this.spec.cv.repeats, seed: this.spec.cv.seed, metrics },
        thresholds: threshold,
        ...chosen,
        ...csvSettings(this.spec),
        datasetHash: this.opts.datasetHash,
        seed: this.spec.seed,
      },
    };
    const result = await this.opts.executor.refit(task, { signal });
    await this.record({
      type: 'model_saved',
      trial: best.number,
      location: result.location,
      files: result.files,
      threshold,
      ...chosen,
      ...(result.test ? { test: result.test } : {}),
    });
    return this.state.model;
  }

  /** Every trial, by number. */
  allTrials(): TrialView[] {
    return this.state.all();
  }

  /** The best complete trial by objective mean (ties: lower trial number). */
  best(): TrialView | undefined {
    return this.state.best();
  }

  /** Trials ranked: complete by objective, then pruned by their partial objective, then running, then failed. */
  leaderboard(): TrialView[] {
    return this.state.leaderboard();
  }

  /** The saved model, if any. */
  savedModel(): SavedModel | undefined {
    return this.state.model;
  }

  /** How the last run ended (and its message for failures); undefined while it runs. */
  ending(): StudyEnding | undefined {
    return this.state.ended;
  }

  /** The study's log as folded so far (the view summaries and the API read). */
  get log(): StudyLog {
    return this.state;
  }

  get foldsPerTrial(): number {
    return this.totalFolds;
  }

  /** The objective direction. */
  get objectiveDirection(): 'maximize' | 'minimize' {
    return this.direction;
  }

  // ---- internals ----

  private async startTrials(): Promise<'budget' | 'exhausted' | undefined> {
    const { budget } = this.spec;
    let running = this.state.running;
    while (running < budget.parallelism) {
      if (this.state.size >= budget.trials) return running === 0 ? 'budget' : undefined;
      let params: TrialParams;
      let number: number;
      if (this.sampler) {
        if (this.reproducible && !this.tellUpTo(this.state.size - budget.parallelism)) return undefined;
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
        number = this.state.size;
      }
      await this.record({ type: 'trial_started', trial: number, params });
      running++;
    }
    return undefined;
  }

  /**
   * Whether the reproducible mode is on (it matters only with a sampler and parallelism > 1). A
   * study created before the setting existed (its logged spec lacks it) keeps the old behaviour.
   */
  private get reproducible(): boolean {
    const logged = (this.state.created?.spec.budget as { reproducible?: boolean } | undefined)?.reproducible;
    return (logged ?? false) && this.spec.budget.parallelism > 1;
  }

  /**
   * Reproducible mode: tells the sampler, in trial order, the outcomes of trials below `limit`;
   * false (nothing asked yet) while one of them is still running.
   */
  private tellUpTo(limit: number): boolean {
    // Trials below `toldBelow` are finished and told already: only the ones above it are looked at.
    for (; this.toldBelow < limit; this.toldBelow++) {
      const n = this.toldBelow;
      if (this.state.get(n)?.state === 'running') return false;
      const outcome = this.untold.get(n);
      if (outcome) {
        this.sampler!.tell(n, outcome);
        this.untold.delete(n);
      }
    }
    return true;
  }

  private submitFolds(inflight: Map<string, Promise<Settled>>, signal: AbortSignal): void {
    const capacity = Math.max(1, this.opts.executor.capacity);
    // Running trials only, lowest number first (a copy: a fold can finish its trial meanwhile).
    for (const t of this.state.openTrials()) {
      if (inflight.size >= capacity) return;
      if (t.state !== 'running') continue;
      for (let fold = 0; fold < this.totalFolds && inflight.size < capacity; fold++) {
        const key = `${t.number}/${fold}`;
        if (t.folds[fold] || this.submitted.has(key)) continue;
        this.submitted.add(key);
        const { k, seed } = this.spec.cv;
        const task: FoldTask = {
          kind: 'fold',
          trial: t.number,
          datasetHash: this.opts.datasetHash,
          cv: { k, seed, repeat: Math.floor(fold / k), fold: fold % k },
          params: this.trainParams(t.params),
          seed: foldSeed(this.spec.seed, t.number, fold),
          threshold: this.spec.threshold,
          ...(this.asha && fold < this.rungFolds
            ? {
                report: {
                  metric: this.spec.objective.metric,
                  minEpochs: this.asha.minEpochs,
                  factor: this.asha.reductionFactor,
                },
              }
            : {}),
        };
        const trial = t.number;
        const onReport = task.report
          ? (report: FoldReport) => {
              this.reports.push({ trial, fold, report });
              this.wakeForReports?.();
            }
          : undefined;
        inflight.set(
          key,
          this.opts.executor.runFold(task, { signal, drop: this.dropSignal(t.number), onReport }).then(
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

  private async settle(s: Settled, givingUp: boolean): Promise<void> {
    const t = this.state.get(s.trial)!;
    if (s.aborted || (givingUp && s.error !== undefined)) {
      this.submitted.delete(s.key); // cancelled or given up, not failed: a resume runs it again
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
    // The pruner sees every prefix of folds once, in order, as if folds arrived one at a time:
    // when a later fold lands first, two prefixes are due at once, and the decision (and the
    // value of a pruned trial) must not depend on which thread or worker finished first.
    if (this.pruner) {
      const from = (this.pruneChecked.get(t.number) ?? 0) + 1;
      const upTo = Math.min(values.length, this.totalFolds - 1);
      if (upTo >= from) {
        const before = this.decidedBelow(t);
        const completed = this.allTrials()
          .filter((o) => o.state === 'complete' && o.number < before)
          .map((o) => o.folds.map((f) => this.objectiveOf(f!)));
        for (let j = from; j <= upTo; j++) {
          this.pruneChecked.set(t.number, j);
          if (!this.pruner.shouldPrune(values.slice(0, j), completed)) continue;
          const metrics = aggregateFolds(t.folds.slice(0, j).map((f) => f!.metrics));
          await this.record({
            type: 'trial_finished',
            trial: t.number,
            state: 'pruned',
            value: metrics[this.spec.objective.metric]!.mean,
            metrics,
          });
          return;
        }
      }
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
    }
  }

  /**
   * ASHA: records the reports that came in (in arrival order) and judges each one's rung. A report
   * of a trial that has ended, of a fold already reported at that epoch, or not at a rung is
   * dropped.
   */
  private async recordReports(): Promise<void> {
    while (this.reports.length > 0) {
      const { trial, fold, report } = this.reports.shift()!;
      const t = this.state.get(trial);
      if (t?.state !== 'running' || !this.asha?.isRung(report.epoch)) continue;
      if (!this.plausible(report.value)) continue;
      // A report already in the log (a fold trained again after a restart) is not recorded
      // twice, but its rung is judged: a crash may have come between the report and the judgement.
      if (t.reports?.get(report.epoch)?.[fold] === undefined)
        await this.record({ type: 'fold_report', trial, fold, epoch: report.epoch, value: report.value });
      await this.judgeRung(t, report.epoch);
    }
  }

  /**
   * ASHA at one rung, once the trial's leading `rungFolds` folds have all reached it: its value
   * there is their mean, against the other trials' means at that rung over the same folds (those
   * that had all of them reach it). In reproducible mode only trials finished before this one was
   * asked (below number − parallelism) count. A pruned trial's leading folds reached every rung up
   * to the one it stopped at and no later one, so what a finished trial offers is the same however
   * its folds were scheduled, and the same spec and seed stop the same trials at the same rungs.
   * A trial outside the top 1/η is pruned with its rung value, and its folds are dropped (stopped
   * between two batches where they train).
   */
  private async judgeRung(t: TrialView, epoch: number): Promise<void> {
    const key = `${t.number}/${epoch}`;
    const own = this.rungValue(t, epoch);
    if (own === undefined || this.rungJudged.has(key)) return;
    this.rungJudged.add(key);
    const before = this.decidedBelow(t);
    const others: number[] = [];
    for (const o of this.allTrials()) {
      if (o.number === t.number || o.number >= before) continue;
      // A finished trial counts only if it went past this rung on its own or stopped at it by
      // ASHA: one that failed, or that the fold pruner stopped, holds rung values that depend on
      // how far its folds got before they were stopped.
      if (o.state === 'failed') continue;
      if (o.state === 'pruned' && !(o.prunedAtEpoch !== undefined && o.prunedAtEpoch >= epoch)) continue;
      const value = this.rungValue(o, epoch);
      if (value !== undefined) others.push(value);
    }
    if (!this.asha!.shouldPrune(own, others)) return;
    await this.record({ type: 'trial_finished', trial: t.number, state: 'pruned', value: own, epoch });
  }

  /**
   * ASHA: whether a reported value can be the objective at all (finite; a probability-based
   * metric in [0, 1], log loss ≥ 0). A report outside that is dropped: it would rank its trial
   * above every other at the rung and stop them.
   */
  private plausible(value: number): boolean {
    if (typeof value !== 'number' || !Number.isFinite(value)) return false;
    return this.spec.objective.metric === 'logLoss' ? value >= 0 : value >= 0 && value <= 1;
  }

  /**
   * The trials a pruning decision about `t` may look at are those numbered below this: in
   * reproducible mode the ones finished before `t` was asked (below number − parallelism), so the
   * decision does not depend on which finished first; otherwise every trial.
   */
  private decidedBelow(t: TrialView): number {
    return this.reproducible ? t.number - this.spec.budget.parallelism : Number.POSITIVE_INFINITY;
  }

  /** ASHA: a trial's mean at a rung over its leading `rungFolds` folds, if they all reached it. */
  private rungValue(t: TrialView, epoch: number): number | undefined {
    const values = t.reports?.get(epoch);
    if (!values) return undefined;
    let sum = 0;
    for (let f = 0; f < this.rungFolds; f++) {
      const v = values[f];
      if (v === undefined || v === null || !Number.isFinite(v)) return undefined;
      sum += v;
    }
    return sum / this.rungFolds;
  }

  /**
   * A time limit or too many failures: folds not started yet are dropped and the executors stop
   * the ones training (threads between two batches, workers over NATS); folds that still finish
   * are kept. The trials stay open in the log ('unfinished'), so a resume continues them.
   */
  private giveUpFolds(): void {
    for (const ctl of this.drops.values()) ctl.abort();
    // No fold is submitted after this (so later calls find nothing to abort), and a later run()
    // starts with fresh signals.
    this.drops.clear();
  }

  private dropSignal(trial: number): AbortSignal {
    let ctl = this.drops.get(trial);
    if (!ctl) {
      ctl = new AbortController();
      this.drops.set(trial, ctl);
    }
    return ctl.signal;
  }

  private objectiveOf(f: FoldResult): number {
    return f.metrics[this.spec.objective.metric];
  }

  private trainParams(params: TrialParams): TrialParams {
    return { ...(this.spec.model ? { family: this.spec.model } : {}), ...this.spec.search.fixed, ...params };
  }

  /** Stores an event, then applies it; the store is the source of truth. */
  private async record(event: NewEvent): Promise<void> {
    const full = { ...event, at: new Date().toISOString() } as StudyEvent;
    await this.opts.store.append(full);
    this.apply(full);
    this.opts.onEvent?.(full);
  }

  private replay(events: StudyEvent[]): void {
    const first = events[0];
    if (first?.type !== 'study_created')
      throw new HpoError('data_loss', 'the study log does not start with study_created');
    if (first.datasetHash !== this.opts.datasetHash) {
      throw new HpoError(
        'failed_precondition',
        `the study was created on dataset ${first.datasetHash.slice(0, 12)}…, but this dataset is ${this.opts.datasetHash.slice(0, 12)}…`,
      );
    }
    for (const e of events) this.state.apply(e);
    const records = this.state.samplerRecords();
    if (this.reproducible) {
      // As if the study had never stopped: outcomes of the last `parallelism` trials are told
      // only when the next trials are asked.
      const limit = this.state.size - this.spec.budget.parallelism;
      for (const r of records)
        if (r.number >= limit && r.outcome) {
          this.untold.set(r.number, r.outcome);
          delete r.outcome;
        }
      // Below the first trial still open (and below the limit) everything is finished and told.
      const open = this.state.all().find((t) => t.state === 'running')?.number ?? limit;
      this.toldBelow = Math.max(0, Math.min(limit, open));
    }
    this.sampler?.replay(records);
    this.replayed = true;
  }

  /** Applies a new event; a trial it finishes is told to the sampler and drops its queued folds. */
  private apply(e: StudyEvent): void {
    const finished = this.state.apply(e);
    if (!finished) return;
    this.drops.get(finished.number)?.abort();
    this.drops.delete(finished.number);
    this.pruneChecked.delete(finished.number);
    for (const epoch of finished.reports?.keys() ?? []) this.rungJudged.delete(`${finished.number}/${epoch}`);
    const outcome = outcomeOf(finished).outcome;
    if (outcome && this.sampler) {
      if (this.reproducible) this.untold.set(finished.number, outcome);
      else this.sampler.tell(finished.number, outcome);
    }
  }
}

interface Settled {
  key: string;
  trial: number;
  fold: number;
  result?: FoldResult;
  error?: string;
  aborted?: boolean;
}

/** The seed of one fold's training: distinct per (study seed, trial, fold), fold -1 for the refit. */
export function foldSeed(studySeed: number, trial: number, fold: number): number {
  return Math.abs((studySeed * 1_000_003 + trial * 1009 + fold + 1) % 2_147_483_647);
}

/** The spec's CSV settings that predict must apply to new rows (only those the spec sets). */
function csvSettings(spec: StudySpec): { csv?: NonNullable<RefitTask['metadata']['csv']> } {
  const d = spec.dataset;
  const csv = {
    ...(d.delimiter ? { delimiter: d.delimiter } : {}),
    ...(d.encoding ? { encoding: d.encoding } : {}),
    ...(d.decimal ? { decimal: d.decimal } : {}),
    ...(d.missing ? { missing: d.missing } : {}),
  };
  return Object.keys(csv).length ? { csv } : {};
}
