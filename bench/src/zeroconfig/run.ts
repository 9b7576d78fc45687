// Zero-config quality benchmark (issue 16): on three public binary datasets of different kinds,
// `hpo tune DATA --label … --time T` (zero-config) against a careful hand-written spec with the
// same T (bench/src/zeroconfig/specs/*.yaml) and scikit-learn's RandomizedSearchCV over an MLP
// pipeline with the same wall-clock budget (bench/reference/zero-config-peer.py). All three train
// on the same rows and are scored on the same held-out test rows (a fixed stratified 25% split):
// test ROC AUC of the refit best model, best cross-validated ROC AUC, wall seconds, and a paired
// bootstrap 95% interval of each delta over the test rows (the test sets are small).
// Prints one JSON object on stdout; progress on stderr.
// Usage: node bench/dist/zeroconfig/run.js [--quick] [--time=S] [--only=churn,digits] [--keep]
//   --time   the budget T in seconds of each of the three (default 60; --quick 30)
//   --only   datasets whose names contain one of these strings (breast-cancer, churn, digits)
//   --keep   keep the temporary folder (data, study directories, predictions) and print its path
// The datasets that need Python (breast-cancer, digits: scikit-learn's bundled copies) and the
// scikit-learn peer run with $HPO_PEERS_PYTHON; without it they are skipped with a message and a
// `skipped` entry. The churn table is the repository's own (examples/churn/churn.csv).
// hpo runs with --threads 1 (one trial at a time), the peer with n_jobs=1.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rocAuc as coreRocAuc, Rng } from '@hpo/core';

const quick = process.argv.includes('--quick');
const keep = process.argv.includes('--keep');
const flag = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const budget = Number(flag('time') ?? (quick ? 30 : 60));
if (!(budget > 0)) throw new Error(`--time must be a number of seconds, got '${flag('time')}'`);
const only = flag('only')?.split(',');
const python = process.env.HPO_PEERS_PYTHON;
const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const cli = here('../../../packages/cli/dist/main.js');
const peerScript = here('../../reference/zero-config-peer.py');
const specDir = here('../../src/zeroconfig/specs/');
const churnCsv = here('../../../examples/churn/churn.csv');
/** Share of rows held out for the comparison, and the seed of the split (the churn split; the
 *  Python datasets are split by the peer script with scikit-learn, also 25%, random_state 0). */
const TEST_SHARE = 0.25;
const SPLIT_SEED = 0;
/** Within this much ROC AUC of the hand-written spec counts as reaching it (the issue's target). */
const TOLERANCE = 0.005;

const log = (msg: string) => process.stderr.write(`zeroconfig: ${msg}\n`);

interface Run {
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a command to completion; rejects with its stderr's tail when it fails. */
function run(cmd: string, args: string[], timeoutSeconds: number, cwd?: string): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        maxBuffer: 1 << 26,
        timeout: timeoutSeconds * 1000,
        ...(cwd ? { cwd } : {}),
      },
      (err, stdout, stderr) => {
        const seconds = (performance.now() - started) / 1000;
        if (err) {
          const tail = `${stderr}\n${stdout}`.trim().split('\n').slice(-6).join(' | ');
          reject(
            new Error(
              `${[cmd, ...args].join(' ')}: ${err.message.split('\n')[0]}${tail ? ` — ${tail}` : ''}`,
            ),
          );
        } else resolve({ stdout: String(stdout), stderr: String(stderr), seconds });
      },
    );
  });
}

/** A dataset ready for the three contenders. */
interface Prepared {
  /** What the data is, in words. */
  source: string;
  rows: number;
  positives: number;
  trainRows: number;
  testRows: number;
  /** What `hpo tune` is given in zero-config: the training file or folder and the flags. */
  zeroConfigArgs: string[];
  /** The hand-written spec (file name under specs/). */
  spec: string;
  /** The test rows as CSV with a label column, for scoring (pixels for images). */
  testCsv: string;
  testLabel: string;
  testPositive: string;
  /** Arguments of the peer's `search` besides --time. */
  peerArgs: string[];
}

