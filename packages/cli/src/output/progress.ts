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
            'trials {bar} {value}/{total} | best {best} | folds {folds} | {duration_formatted} elapsed | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(this.total, this.done, { best: this.best(), folds: '0' });
    }
  }

  onEvent(e: StudyEvent): void {
    if (this.quiet || !this.runner) return;
    if (e.type === 'fold_done') {
      this.bar?.update(this.done, {
        folds: `${e.trial}:${e.fold + 1}/${this.runner.foldsPerTrial}`,
        best: this.best(),
      });
      return;
    }
    if (e.type !== 'trial_finished') return;
    this.done++;
    if (this.bar) {
      this.bar.update(this.done, { best: this.best() });
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

  private best(): string {
    const b = this.runner?.best();
    return b ? `${fmt(b.value)} (trial ${b.number})` : '—';
  }
}
