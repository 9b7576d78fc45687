import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { TrialSummary } from '@hpo/orchestrator';
import type { FileChunk__Output, Study__Output, Trial__Output } from '@hpo/protocol';
import Table from 'cli-table3';
import { UsageError } from '../errors.js';
import { estimateLines } from '../output/estimate.js';
import { leaderboardTable } from '../output/leaderboard.js';
import { duration, fmt, useColor } from '../output/style.js';
import { collect, connectRemote, type Remote, type ServerOptions, unary } from '../remote/client.js';
import { studySummary, trialSummary } from '../remote/convert.js';
import { followStudy, reconnectSeconds } from './watch.js';

export interface OutputOptions extends ServerOptions {
  json?: boolean;
}

async function withRemote<T>(opts: ServerOptions, fn: (r: Remote) => Promise<T>): Promise<T> {
  const remote = await connectRemote(opts);
  try {
    return await fn(remote);
  } finally {
    remote.close();
  }
}

/** `hpo status [STUDY]`: every study in a table, or one study in detail. */
export function statusCommand(studyId: string | undefined, opts: OutputOptions): Promise<number> {
  return withRemote(opts, async (remote) => {
    if (!studyId) {
      const { studies } = await unary<{ studies: Study__Output[] }>(remote, 'ListStudies', {});
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(studies.map(studyJson), null, 2)}\n`);
        return 0;
      }
      const table = new Table({
        head: ['study', 'state', 'trials', 'running', 'best', 'created'],
        style: { head: useColor() ? ['bold'] : [] },
      });
      for (const s of studies) {
        table.push([
          s.studyId,
          s.state,
          `${s.trialsDone}/${s.trialsTotal}`,
          String(s.trialsRunning),
          s.best ? `${fmt(Number(s.best.value))} (trial ${s.best.number})` : '—',
          s.createdAt,
        ]);
      }
      process.stdout.write(studies.length ? `${table.toString()}\n` : 'no studies\n');
      return 0;
    }
    const s = await unary<Study__Output>(remote, 'GetStudy', { studyId });
    if (opts.json) process.stdout.write(`${JSON.stringify(studyJson(s), null, 2)}\n`);
    else {
      const lines = [
        `study      ${s.studyId} (${s.name})`,
        `state      ${s.state}${s.endReason ? ` (${s.endReason})` : ''}`,
        `trials     ${s.trialsDone}/${s.trialsTotal} done, ${s.trialsRunning} running`,
        `objective  ${s.objectiveMetric} (${s.objectiveDirection})`,
        `best       ${s.best ? `${fmt(Number(s.best.value))} (trial ${s.best.number})` : '—'}`,
        `model      ${s.modelReady ? 'ready' : 'not yet'}`,
        `dataset    ${s.datasetSha256}`,
        `created    ${s.createdAt}`,
      ];
      if (s.message) lines.push(`message    ${s.message}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  });
}

/** `hpo trials STUDY [--state ...]`. */
export function trialsCommand(studyId: string, opts: OutputOptions & { state?: string[] }): Promise<number> {
  return withRemote(opts, async (remote) => {
    const { trials } = await unary<{ trials: Trial__Output[] }>(remote, 'ListTrials', {
      studyId,
      states: opts.state ?? [],
    });
    const rows = trials.map(trialSummary);
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const table = new Table({
      head: ['trial', 'state', 'value', 'folds', 'params', 'time', 'error'],
      style: { head: useColor() ? ['bold'] : [] },
    });
    for (const t of rows) {
      table.push([
        String(t.trial),
        t.state,
        fmt(t.value),
        String(t.folds),
        JSON.stringify(t.params),
        duration(t.durationSeconds),
        t.error ?? '',
      ]);
    }
    process.stdout.write(rows.length ? `${table.toString()}\n` : 'no trials\n');
    return 0;
  });
}

/** `hpo best STUDY`: the best trial's parameters and metrics. */
export function bestCommand(studyId: string, opts: OutputOptions): Promise<number> {
  return withRemote(opts, async (remote) => {
    const s = await unary<Study__Output>(remote, 'GetStudy', { studyId });
    if (!s.best) {
      process.stderr.write(`study ${studyId} has no complete trial yet\n`);
      return 1;
    }
    const best = trialSummary(s.best);
    const summary = studySummary(s, []);
    const { decision, outOfFold, test } = summary.best!;
    if (opts.json)
      process.stdout.write(`${JSON.stringify({ ...best, decision, outOfFold, test }, null, 2)}\n`);
    else {
      process.stdout.write(
        `best trial ${best.trial}: ${s.objectiveMetric} ${fmt(best.value)}\nparams  ${JSON.stringify(best.params)}\n`,
      );
      for (const [k, v] of Object.entries(best.metrics))
        process.stdout.write(`  ${k.padEnd(17)} ${fmt(v.mean)} ± ${fmt(v.std)}\n`);
      const estimate = estimateLines(summary);
      if (estimate) process.stdout.write(`${estimate}\n`);
    }
    return 0;
  });
}