interface Dataset {
  name: string;
  kind: string;
  needsPython: boolean;
  prepare: (dir: string) => Promise<Prepared>;
}

const DATASETS: Dataset[] = [
  {
    name: 'breast-cancer',
    kind: 'a small clinical table (569 rows, 30 numeric columns)',
    needsPython: true,
    prepare: async (dir) => {
      const meta = await pythonPrepare('breast-cancer', dir);
      return {
        ...meta,
        zeroConfigArgs: [join(dir, 'train.csv'), '--label', 'malignant', '--positive', 'yes'],
        spec: 'breast-cancer.yaml',
        testCsv: join(dir, 'test.csv'),
        testLabel: 'malignant',
        testPositive: 'yes',
        peerArgs: ['--label', 'malignant', '--positive', 'yes'],
      };
    },
  },
  {
    name: 'churn',
    kind: 'an imbalanced table with missing values and categorical columns (2,400 rows, 22% positive)',
    needsPython: false,
    prepare: async (dir) => {
      const { rows, positives, trainRows, testRows } = splitCsv(churnCsv, 'churn', 'yes', dir);
      return {
        source:
          "the repository's examples/churn/churn.csv (synthetic telecom churn, examples/churn/generate.mjs; not a public dataset)",
        rows,
        positives,
        trainRows,
        testRows,
        zeroConfigArgs: [join(dir, 'train.csv'), '--label', 'churn', '--positive', 'yes'],
        spec: 'churn.yaml',
        testCsv: join(dir, 'test.csv'),
        testLabel: 'churn',
        testPositive: 'yes',
        peerArgs: ['--label', 'churn', '--positive', 'yes', '--drop', 'customer_id', '--missing', ',NA,?'],
      };
    },
  },
  {
    name: 'digits',
    kind: 'small grayscale images (1,797 8x8 PNGs, is it an 8: 9.7% positive)',
    needsPython: true,
    prepare: async (dir) => {
      const meta = await pythonPrepare('digits', dir);
      return {
        ...meta,
        zeroConfigArgs: [join(dir, 'train'), '--positive', 'eight'],
        spec: 'digits.yaml',
        testCsv: join(dir, 'test.csv'),
        testLabel: 'label',
        testPositive: 'yes',
        // The peer's MLP reads the same pixels as a table (64 columns, 0-255).
        peerArgs: ['--label', 'label', '--positive', 'yes'],
      };
    },
  },
];

async function pythonPrepare(
  dataset: string,
  dir: string,
): Promise<Pick<Prepared, 'source' | 'rows' | 'positives' | 'trainRows' | 'testRows'>> {
  const { stdout } = await run(python!, [peerScript, 'prepare', '--dataset', dataset, '--out', dir], 600);
  const meta = JSON.parse(stdout) as { skipped?: string } & Pick<
    Prepared,
    'source' | 'rows' | 'positives' | 'trainRows' | 'testRows'
  >;
  if (meta.skipped) throw new Skip(`${python}: ${meta.skipped}`);
  return meta;
}

class Skip extends Error {}

/**
 * Splits a CSV (no quoted fields) into train.csv and test.csv in `dir`: a stratified, seeded
 * TEST_SHARE of each class to test, rows kept in file order.
 */
