import { writeFileSync } from 'node:fs';
import { loadModel, predictCsv } from '@hpo/trainer';
import { UsageError } from '../errors.js';

export interface PredictOptions {
  model: string;
  input: string;
  threshold?: string;
  output?: string;
}

/** `hpo predict`: probability and class per input row, as CSV on stdout or in --output. */
export async function predictCommand(opts: PredictOptions): Promise<number> {
  const model = await loadModel(opts.model);
  let threshold = model.metadata.thresholds?.default ?? 0.5;
  if (opts.threshold === 'best-f1') {
    const t = model.metadata.thresholds?.bestF1;
    if (t === undefined)
      throw new UsageError(
        'this model has no best-F1 threshold recorded',
        'pass a number, e.g. --threshold 0.4',
      );
    threshold = t;
  } else if (opts.threshold !== undefined) {
    threshold = Number(opts.threshold);
    if (!(threshold >= 0 && threshold <= 1)) {
      throw new UsageError(`--threshold must be a probability in [0, 1] or best-f1, got '${opts.threshold}'`);
    }
  }
  const p = predictCsv(model, opts.input, threshold);
  const lines = ['row,probability,label'];
  p.probability.forEach((prob, i) => {
    lines.push(`${i + 1},${prob.toFixed(6)},${csvCell(p.label[i]!)}`);
  });
  const text = `${lines.join('\n')}\n`;
  if (opts.output) {
    writeFileSync(opts.output, text);
    process.stderr.write(
      `wrote ${p.probability.length} predictions (threshold ${threshold}) to ${opts.output}\n`,
    );
  } else {
    process.stdout.write(text);
  }
  return 0;
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
