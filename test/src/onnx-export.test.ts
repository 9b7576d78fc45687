/**
 * `hpo export --format onnx` end to end: the exported file, run by onnxruntime-node on raw rows
 * (missing numbers, a missing and an unseen category; raw pixels for the CNN), gives the
 * probabilities `hpo predict` gives, to 1e-5, on the bundled churn and shapes examples.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readImageFolder } from '@hpo/core';
import { CHURN, ROOT, runCli, smallChurnSpec, writeStudy } from '@hpo/testing/processes';
import * as ort from 'onnxruntime-node';

/** hpo predict's probability column for a CSV. */
async function predicted(model: string, input: string): Promise<number[]> {
  const r = await runCli(['predict', '--model', model, '--input', input, '--keep', 'none']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[1]));
}

function close(got: ArrayLike<number>, want: number[]): void {
  assert.equal(got.length, want.length);
  // predict prints 6 decimals: 5e-7 of rounding on top of the 1e-5 asked for.
  for (let i = 0; i < want.length; i++)
    assert.ok(
      Math.abs(got[i]! - want[i]!) < 1e-5 + 5e-7,
      `row ${i + 1}: onnx ${got[i]} vs predict ${want[i]}`,
    );
}

describe('ONNX export, run by onnxruntime-node', () => {
  it('churn (MLP, calibrated): raw columns with missing values and an unseen category', async () => {
    const { dir, file } = writeStudy(
      smallChurnSpec({
        name: 'onnx-churn',
        budget: { trials: 2, parallelism: 1 },
        calibration: 'platt',
        cv: { k: 3, seed: 1 },
      }),
    );
    const tune = await runCli(['tune', file, '--quiet', '--out', join(dir, 'study')]);
    assert.equal(tune.code, 0, tune.stderr);
    const out = join(dir, 'onnx');
    const ex = await runCli(['export', join(dir, 'study'), '--format', 'onnx', '--out', out]);
    assert.equal(ex.code, 0, ex.stderr);

    // Raw rows as a user has them: the churn file's first rows, with holes and a new category.
    const lines = readFileSync(CHURN, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const rows = lines.slice(1, 41).map((l) => l.split(','));
    rows[0]![header.indexOf('monthly_charges')] = '';
    rows[1]![header.indexOf('contract')] = '';
    rows[2]![header.indexOf('contract')] = 'three-year';
    rows[3]![header.indexOf('payment_method')] = 'bitcoin';
    const csv = join(dir, 'rows.csv');
    writeFileSync(csv, `${[header.join(','), ...rows.map((r) => r.join(','))].join('\n')}\n`);
    const want = await predicted(join(dir, 'study', 'model'), csv);

    const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
    // Numbers as numbers (a missing one as NaN); categories as the raw strings of the file,
    // missing markers included ('none' in internet, '?' in payment_method, '' above).
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const j = header.indexOf(name);
      assert.ok(j >= 0, `input ${name} is a column of the file`);
      const cells = rows.map((r) => r[j]!);
      const categorical = ['contract', 'payment_method', 'internet', 'has_partner'].includes(name);
      feeds[name] = categorical
        ? new ort.Tensor('string', cells, [rows.length, 1])
        : new ort.Tensor(
            'float64',
            Float64Array.from(cells, (c) => (c === '' || c.toUpperCase() === 'NA' ? Number.NaN : Number(c))),
            [rows.length, 1],
          );
    }
    assert.ok(
      rows.some((r) => r[header.indexOf('internet')] === 'none'),
      'the rows hold a missing marker',
    );
    const got = (await session.run(feeds)).probability!.data as Float32Array;
    close(got, want);
    const meta = JSON.parse(readFileSync(join(dir, 'study', 'model', 'metadata.json'), 'utf8'));
    assert.equal(meta.calibration.method, 'platt');
  });

  it('shapes (CNN on images): raw pixels', async () => {
    const spec = readFileSync(join(ROOT, 'examples/shapes/study.yaml'), 'utf8')
      .replace(/path: images/, `path: ${join(ROOT, 'examples/shapes/images')}`)
      .replace(/output: .*/, '');
    const { dir } = writeStudy({});
    writeFileSync(join(dir, 'shapes.yaml'), spec);
    const tune = await runCli([
      'tune',
      join(dir, 'shapes.yaml'),
      '--quiet',
      '--trials',
      '1',
      '--out',
      join(dir, 'study'),
    ]);
    assert.equal(tune.code, 0, tune.stderr);
    const out = join(dir, 'onnx');
    const ex = await runCli(['export', join(dir, 'study'), '--format', 'onnx', '--out', out]);
    assert.equal(ex.code, 0, ex.stderr);

    const images = readImageFolder(join(ROOT, 'examples/shapes/images'), { positive: 'cross' });
    const n = 30;
    const size = images.shape[0] * images.shape[1] * images.shape[2];
    const raw = Float32Array.from(images.pixels.subarray(0, n * size), (v) =>
      Math.round(v * images.pixelScale),
    );
    const header = Array.from({ length: size }, (_, j) => `p${j}`);
    const csvRows = Array.from({ length: n }, (_, i) =>
      Array.from(raw.subarray(i * size, (i + 1) * size)).join(','),
    );
    writeFileSync(join(dir, 'pixels.csv'), `${[header.join(','), ...csvRows].join('\n')}\n`);
    const want = await predicted(join(dir, 'study', 'model'), join(dir, 'pixels.csv'));
    const session = await ort.InferenceSession.create(join(out, 'model.onnx'));
    const got = (await session.run({ pixels: new ort.Tensor('float32', raw, [n, ...images.shape]) }))
      .probability!.data as Float32Array;
    close(got, want);
  });
});