/** `hpo cancel STUDY`. */
export function cancelCommand(studyId: string, opts: OutputOptions): Promise<number> {
  return withRemote(opts, async (remote) => {
    const s = await unary<Study__Output>(remote, 'CancelStudy', { studyId });
    if (opts.json) process.stdout.write(`${JSON.stringify(studyJson(s))}\n`);
    else process.stdout.write(`study ${s.studyId}: ${s.state} (${s.trialsDone} trials kept)\n`);
    return 0;
  });
}

export interface LeaderboardOptions extends OutputOptions {
  sort?: string;
  top?: number;
  csv?: boolean;
  watch?: boolean;
}

/** `hpo leaderboard STUDY`: ranked table, JSON or CSV; --watch redraws until the study ends. */
export function leaderboardCommand(studyId: string, opts: LeaderboardOptions): Promise<number> {
  if (opts.watch && (opts.json || opts.csv))
    throw new UsageError('--watch draws a table; it cannot be combined with --json or --csv');
  if (opts.watch && opts.sort)
    throw new UsageError('--watch ranks by the objective; --sort applies to a one-off table');
  if (opts.watch) reconnectSeconds(); // a bad HPO_RECONNECT_SECONDS is a usage error, now
  return withRemote(opts, async (remote) => {
    if (opts.watch)
      return followStudy(remote, studyId, {
        json: false,
        quiet: false,
        redraw: true,
        ...(opts.top ? { top: opts.top } : {}),
      });
    const study = await unary<Study__Output>(remote, 'GetStudy', { studyId });
    const { trials } = await unary<{ trials: Trial__Output[] }>(remote, 'GetLeaderboard', { studyId });
    const summary = studySummary(study, trials);
    if (opts.sort) summary.trials = sortBy(summary.trials, opts.sort);
    const top = opts.top ?? (opts.json || opts.csv ? summary.trials.length : 20);
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ ...summary, trials: summary.trials.slice(0, top) }, null, 2)}\n`,
      );
    else if (opts.csv) process.stdout.write(toCsv(summary.trials.slice(0, top)));
    else process.stdout.write(`${leaderboardTable(summary, top)}\n`);
    return 0;
  });
}

/** Formats `hpo export` writes. */
const EXPORT_FORMATS = ['hpo', 'tfjs-layers', 'onnx'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * `hpo export STUDY|DIR --out DIR [--format hpo|tfjs-layers]`: a study's model, from the
 * coordinator (a study id) or from a local study or model directory. `hpo` writes hpo's own model
 * files (`hpo predict --model DIR` then works offline); `tfjs-layers` writes a model.json and
 * weights.bin that `tf.loadLayersModel` loads, with the preprocessing as a JSON sidecar.
 */
export async function exportCommand(
  target: string,
  opts: ServerOptions & { out: string; format?: string },
): Promise<number> {
  const format = (opts.format ?? 'hpo') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}, got '${opts.format}'`);
  const out = resolve(opts.out);
  if (format !== 'hpo' && existsSync(join(out, 'metadata.json')))
    throw new UsageError(`--out ${out} holds an hpo model; give an empty folder for the ${format} files`);
  // A path is local; a bare name is a study id on the coordinator, unless it is a folder here
  // and no server was named.
  const serverNamed = Boolean(opts.server ?? process.env.HPO_SERVER);
  const looksLikePath = /[/\\]/.test(target) || target.startsWith('.');
  const isFolder = existsSync(target) && statSync(target).isDirectory();
  if (looksLikePath || (isFolder && !serverNamed)) {
    if (!isFolder)
      throw new UsageError(
        `${target}: no such folder`,
        'give a study directory, a model directory or a study id',
      );
    const local = localModelDir(target);
    if (format === 'hpo') {
      if (resolve(local) === out) throw new UsageError(`--out ${out} is the model directory itself`);
      cpSync(local, out, { recursive: true });
      process.stderr.write(`copied ${local} to ${out}\n`);
    } else await convert(format, local, out);
    return 0;
  }
  if (format === 'hpo') return withRemote(opts, (remote) => download(remote, target, out));
  const tmp = mkdtempSync(join(tmpdir(), 'hpo-export-'));
  try {
    const code = await withRemote(opts, (remote) => download(remote, target, tmp));
    if (code !== 0) return code;
    await convert(format, tmp, out);
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The model directory of a local folder: a model directory, or a study directory's model/. */
function localModelDir(target: string): string {
  // hpo's own format: model.json, weights.bin and metadata.json (an export has no metadata.json).
  const isModel = (dir: string) =>
    ['model.json', 'weights.bin', 'metadata.json'].every((f) => existsSync(join(dir, f)));
  if (isModel(target)) return resolve(target);
  if (existsSync(join(target, 'events.jsonl'))) {
    const model = join(target, 'model');
    if (!isModel(model))
      throw new UsageError(
        `${target} is a study directory with no saved model yet`,
        `finish it with hpo tune --resume ${target}`,
      );
    return resolve(model);
  }
  throw new UsageError(
    `${target} holds no hpo model (model.json, weights.bin and metadata.json) and no events.jsonl`,
    'give a study directory, a model directory or a study id',
  );
}

async function convert(format: 'tfjs-layers' | 'onnx', modelDir: string, out: string): Promise<void> {
  // TensorFlow.js loads only here, for these formats.
  const { loadModel, layersModelFiles, onnxModelBytes, OnnxExportError, writeModelFiles } = await import(
    '@hpo/trainer'
  );
  const model = await loadModel(modelDir);
  if (format === 'tfjs-layers') {
    const files = writeModelFiles(out, await layersModelFiles(model, model.metadata));
    process.stderr.write(
      `wrote a TF.js Layers model to ${out} (${files.map((f) => f.name).join(', ')}); load it with tf.loadLayersModel\n`,
    );
    return;
  }
  let bytes: Uint8Array;
  try {
    bytes = onnxModelBytes(model, model.metadata);
  } catch (err) {
    if (err instanceof OnnxExportError) throw new UsageError(`cannot export to ONNX: ${err.message}`);
    throw err;
  }
  writeModelFiles(out, [{ name: 'model.onnx', data: bytes }]);
  process.stderr.write(
    `wrote ${join(out, 'model.onnx')} (${(bytes.length / 1024).toFixed(0)} KiB): inputs ${model.pipeline ? 'one per column (float [N,1], NaN = missing; string [N,1], "" = missing)' : "'pixels' float [N,H,W,C]"}, output 'probability'\n`,
  );
}

async function download(remote: Remote, studyId: string, out: string): Promise<number> {
  const chunks = await collect<FileChunk__Output>(remote.client.ExportModel({ studyId }), remote);
  const files = new Map<string, Buffer[]>();
  for (const c of chunks) {
    if (c.path.includes('..') || c.path.startsWith('/'))
      throw new UsageError(`refusing the unsafe file name '${c.path}' from the server`);
    files.set(c.path, [...(files.get(c.path) ?? []), c.data]);
  }
  for (const [path, parts] of files) {
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), Buffer.concat(parts));
  }
  process.stderr.write(`wrote ${files.size} files to ${out}\n`);
  return 0;
}

