import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import {
  type Dataset,
  decodeDataset,
  detectDelimiter,
  inferredSpecYaml,
  inferStudySpec,
  loadDataset,
  loadStudySpec,
  parseDuration,
  readTestDataset,
  rowCount,
  type StudySpec,
  type StudySpecInput,
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
  /** Zero-config (`hpo tune data.csv`): the label column, positive class, metric, time budget. */
  label?: string;
  positive?: string;
  metric?: string;
  time?: string;
  printSpec?: boolean;
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
  const dataArg = specFile !== undefined && !opts.resume && isDataPath(specFile) ? specFile : undefined;
  let opened: Opened | undefined;
  if (dataArg === undefined) refuseDataOptions(opts);
  else {
    const generated = generateSpec(dataArg, opts);
    if (opts.printSpec) {
      process.stdout.write(generated.yaml);
      return 0;
    }
    const madeDir = !existsSync(generated.dir);
    mkdirSync(generated.dir, { recursive: true });
    try {
      // 'wx': never overwrite a spec already there (an edited one, or the user's own).
      writeFileSync(generated.file, generated.yaml, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      throw new CliError(
        `${generated.file} exists already; hpo tune does not overwrite a spec`,
        `run it with \`hpo tune ${generated.file} --out DIR\`, or pass another --out`,
        'already_exists',
      );
    }
    if (!opts.quiet)
      process.stderr.write(
        `generated a study spec from the data: ${generated.file} (edit it and rerun with hpo tune)\n`,
      );
    specFile = generated.file;
    opts = { ...opts, out: generated.dir };
    try {
      opened = createNew(specFile, opts, generated.dataset);
    } catch (err) {
      // A spec the study cannot run (say, too few rows of a class for its folds) is not left behind.
      rmSync(generated.file, { force: true });
      if (madeDir) rmSync(generated.dir, { recursive: true, force: true });
      throw err;
    }
  }
  const { spec, store, datasetHash, testDatasetHash } =
    opened ?? (opts.resume ? openExisting(opts.resume, opts) : createNew(specFile, opts));
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

function createNew(specFile: string | undefined, opts: TuneOptions, preloaded?: Dataset): Opened {
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
  const ds = preloaded ?? loadDataset(spec.dataset, loaded.datasetPath);
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

/** Extensions of data files `hpo tune` reads without a spec (a folder is an image folder). */
const DATA_FILE = /\.(csv|tsv|txt)$/i;

/** Whether `hpo tune ARG` names data (zero-config) rather than a spec file. */
function isDataPath(arg: string): boolean {
  if (DATA_FILE.test(arg)) return true;
  return existsSync(arg) && statSync(arg).isDirectory();
}

function refuseDataOptions(opts: TuneOptions): void {
  const given = (
    [
      ['--label', opts.label],
      ['--positive', opts.positive],
      ['--metric', opts.metric],
      ['--time', opts.time],
      ['--print-spec', opts.printSpec],
    ] as const
  ).filter(([, v]) => v !== undefined && v !== false);
  if (given.length > 0)
    throw new UsageError(
      `${given.map(([f]) => f).join(', ')}: for a data file or image folder without a spec (hpo tune data.csv --label COLUMN), not with a spec file or --resume`,
      'hpo tune data.csv --label churn --time 10m',
    );
}

const METRICS = ['rocAuc', 'prAuc', 'f1', 'logLoss', 'precision', 'recall'] as const;

/**
 * Zero-config: reads the data, builds a spec from it (`inferStudySpec`) and returns it as YAML
 * with the reasons for its choices, to be written into the study directory.
 */
function generateSpec(
  dataArg: string,
  opts: TuneOptions,
): { yaml: string; dir: string; file: string; dataset?: Dataset } {
  const dataPath = resolve(dataArg);
  if (!existsSync(dataPath))
    throw new CliError(
      `${dataArg}: no such file or folder`,
      'hpo tune data.csv --label COLUMN, or hpo tune images/',
      'not_found',
    );
  const images = statSync(dataPath).isDirectory();
  if (!images && !opts.label)
    throw new UsageError(
      `hpo tune ${dataArg} needs --label, the column to predict${headerHint(dataPath)}`,
      `hpo tune ${dataArg} --label COLUMN`,
    );
  if (images && opts.label)
    throw new UsageError(
      `--label is for tables; the classes of ${dataArg} are its subfolders`,
      `hpo tune ${dataArg}`,
    );
  if (opts.metric !== undefined && !(METRICS as readonly string[]).includes(opts.metric))
    throw new UsageError(`--metric must be one of ${METRICS.join(', ')}, got '${opts.metric}'`);
  const timeSeconds = opts.time === undefined ? undefined : parseDuration(opts.time);
  if (opts.time !== undefined && timeSeconds === undefined)
    throw new UsageError(`--time must be a duration such as 90s, 10m or 1h30m, got '${opts.time}'`);
  const name =
    basename(dataPath)
      .replace(DATA_FILE, '')
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 64) || 'study';
  const dir = opts.out ? resolve(opts.out) : resolve('runs', name);
  if (!opts.printSpec && isStudyDir(dir))
    throw new CliError(
      `${dir} already holds a study`,
      `continue it with \`hpo tune --resume ${dir}\`, or pass --out DIR`,
      'already_exists',
    );
  const file = join(dir, 'spec.yaml');
  // Paths in a spec are relative to the spec file: the study directory's spec.yaml, or (printed)
  // wherever the user saves it, most likely the current folder.
  const specDir = opts.printSpec ? process.cwd() : dir;
  const dataset: StudySpecInput['dataset'] = {
    path: relative(specDir, dataPath) || '.',
    kind: images ? 'images' : 'tabular',
    ...(opts.label ? { label: opts.label } : {}),
    ...(opts.positive !== undefined ? { positive: opts.positive } : {}),
  };
  const ds = loadDataset(
    {
      kind: dataset.kind,
      path: dataPath,
      ...(opts.label ? { label: opts.label } : {}),
      ...(opts.positive !== undefined ? { positive: opts.positive } : {}),
    } as Parameters<typeof loadDataset>[0],
    dataPath,
  );
  const inferred = inferStudySpec(ds, {
    name,
    dataset,
    metric: opts.metric as (typeof METRICS)[number] | undefined,
    timeSeconds,
    cores: opts.threads ?? availableParallelism(),
  });
  if (!opts.printSpec) inferred.spec.output = '.';
  const command = [
    'hpo tune',
    dataArg,
    ...(opts.label ? ['--label', opts.label] : []),
    ...(opts.positive !== undefined ? ['--positive', opts.positive] : []),
    ...(opts.metric ? ['--metric', opts.metric] : []),
    ...(opts.time ? ['--time', opts.time] : []),
  ];
  const yaml = inferredSpecYaml(inferred, [
    `Generated by \`${command.join(' ')}\` from the data alone.`,
    opts.printSpec
      ? 'Save it (… --print-spec > spec.yaml), edit it, and run it: hpo tune spec.yaml'
      : `Edit it and run it again: hpo tune ${relative(process.cwd(), file) || file} --out runs/${name}-2`,
  ]);
  // The table read for the inference is the study's own unless the spec ignores columns in it
  // (identifiers): then the study reads it again with its spec, else it is not read twice.
  return inferred.spec.dataset.columns ? { yaml, dir, file } : { yaml, dir, file, dataset: ds };
}

/** "; its columns are: a, b, c" from a CSV's first line, when it can be read. */
function headerHint(file: string): string {
  try {
    const fd = openSync(file, 'r');
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const text = head
      .subarray(0, n)
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    const first = text.split(/\r?\n/, 1)[0] ?? '';
    const delimiter = detectDelimiter(text);
    const cols = first.split(delimiter).map((c) => c.trim().replace(/^"|"$/g, ''));
    return cols.length > 1
      ? `; its columns are: ${cols.slice(0, 20).join(', ')}${cols.length > 20 ? ', …' : ''}`
      : '';
  } catch {
    return '';
  }
}
