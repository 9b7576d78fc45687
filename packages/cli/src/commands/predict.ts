import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type CsvTable, pipelineSchema } from '@hpo/core';
import { loadModel, predictCsv, resolveThreshold, type ThresholdChoice } from '@hpo/trainer/predict';
import { UsageError } from '../errors.js';

export interface PredictOptions {
  model: string;
  input: string;
  threshold?: string;
  output?: string;
  /** Input columns to carry into the output: a comma list, `all`, `none`; default `auto`. */
  keep?: string;
}

/** A column name that looks like a row identifier: id, customer_id, customer-id, userId, uuid… */
export function isIdLike(name: string): boolean {
  return (
    /^(id|uuid|guid|key|index)$/i.test(name) ||
    /[_\-. ](id|uuid|guid|key)$/i.test(name) ||
    /[a-z](Id|ID|Uuid|UUID|Key)$/.test(name)
  );
}

/**
 * `hpo predict`: probability and class per input row, as CSV on stdout or in --output. Input
 * columns that are not features (ids, a true-label column) and id-like ones are carried into the
 * output first, so predictions can be joined back; `--keep` chooses them.
 */
export async function predictCommand(opts: PredictOptions): Promise<number> {
  // Checked before the model loads, so a typo in the path does not cost a backend start-up.
  if (opts.output) checkOutputPath(opts.output);
  const choice = parseThreshold(opts.threshold);
  const model = await loadModel(opts.model);
  let resolved: { threshold: number; source: string };
  try {
    resolved = resolveThreshold(model, choice);
  } catch (err) {
    throw new UsageError(`--threshold ${opts.threshold}: ${(err as Error).message}`);
  }
  const { threshold, source: rule } = resolved;
  const p = predictCsv(model, opts.input, threshold);
  // Image models read every column but the label as a pixel: those are features too.
  const features = new Set(
    model.pipeline
      ? pipelineSchema(model.pipeline).map((c) => c.name)
      : p.input.header.filter((h) => h !== model.classes.label),
  );
  const kept = keptColumns(p.input, opts.keep ?? 'auto', features, opts.input);
  const [probName, predName] = outputNames(kept.map((j) => p.input.header[j]!));
  const header = kept.length ? kept.map((j) => p.input.header[j]!) : ['row'];
  const lines = [[...header, probName, predName].map(csvCell).join(',')];
  p.probability.forEach((prob, i) => {
    const carried = kept.length ? kept.map((j) => p.input.rows[i]![j]!) : [String(i + 1)];
    lines.push([...carried, prob.toFixed(6), p.label[i]!].map(csvCell).join(','));
  });
  const text = `${lines.join('\n')}\n`;
  if (opts.output) {
    writeFileSync(opts.output, text);
    process.stderr.write(
      `wrote ${p.probability.length} predictions (threshold ${threshold}, ${rule}${model.calibration && model.calibration.method !== 'none' ? `; probabilities ${model.calibration.method}-calibrated` : ''}) to ${opts.output}\n`,
    );
  } else {
    process.stdout.write(text);
  }
  return 0;
}

/** --threshold as the predict library takes it; a bad value is a usage error before the model loads. */
export function parseThreshold(text: string | undefined): ThresholdChoice | undefined {
  if (text === undefined || text === 'auto' || text === 'best-f1') return text;
  const n = Number(text);
  if (text.trim() === '' || !(n >= 0 && n <= 1))
    throw new UsageError(`--threshold must be a probability in [0, 1], 'auto' or 'best-f1', got '${text}'`);
  return n;
}

/** Indices of the input columns to carry into the output. */
export function keptColumns(input: CsvTable, keep: string, features: Set<string>, file: string): number[] {
  const all = input.header.map((_, j) => j);
  if (keep === 'none') return [];
  if (keep === 'all') return all;
  if (keep === 'auto')
    return all.filter((j) => !features.has(input.header[j]!) || isIdLike(input.header[j]!));
  const names = keep
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !input.header.includes(n));
  if (unknown.length) {
    throw new UsageError(
      `--keep names ${unknown.map((n) => `'${n}'`).join(', ')}, not in the header of ${file}`,
      `columns are ${input.header.map((n) => `'${n}'`).join(', ')}; or use --keep all / --keep none`,
    );
  }
  return names.map((n) => input.header.indexOf(n));
}

/** `probability`, `predicted`, or the first prefixed pair that no carried column is named. */
export function outputNames(carried: string[]): [string, string] {
  const taken = new Set(carried.map((c) => c.toLowerCase()));
  for (const prefix of ['', 'hpo_', 'hpo_pred_']) {
    const pair: [string, string] = [`${prefix}probability`, `${prefix}predicted`];
    if (!pair.some((n) => taken.has(n))) return pair;
  }
  let k = 2;
  while (taken.has(`hpo_probability_${k}`) || taken.has(`hpo_predicted_${k}`)) k++;
  return [`hpo_probability_${k}`, `hpo_predicted_${k}`];
}

function checkOutputPath(output: string): void {
  const folder = dirname(resolve(output));
  if (!existsSync(folder))
    throw new UsageError(
      `--output ${output}: folder ${folder} does not exist`,
      `create it first: mkdir -p ${folder}`,
    );
  if (!statSync(folder).isDirectory()) throw new UsageError(`--output ${output}: ${folder} is not a folder`);
  if (existsSync(output) && statSync(output).isDirectory())
    throw new UsageError(`--output ${output} is a folder; give a file name, e.g. ${output}/predictions.csv`);
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