const METRICS = ['rocAuc', 'prAuc', 'f1', 'precision', 'recall', 'accuracy', 'balancedAccuracy', 'logLoss'];

function sortBy(trials: TrialSummary[], metric: string): TrialSummary[] {
  if (!METRICS.includes(metric))
    throw new UsageError(`--sort must be one of ${METRICS.join(', ')}, got '${metric}'`);
  const sign = metric === 'logLoss' ? 1 : -1;
  const key = (t: TrialSummary) => t.metrics[metric]?.mean ?? Number.NaN;
  return [...trials].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    if (Number.isNaN(x)) return Number.isNaN(y) ? a.trial - b.trial : 1;
    if (Number.isNaN(y)) return -1;
    return sign * (x - y) || a.trial - b.trial;
  });
}

function toCsv(trials: TrialSummary[]): string {
  const params = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const head = [
    'rank',
    'trial',
    'state',
    'value',
    ...METRICS.flatMap((m) => [`${m}_mean`, `${m}_std`]),
    ...params.map((p) => `param_${p}`),
    'duration_s',
  ];
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = trials.map((t, i) =>
    [
      i + 1,
      t.trial,
      t.state,
      t.value,
      ...METRICS.flatMap((m) => [t.metrics[m]?.mean, t.metrics[m]?.std]),
      ...params.map((p) => t.params[p]),
      t.durationSeconds,
    ]
      .map(cell)
      .join(','),
  );
  return `${[head.join(','), ...rows].join('\n')}\n`;
}

function studyJson(s: Study__Output) {
  return {
    study: s.studyId,
    name: s.name,
    state: s.state,
    trials: { total: s.trialsTotal, done: s.trialsDone, running: s.trialsRunning },
    best: s.best ? trialSummary(s.best) : null,
    objective: { metric: s.objectiveMetric, direction: s.objectiveDirection },
    endReason: s.endReason || null,
    message: s.message || null,
    modelReady: s.modelReady,
    createdAt: s.createdAt,
  };
}
