import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type Dataset,
  decodeDataset,
  loadDataset,
  loadStudySpec,
  type StudySpec,
  stratifiedFold,
  validateStudySpec,
} from '@hpo/core';
import {
  checkParamNames,
  FileStudyStore,
  isStudyDir,
  LocalExecutor,
  type StudyEvent,
  StudyRunner,
  storeDatasetBlob,
  summarizeStudy,
  unfinishedNote,
} from '@hpo/orchestrator';
import type { DatasetRef } from '@hpo/trainer';
import { CliError, UsageError } from '../errors.js';
import { leaderboardTable } from '../output/leaderboard.js';
import { StudyProgress } from '../output/progress.js';

export interface TuneOptions {
  resume?: string;
  out?: string;
  threads?: number;
  trials?: number;
  json?: boolean;
  quiet?: boolean;
  top?: number;
}

/** `hpo tune`: runs a whole study in this process and prints its leaderboard (or JSON summary). */
export async function tuneCommand(specFile: string | undefined, opts: TuneOptions): Promise<number> {
  if (opts.resume && (specFile || opts.out)) {
    throw new UsageError(
      '--resume continues the study in its own directory: give no spec file and no --out',
      'hpo tune --resume DIR',
    );
  }
  const { spec, dir, dataset } = opts.resume ? openExisting(opts.resume, opts) : createNew(specFile, opts);
  const executor = new LocalExecutor(opts.threads ? { threads: opts.threads } : {});
  const store = new FileStudyStore(dir);
  const progress = new StudyProgress(spec.budget.trials, Boolean(opts.quiet || opts.json));
  const stop = new AbortController();
  const stopRefit = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      progress.stop();
      process.stderr.write(
        '\nstopping: finished trials are kept; the best one is refit (Ctrl-C again to skip)\n',
      );
      stop.abort();
    } else if (interrupts === 2) {
      process.stderr.write(`skipping the refit; resume later with \`hpo tune --resume ${dir}\`\n`);
      stopRefit.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const runner = await StudyRunner.open({
      spec,
      dataset,
      executor,
      store,
      onEvent: (e: StudyEvent) => progress.onEvent(e),
    });
    if (!opts.quiet && !opts.json) process.stderr.write(`study ${spec.name}: ${dir}\n`);
    progress.attach(runner);
    const reason = await runner.run(stop.signal);
    progress.stop();
    if (!stopRefit.signal.aborted && runner.best()) {
      if (!opts.quiet && !opts.json)
        process.stderr.write(`refitting trial ${runner.best()!.number} on every row…\n`);
      try {
        await runner.refitBest(join(dir, 'model'), stopRefit.signal);
      } catch (err) {
        if (!stopRefit.signal.aborted) throw err;
      }
    }
    const summary = summarizeStudy(runner);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      process.stdout.write(`${leaderboardTable(summary, opts.top ?? 15)}\n`);
      if (summary.modelDir) {
        process.stdout.write(`best trial ${summary.best!.trial}; model saved to ${summary.modelDir}\n`);
        process.stdout.write(`predict with: hpo predict --model ${summary.modelDir} --input <rows.csv>\n`);
      }
      if (summary.status.message) process.stderr.write(`${summary.status.message}\n`);
      const left = unfinishedNote(summary.trials.filter((t) => t.state === 'unfinished').length);
      // A resume replays the failures too, so after too many of them it would stop at once.
      if (left)
        process.stderr.write(
          `${left}${reason === 'too_many_failures' ? '' : `; continue with: hpo tune --resume ${dir}`}\n`,
        );
    }
    if (reason === 'too_many_failures') return 1;
    if (reason === 'cancelled') return 130;
    return summary.best ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    progress.stop();
    store.close();
    await executor.close();
  }
}

function createNew(
  specFile: string | undefined,
  opts: TuneOptions,
): { spec: StudySpec; dir: string; dataset: DatasetRef } {
  if (!specFile)
    throw new UsageError('missing the study spec file', 'hpo tune study.yaml, or hpo tune --resume DIR');
  const loaded = loadStudySpec(specFile);
  let spec = loaded.spec;
  if (opts.trials !== undefined)
    spec = validateStudySpec({ ...spec, budget: { ...spec.budget, trials: opts.trials } }, specFile);
  checkParamNames(spec);
  const dir = opts.out ? resolve(opts.out) : loaded.outputDir;
  if (isStudyDir(dir)) {
    throw new CliError(
      `${dir} already holds a study`,
      `continue it with \`hpo tune --resume ${dir}\`, or pass --out DIR`,
    );
  }
  const ds = loadDataset(spec.dataset, loaded.datasetPath);
  checkFolds(ds, spec);
  return { spec, dir, dataset: storeDatasetBlob(ds, dir) };
}

function openExisting(dir: string, opts: TuneOptions): { spec: StudySpec; dir: string; dataset: DatasetRef } {
  const abs = resolve(dir);
  if (!isStudyDir(abs))
    throw new CliError(
      `${abs} has no study to resume (no events.jsonl)`,
      'start one with `hpo tune study.yaml`',
    );
  const first = JSON.parse(readFileSync(join(abs, 'events.jsonl'), 'utf8').split('\n')[0]!) as StudyEvent;
  if (first.type !== 'study_created')
    throw new CliError(`${abs}/events.jsonl does not start with the study's creation`);
  let spec = first.spec;
  if (opts.trials !== undefined)
    spec = validateStudySpec({ ...spec, budget: { ...spec.budget, trials: opts.trials } });
  const path = join(abs, `dataset-${first.datasetHash}.bin`);
  let ds: Dataset;
  try {
    ds = decodeDataset(readFileSync(path), path);
  } catch {
    throw new CliError(`${path} is missing or unreadable; the study's dataset blob is needed to resume`);
  }
  return { spec, dir: abs, dataset: storeDatasetBlob(ds, abs) };
}

/** Fails fast (before any training) when a class has fewer rows than folds. */
function checkFolds(ds: Dataset, spec: StudySpec): void {
  stratifiedFold(ds.labels, spec.cv.k, spec.cv.seed, 0, 0);
}
