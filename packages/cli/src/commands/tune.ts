import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  decodeDataset,
  loadDataset,
  loadStudySpec,
  readTestDataset,
  rowCount,
  type StudySpec,
  studyDatasets,
  validateStudySpec,
} from '@hpo/core';
import {
  admitSpec,
  FileStudyStore,
  isStudyDir,
  LocalExecutor,
  parseEventLines,
  readStudyLog,
  runStudy,
  type StudyEvent,
  StudyRunner,
  specOf,
  summarizeStudy,
  unfinishedNote,
  validateStudy,
} from '@hpo/orchestrator';
import { shareDataset } from '@hpo/trainer/pool';
import { CliError, UsageError } from '../errors.js';
import { columnSummary } from '../output/columns.js';
import { estimateLines } from '../output/estimate.js';
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

/** Exit code of `hpo tune` for each final state. */
const EXIT_CODES = { finished: 0, failed: 1, cancelled: 130 } as const;

/** `hpo tune`: runs a whole study in this process and prints its leaderboard (or JSON summary). */
export async function tuneCommand(specFile: string | undefined, opts: TuneOptions): Promise<number> {
  if (opts.resume && (specFile || opts.out)) {
    throw new UsageError(
      '--resume continues the study in its own directory: give no spec file and no --out',
      'hpo tune --resume DIR',
    );
  }
  const { spec, store, datasetHash, testDatasetHash } = opts.resume
    ? openExisting(opts.resume, opts)
    : createNew(specFile, opts);
  const dir = store.dir;
  const executor = new LocalExecutor({
    ...(opts.threads ? { threads: opts.threads } : {}),
    datasetFile: (hash) => store.datasetFile(hash),
    modelDir: store.modelDir,
  });
  const quiet = Boolean(opts.quiet || opts.json);
  const progress = new StudyProgress(spec.budget.trials, quiet);
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
      datasetHash,
      ...(testDatasetHash ? { testDatasetHash } : {}),
      executor,
      store,
      onEvent: (e: StudyEvent) => progress.onEvent(e),
    });
    if (!quiet) process.stderr.write(`study ${spec.name}: ${dir}\n`);
    progress.attach(runner);
    const outcome = await runStudy(runner, {
      stop: stop.signal,
      stopRefit: stopRefit.signal,
      refitWhenCancelled: true,
      onRefit: (trial) => {
        progress.stop();
        if (!quiet) process.stderr.write(`refitting trial ${trial} on every row…\n`);
      },
    });
    progress.stop();
    const summary = summarizeStudy(runner.log);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      process.stdout.write(`${leaderboardTable(summary, opts.top ?? 15)}\n`);
      const estimate = estimateLines(summary);
      if (estimate) process.stdout.write(`${estimate}\n`);
      if (summary.modelDir) {
        process.stdout.write(`best trial ${summary.best!.trial}; model saved to ${summary.modelDir}\n`);
        process.stdout.write(`predict with: hpo predict --model ${summary.modelDir} --input <rows.csv>\n`);
      }
      if (outcome.message) process.stderr.write(`${outcome.message}\n`);
      const left = unfinishedNote(runner.log.unfinishedCount());
      // A resume replays the failures too, so after too many of them it would stop at once.
      if (left)
        process.stderr.write(
          `${left}${outcome.reason === 'too_many_failures' ? '' : `; continue with: hpo tune --resume ${dir}`}\n`,
        );
    }
    return EXIT_CODES[outcome.state];
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    progress.stop();
    store.close();
    await executor.close();
  }
}

interface Opened {
  spec: StudySpec;
  store: FileStudyStore;
  datasetHash: string;
  testDatasetHash?: string | undefined;
}