function splitCsv(file: string, label: string, positive: string, dir: string) {
  const lines = readFileSync(file, 'utf8').trimEnd().split(/\r?\n/);
  const header = lines[0]!;
  const j = header.split(',').indexOf(label);
  const body = lines.slice(1);
  const byClass: number[][] = [[], []];
  for (const [i, line] of body.entries()) byClass[line.split(',')[j] === positive ? 1 : 0]!.push(i);
  const random = new Rng(SPLIT_SEED);
  const next = () => random.next();
  const test = new Set<number>();
  for (const idx of byClass) {
    for (let i = idx.length - 1; i > 0; i--) {
      const k = Math.floor(next() * (i + 1));
      [idx[i], idx[k]] = [idx[k]!, idx[i]!];
    }
    for (const i of idx.slice(0, Math.round(idx.length * TEST_SHARE))) test.add(i);
  }
  const write = (name: string, keepRow: (i: number) => boolean) =>
    writeFileSync(join(dir, name), `${[header, ...body.filter((_, i) => keepRow(i))].join('\n')}\n`);
  write('train.csv', (i) => !test.has(i));
  write('test.csv', (i) => test.has(i));
  return {
    rows: body.length,
    positives: byClass[1]!.length,
    trainRows: body.length - test.size,
    testRows: test.size,
  };
}

/** ROC AUC of `scores` against 0/1 `labels` (core's, as hpo reports it). */
function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return coreRocAuc(labels, scores);
}

/** The test CSV without its label column (what `hpo predict` reads) and its labels as 0/1. */
function testInput(p: Prepared, dir: string): { input: string; labels: number[] } {
  const lines = readFileSync(p.testCsv, 'utf8').trimEnd().split(/\r?\n/);
  const j = lines[0]!.split(',').indexOf(p.testLabel);
  const labels: number[] = [];
  const out = lines.map((line, i) => {
    const cells = line.split(',');
    if (i > 0) labels.push(cells[j] === p.testPositive ? 1 : 0);
    cells.splice(j, 1);
    return cells.join(',');
  });
  const input = join(dir, 'predict-input.csv');
  writeFileSync(input, `${out.join('\n')}\n`);
  return { input, labels };
}

/** A saved model's probabilities for the test rows, by `hpo predict`. */
async function scoreModel(modelDir: string, test: { input: string; labels: number[] }, out: string) {
  await run(
    process.execPath,
    [cli, 'predict', '--model', modelDir, '--input', test.input, '--output', out, '--keep', 'none'],
    600,
  );
  const lines = readFileSync(out, 'utf8').trimEnd().split(/\r?\n/);
  const j = lines[0]!.split(',').indexOf('probability');
  const probs = lines.slice(1).map((l) => Number(l.split(',')[j]));
  if (probs.length !== test.labels.length)
    throw new Error(`${out}: ${probs.length} predictions for ${test.labels.length} rows`);
  return probs;
}

/**
 * Paired bootstrap of the test rows (stratified, seeded): the 95% interval of
 * ROC AUC(a) − ROC AUC(b) on the same rows, so a delta can be read against the test set's noise.
 */
function pairedInterval(a: number[], b: number[], labels: number[], resamples = 2000): [number, number] {
  const random = new Rng(12345);
  const next = () => random.next();
  const byClass = [0, 1].map((c) => labels.flatMap((l, i) => (l === c ? [i] : [])));
  const deltas: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const rows = byClass.flatMap((idx) => idx.map(() => idx[Math.floor(next() * idx.length)]!));
    const y = rows.map((i) => labels[i]!);
    deltas.push(
      rocAuc(
        rows.map((i) => a[i]!),
        y,
      ) -
        rocAuc(
          rows.map((i) => b[i]!),
          y,
        ),
    );
  }
  deltas.sort((x, z) => x - z);
  return [r4(deltas[Math.floor(0.025 * resamples)]!)!, r4(deltas[Math.ceil(0.975 * resamples) - 1]!)!];
}

interface Summary {
  status: { reason: string | null };
  objective: { metric: string };
  best: {
    trial: number;
    params: Record<string, unknown>;
    metrics: Record<string, { mean: number }>;
    test: { rows: number; metrics: Record<string, number> } | null;
  } | null;
  trials: Array<{ state: string }>;
  modelDir: string | null;
}

