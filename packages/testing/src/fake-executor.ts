import {
  type FoldReport,
  type FoldResult,
  type FoldTask,
  HpoError,
  isReportEpoch,
  type RefitResult,
  type RefitTask,
  type StudySpec,
  type StudySpecInput,
  validateStudySpec,
} from '@hpo/core';

/** How a runner steers a task (the orchestrator's TaskControl, structurally). */
export interface FakeTaskControl {
  signal?: AbortSignal | undefined;
  drop?: AbortSignal | undefined;
  onReport?: ((report: FoldReport) => void) | undefined;
}

/**
 * An Executor that trains nothing: each fold's ROC AUC is a smooth function of the learning
 * rate plus a per-fold offset, so runner logic (ordering, pruning, failures, resume) can be
 * tested in milliseconds. `fail` makes chosen tasks throw. A task with `report` (ASHA) reports
 * `auc − 0.3/epoch` at each rung below `params.epochs` (default 27), one event-loop turn apart,
 * and stops there if it is dropped meanwhile.
 */
export class FakeExecutor {
  readonly calls: FoldTask[] = [];
  /** Tasks given up because their trial ended before they finished. */
  readonly dropped: FoldTask[] = [];
  readonly refits: RefitTask[] = [];
  constructor(
    readonly capacity = 2,
    private readonly fail: (task: FoldTask) => boolean = () => false,
    private readonly delayMs: (task: FoldTask) => number = () => 0,
  ) {}

  async runFold(task: FoldTask, control: FakeTaskControl = {}): Promise<FoldResult> {
    const { signal, drop } = control;
    this.calls.push(task);
    const ms = this.delayMs(task);
    if (ms > 0) {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const timer = setTimeout(() => {
          settled = true;
          resolve();
        }, ms);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new HpoError('stopped', 'aborted'));
        });
        // Like a queued remote task: a dropped fold that has not finished is given up.
        drop?.addEventListener('abort', () => {
          if (settled) return;
          clearTimeout(timer);
          this.dropped.push(task);
          reject(new HpoError('stopped', 'dropped'));
        });
      });
    }
    if (this.fail(task)) throw new Error(`boom in fold ${task.cv.fold}`);
    const lr = Number(task.params.learningRate ?? 0.01);
    const auc = 0.9 - 0.05 * Math.abs(Math.log10(lr) + 2) + 0.01 * task.cv.fold;
    if (task.report && control.onReport) {
      const epochs = Number(task.params.epochs ?? 27);
      for (let epoch = 1; epoch < epochs; epoch++) {
        if (!isReportEpoch(epoch, task.report)) continue;
        await new Promise((resolve) => setImmediate(resolve));
        if (drop?.aborted || signal?.aborted) {
          this.dropped.push(task);
          throw new HpoError('stopped', 'dropped');
        }
        control.onReport({ epoch, value: auc - 0.3 / epoch });
      }
    }
    return fakeResult(auc);
  }

  async refit(task: RefitTask, _control: FakeTaskControl = {}): Promise<RefitResult> {
    this.refits.push(task);
    return {
      epochs: 1,
      backend: FAKE_BACKEND,
      location: '/fake/model',
      files: [{ name: 'model.json', sha256: 'f'.repeat(64), bytes: 1 }],
    };
  }

  async close(): Promise<void> {}
}

const FAKE_BACKEND = { name: 'cpu', threads: 1, reason: 'fake', tfjsVersion: '0' } as const;

/** A plausible fold result whose metrics all follow `auc` (as results are sent: no curve points). */
export function fakeResult(auc: number): FoldResult {
  const metrics: FoldResult['metrics'] = {
    rocAuc: auc,
    prAuc: auc - 0.2,
    f1: auc - 0.3,
    precision: auc - 0.35,
    recall: auc - 0.25,
    accuracy: auc,
    balancedAccuracy: auc,
    logLoss: 1 - auc,
    threshold: 0.5,
    bestF1Threshold: 0.4,
    bestF1: auc - 0.28,
    confusion: { tp: 1, fp: 1, tn: 1, fn: 1 },
    flags: { singleClass: false, noPredictedPositives: false },
  };
  return {
    metrics,
    epochs: 1,
    bestEpoch: 1,
    stoppedEarly: false,
    samplesPerSecond: 1,
    timings: { preprocessMs: 0, trainMs: 0, predictMs: 0, totalMs: 0 },
    backend: FAKE_BACKEND,
    nTrain: 10,
    nValid: 2,
  };
}

/** A valid spec for tests, with overrides. */
export function testSpec(overrides: Partial<StudySpecInput> = {}): StudySpec {
  return validateStudySpec({
    name: 'test',
    dataset: { path: 'x.csv', label: 'y' },
    search: { space: { learningRate: { type: 'float', low: 1e-4, high: 1, log: true } }, fixed: {} },
    sampler: { type: 'tpe', seed: 1 },
    cv: { k: 3, seed: 1 },
    budget: { trials: 8, parallelism: 2 },
    ...overrides,
  });
}
