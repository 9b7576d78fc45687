import { describeBackend } from '@hpo/core';
import type { StudyEvent, StudyRunner } from '@hpo/orchestrator';
import cliProgress from 'cli-progress';
import { fmt } from './style.js';

/**
 * Study progress on stderr: a bar (trials done / total, best so far, elapsed, ETA) on a TTY,
 * one line per finished trial otherwise (logs, CI). Silent with `quiet`.
 */
export class StudyProgress {
  private bar: cliProgress.SingleBar | undefined;
  private runner: StudyRunner | undefined;
  private done = 0;
  private backendShown = false;
  private backend = '…';
  private started = 0;
  private startDone = 0;

  constructor(
    private readonly total: number,
    private readonly quiet: boolean,
  ) {}

  attach(runner: StudyRunner): void {
    this.runner = runner;
    this.done = runner.allTrials().filter((t) => t.state !== 'running').length;
    if (this.quiet) return;
    if (process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format:
            'trials {bar} {value}/{total} | best {best} | trial {folds} folds | {backend} | {duration_formatted} elapsed | ETA {etaText}',
          hideCursor: true,
          etaBuffer: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      this.started = Date.now();
      this.startDone = this.done;
      this.bar.start(this.total, this.done, {
        best: this.best(),
        folds: '—',
        backend: this.backend,
        etaText: '—',
      });
    }
  }

  onEvent(e: StudyEvent): void {
    if (this.quiet || !this.runner) return;
    if (e.type === 'fold_done') {
      if (!this.backendShown) {
        // Say once which TensorFlow.js backend trains (tfjs-node, wasm or the slow cpu).
        this.backendShown = true;
        const b = e.result.backend;
        this.backend = b.name;
        if (!this.bar) process.stderr.write(`training on the ${describeBackend(b)}\n`);
      }
      const folds =
        this.runner
          .allTrials()
          .find((t) => t.number === e.trial)
          ?.folds.filter(Boolean).length ?? 0;
      this.bar?.update(this.done, {
        folds: `${e.trial}: ${folds}/${this.runner.foldsPerTrial}`,
        backend: this.backend,
        best: this.best(),
        etaText: this.eta(),
      });
      return;
    }
    if (e.type !== 'trial_finished') return;
    this.done++;
    if (this.bar) {
      this.bar.update(this.done, { best: this.best(), etaText: this.eta() });
      return;
    }
    const metric = this.runner.spec.objective.metric;
    const m = e.metrics?.[metric];
    const what = e.state === 'failed' ? `failed: ${e.error}` : `${metric} ${fmt(m?.mean)} ± ${fmt(m?.std)}`;
    process.stderr.write(
      `trial ${e.trial} ${e.state === 'failed' ? '' : `${e.state} `}${what}  (${this.done}/${this.total}, best ${this.best()})\n`,
    );
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** Remaining time from the pace of trials finished in this run; '—' until one has. */
  private eta(): string {
    const finished = this.done - this.startDone;
    if (finished <= 0) return '—';
    const seconds = (((Date.now() - this.started) / finished) * (this.total - this.done)) / 1000;
    return seconds < 60
      ? `${Math.round(seconds)}s`
      : `${Math.floor(seconds / 60)}m ${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  }

  private best(): string {
    const b = this.runner?.best();
    return b ? `${fmt(b.value)} (trial ${b.number})` : '—';
  }
}