/** Each run's test probabilities, by its output folder (for the paired intervals). */
const testProbs = new Map<string, number[]>();

const r4 = (x: number | undefined | null) =>
  x === undefined || x === null ? null : Math.round(x * 10000) / 10000;

/** One `hpo tune` (zero-config or with a spec), then its refit model scored on the test rows. */
async function hpoStudy(
  args: string[],
  out: string,
  test: { input: string; labels: number[] },
  specFile = join(out, 'spec.yaml'),
) {
  const { stdout, seconds } = await run(
    process.execPath,
    [cli, 'tune', ...args, '--threads', '1', '--json', '--out', out],
    budget * 4 + 600,
  );
  const summary = JSON.parse(stdout) as Summary;
  if (!summary.best || !summary.modelDir) throw new Error(`${out}: no best trial or no model`);
  const probs = await scoreModel(summary.modelDir, test, join(out, 'test-predictions.csv'));
  testProbs.set(out, probs);
  const testRocAuc = rocAuc(probs, test.labels);
  const spec = readFileSync(specFile, 'utf8');
  const holdout = /^\s+holdout:\s*([\d.]+)/m.exec(spec)?.[1];
  const states: Record<string, number> = {};
  for (const t of summary.trials) states[t.state] = (states[t.state] ?? 0) + 1;
  return {
    testRocAuc: r4(testRocAuc),
    cvRocAuc: r4(summary.best.metrics.rocAuc?.mean),
    objective: summary.objective.metric,
    cvObjective: r4(summary.best.metrics[summary.objective.metric]?.mean),
    wallSeconds: Math.round(seconds * 10) / 10,
    trials: summary.trials.length,
    trialStates: states,
    stopped: summary.status.reason,
    // hpo's own held-out figure: cv.holdout rows split off the training rows (zero-config with
    // enough rows), or the spec's dataset.test (the same test rows as testRocAuc).
    hpoTestReport: summary.best.test
      ? {
          rows: summary.best.test.rows,
          rocAuc: r4(summary.best.test.metrics.rocAuc),
          from: holdout ? `cv.holdout ${holdout} of the training rows` : 'dataset.test',
        }
      : null,
    best: summary.best.params,
  };
}