function createNew(specFile: string | undefined, opts: TuneOptions): Opened {
  if (!specFile)
    throw new UsageError('missing the study spec file', 'hpo tune study.yaml, or hpo tune --resume DIR');
  const loaded = loadStudySpec(specFile);
  let spec = loaded.spec;
  if (opts.trials !== undefined)
    spec = validateStudySpec({ ...spec, budget: withTrials(spec.budget, opts.trials) }, specFile);
  // Spec-only checks first: a bad spec fails before the dataset is read or anything is written.
  admitSpec(spec, specFile);
  const dir = opts.out ? resolve(opts.out) : loaded.outputDir;
  if (isStudyDir(dir)) {
    throw new CliError(
      `${dir} already holds a study`,
      `continue it with \`hpo tune --resume ${dir}\`, or pass --out DIR`,
      'already_exists',
    );
  }
  const ds = loadDataset(spec.dataset, loaded.datasetPath);
  if (ds.kind === 'tabular' && ds.report && !opts.quiet && !opts.json)
    process.stderr.write(`${columnSummary(ds.report)}\n`);
  const testFile = loaded.testPath ? readTestDataset(spec, loaded.testPath, ds) : undefined;
  const { train, test } = studyDatasets(spec, ds, testFile);
  validateStudy(spec, train, specFile);
  if (test && !opts.quiet && !opts.json)
    process.stderr.write(
      `held out ${rowCount(test)} test rows (${spec.cv.holdout !== undefined ? `cv.holdout ${spec.cv.holdout}` : loaded.testPath}); tuning sees the other ${rowCount(train)}\n`,
    );
  const store = new FileStudyStore(dir);
  // What the reader inferred is kept next to the log, for a later look at a surprising model.
  if (ds.kind === 'tabular' && ds.report)
    writeFileSync(join(dir, 'columns.json'), `${JSON.stringify(ds.report, null, 2)}\n`);
  const datasetHash = store.saveDataset(train);
  const testDatasetHash = test ? store.saveDataset(test) : undefined;
  // The trainer threads use the dataset in memory now (shared, not copied); no file read back.
  // (The test set is read from its file by the refit, the one task that needs it.)
  shareDataset(datasetHash, train);
  return { spec, store, datasetHash, testDatasetHash };
}

function openExisting(dir: string, opts: TuneOptions): Opened {
  const abs = resolve(dir);
  if (!isStudyDir(abs))
    throw new CliError(
      `${abs} has no study to resume (no events.jsonl)`,
      'start one with `hpo tune study.yaml`',
      'not_found',
    );
  const file = join(abs, 'events.jsonl');
  const log = readStudyLog(parseEventLines(readFileSync(file, 'utf8'), file).events, file);
  // Validated again: a spec logged by an older version lacks newer fields, which get defaults.
  let spec = validateStudySpec(specOf(log), file);
  if (opts.trials !== undefined)
    spec = validateStudySpec({ ...spec, budget: withTrials(spec.budget, opts.trials) });
  const datasetHash = log.created!.datasetHash;
  const testDatasetHash = log.created!.testDatasetHash;
  const store = new FileStudyStore(abs);
  if (testDatasetHash && !existsSync(store.datasetFile(testDatasetHash)))
    throw new CliError(
      `${store.datasetFile(testDatasetHash)} is missing; the study's held-out test set is needed to resume`,
      undefined,
      'not_found',
    );
  const path = store.datasetFile(datasetHash);
  if (!existsSync(path))
    throw new CliError(
      `${path} is missing; the study's dataset blob is needed to resume`,
      undefined,
      'not_found',
    );
  // The thread checks the blob's hash before training; decoding here fails fast on a broken file.
  try {
    decodeDataset(readFileSync(path), path);
  } catch (err) {
    throw new CliError(
      `${path} is unreadable (${(err as Error).message}); the study's dataset blob is needed to resume`,
    );
  }
  return { spec, store, datasetHash, testDatasetHash };
}

/** --trials N: the budget with N trials, and no more trials in parallel than N. */
function withTrials(budget: StudySpec['budget'], trials: number): StudySpec['budget'] {
  return { ...budget, trials, parallelism: Math.min(budget.parallelism, trials) };
}