async function benchDataset(d: Dataset, root: string): Promise<Record<string, unknown>> {
  if (d.needsPython && !python) {
    const why = '$HPO_PEERS_PYTHON is not set (the data set comes from scikit-learn)';
    log(`${d.name}: skipped: ${why}`);
    return { kind: d.kind, skipped: why };
  }
  const dir = join(root, d.name);
  mkdirSync(dir, { recursive: true });
  let p: Prepared;
  try {
    p = await d.prepare(dir);
  } catch (err) {
    const why = (err as Error).message;
    log(`${d.name}: skipped: ${why}`);
    return { kind: d.kind, skipped: why };
  }
  log(`${d.name}: ${p.trainRows} training rows, ${p.testRows} test rows; T = ${budget} s each`);
  const test = testInput(p, dir);
  const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | { error: string }> => {
    log(`${d.name}: ${what}…`);
    try {
      const r = await f();
      log(`${d.name}: ${what}: ${JSON.stringify(r).slice(0, 160)}`);
      return r;
    } catch (err) {
      const error = (err as Error).message;
      log(`${d.name}: ${what} failed: ${error}`);
      return { error };
    }
  };
  const zeroConfigArgs = [...p.zeroConfigArgs, '--time', `${budget}s`];
  // A failure of zero-config is its result: reported as an error, never patched over.
  const zeroConfig = await attempt('zero-config', () =>
    hpoStudy(zeroConfigArgs, join(dir, 'zero-config'), test),
  );
  const handSpec = await attempt('hand-written spec', () => {
    const text = readFileSync(join(specDir, p.spec), 'utf8');
    const adjusted = text.replace(/^(\s+timeLimitSeconds:\s*)\d+/m, `$1${budget}`);
    if (adjusted === text && !new RegExp(`timeLimitSeconds:\\s*${budget}\\b`).test(text))
      throw new Error(`${p.spec} has no budget.timeLimitSeconds`);
    const file = join(dir, `hand-${p.spec}`);
    writeFileSync(file, adjusted);
    return hpoStudy([file], join(dir, 'hand'), test, file);
  });
  const sklearn = python
    ? await attempt('scikit-learn RandomizedSearchCV', async () => {
        const { stdout } = await run(
          python,
          [
            peerScript,
            'search',
            '--train',
            join(dir, 'train.csv'),
            '--test',
            p.testCsv,
            '--time',
            String(budget),
            '--predictions',
            join(dir, 'sklearn-test-probabilities.txt'),
            ...p.peerArgs,
          ],
          budget * 4 + 600,
        );
        const r = JSON.parse(stdout) as { skipped?: string; testRocAuc?: number };
        if (r.skipped) return { skipped: `${python}: ${r.skipped}` };
        const probs = readFileSync(join(dir, 'sklearn-test-probabilities.txt'), 'utf8')
          .trim()
          .split('\n')
          .map(Number);
        testProbs.set(join(dir, 'sklearn'), probs);
        return r;
      })
    : { skipped: '$HPO_PEERS_PYTHON is not set' };
  if (!python) log(`${d.name}: scikit-learn peer skipped: $HPO_PEERS_PYTHON is not set`);
  const auc = (r: unknown) => (r as { testRocAuc?: number | null }).testRocAuc ?? undefined;
  const zc = auc(zeroConfig);
  const hand = auc(handSpec);
  const sk = auc(sklearn);
  const deltaVsHand = zc !== undefined && hand !== undefined ? r4(zc - hand) : null;
  const deltaVsSklearn = zc !== undefined && sk !== undefined ? r4(zc - sk) : null;
  const zcProbs = testProbs.get(join(dir, 'zero-config'));
  const interval = (other: string) => {
    const o = testProbs.get(join(dir, other));
    return zcProbs && o ? pairedInterval(zcProbs, o, test.labels) : null;
  };
  return {
    kind: d.kind,
    source: p.source,
    rows: p.rows,
    positives: p.positives,
    trainRows: p.trainRows,
    testRows: p.testRows,
    budgetSeconds: budget,
    zeroConfigCommand: `hpo tune ${p.zeroConfigArgs.map((a) => a.replace(`${dir}/`, '')).join(' ')} --time ${budget}s --threads 1`,
    zeroConfig,
    handSpec,
    sklearn,
    deltaVsHand,
    deltaVsSklearn,
    deltaVsHand95: interval('hand'),
    deltaVsSklearn95: interval('sklearn'),
    targetMet: {
      withinToleranceOfHand: deltaVsHand === null ? null : deltaVsHand >= -TOLERANCE,
      atLeastSklearn: deltaVsSklearn === null ? null : deltaVsSklearn >= 0,
    },
  };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'hpo-zeroconfig-'));
  const started = performance.now();
  const datasets: Record<string, unknown> = {};
  try {
    for (const d of DATASETS) {
      if (only && !only.some((o) => d.name.includes(o))) continue;
      datasets[d.name] = await benchDataset(d, root);
    }
  } finally {
    if (keep) log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  const report = {
    budgetSeconds: budget,
    quick,
    tolerance: TOLERANCE,
    split: { testShare: TEST_SHARE, seed: SPLIT_SEED, stratified: true },
    threads: 1,
    cpuCores: availableParallelism(),
    node: process.version,
    python: python ?? null,
    metric:
      'testRocAuc: ROC AUC of the refit best model on the same held-out test rows (hpo: hpo predict on them; scikit-learn: the refit best_estimator_); cvRocAuc: the best candidate cross-validated ROC AUC (5 folds)',
    datasets,
    wallSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
