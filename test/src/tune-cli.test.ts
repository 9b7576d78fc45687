import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseYamlText, validateStudySpec } from '@hpo/core';
import { CHURN, runCli, smallChurnSpec, tempDir, writeStudy } from '@hpo/testing/processes';

interface Summary {
  study: string;
  best: {
    trial: number;
    params: Record<string, unknown>;
    metrics: Record<string, { mean: number; std: number }>;
    metricsThreshold: number;
    foldBestF1Threshold: number;
    decision: { threshold: number; rule: string } | null;
    test: unknown;
  };
  trials: {
    trial: number;
    state: string;
    params: Record<string, unknown>;
    metrics: Record<string, { mean: number; std: number }>;
  }[];
  modelDir: string;
}

describe('hpo tune (embedded) and hpo predict', () => {
  let summary: Summary;
  let studyDir: string;

  it('hpo --version names the version and the training backend it loads (and HPO_TF_BACKEND forces one)', async () => {
    const plain = await runCli(['--version']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^hpo \d+\.\d+\.\d+\nbackend: (wasm|tfjs-node|cpu) \(/);
    const cpu = await runCli(['-V'], { env: { HPO_TF_BACKEND: 'cpu' } });
    assert.match(cpu.stdout, /^backend: cpu \(1 thread; forced by HPO_TF_BACKEND\)$/m);
  });

  it('runs a study and prints the documented --json summary', async () => {
    const { dir, file } = writeStudy(smallChurnSpec());
    studyDir = join(dir, 'out');
    const r = await runCli(['tune', file, '--json', '--threads', '2', '--out', studyDir]);
    assert.equal(r.code, 0, r.stderr);
    summary = JSON.parse(r.stdout) as Summary;
    assert.equal(summary.study, 'e2e');
    assert.equal(summary.trials.length, 4);
    assert.ok(Number.isInteger(summary.best.trial));
    for (const name of ['rocAuc', 'prAuc', 'f1', 'precision', 'recall', 'logLoss']) {
      const m = summary.best.metrics[name]!;
      assert.ok(Number.isFinite(m.mean) && Number.isFinite(m.std), name);
    }
    assert.ok(summary.best.metrics.rocAuc!.mean > 0.7, `ROC AUC ${summary.best.metrics.rocAuc!.mean}`);
    assert.ok(summary.best.foldBestF1Threshold > 0 && summary.best.foldBestF1Threshold < 1);
    assert.equal(summary.best.metricsThreshold, 0.5);
    assert.equal(summary.best.decision?.rule, 'best F1');
    assert.equal(summary.best.test, null, 'no test set was asked for');
    assert.equal(summary.modelDir, join(studyDir, 'model'));
    for (const f of ['model.json', 'weights.bin', 'preprocessing.json', 'metadata.json'])
      assert.ok(existsSync(join(summary.modelDir, f)), f);
    const meta = JSON.parse(readFileSync(join(summary.modelDir, 'metadata.json'), 'utf8'));
    assert.equal(meta.trial, summary.best.trial);
    assert.ok(meta.cv.metrics.rocAuc.std >= 0);
    assert.ok(['wasm', 'cpu', 'tensorflow'].includes(meta.backend));
  });

  it('gives the same trials and fold metrics for the same spec and seed', async () => {
    const { dir, file } = writeStudy(smallChurnSpec());
    const r = await runCli(['tune', file, '--json', '--threads', '1', '--out', join(dir, 'again')]);
    assert.equal(r.code, 0, r.stderr);
    const again = JSON.parse(r.stdout) as Summary;
    const strip = (s: Summary) =>
      s.trials.map((t) => ({ trial: t.trial, params: t.params, metrics: t.metrics }));
    assert.deepEqual(strip(again), strip(summary));
  });

  it('predicts new rows with the saved model, at 0.5 and at the best-F1 threshold', async () => {
    const { dir } = writeStudy({});
    const input = join(dir, 'rows.csv');
    writeFileSync(
      input,
      'tenure_months,monthly_charges,total_charges,contract,payment_method,internet,support_calls,age,has_partner\n' +
        '2,95,190,month-to-month,electronic-check,fiber,5,30,no\n' +
        '70,25,1750,two-year,card,none,0,60,yes\n' +
        '12,,NA,one-year,?,dsl,,,no\n',
    );
    const r = await runCli(['predict', '--model', summary.modelDir, '--input', input]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    // No column to carry (every input column is a feature): the row number stands in.
    assert.equal(lines[0], 'row,probability,predicted');
    assert.equal(lines.length, 4);
    const probs = lines.slice(1).map((l) => Number(l.split(',')[1]));
    assert.ok(probs[0]! > probs[1]!, 'a new fibre month-to-month customer is riskier than a two-year one');
    const out = join(dir, 'pred.csv');
    const best = await runCli([
      'predict',
      '--model',
      summary.modelDir,
      '--input',
      input,
      '--threshold',
      'best-f1',
      '--output',
      out,
    ]);
    assert.equal(best.code, 0, best.stderr);
    assert.match(readFileSync(out, 'utf8'), /^row,probability,predicted\n1,/);
  });

  it('carries ids and non-feature columns into the output, and never collides with input names', async () => {
    const { dir } = writeStudy({});
    const input = join(dir, 'with-ids.csv');
    writeFileSync(
      input,
      'customer_id,tenure_months,monthly_charges,total_charges,contract,payment_method,internet,support_calls,age,has_partner,churn,probability\n' +
        'A1,2,95,190,month-to-month,electronic-check,fiber,5,30,no,yes,0.9\n' +
        '"B,2",70,25,1750,two-year,card,none,0,60,yes,no,0.1\n',
    );
    const auto = await runCli(['predict', '--model', summary.modelDir, '--input', input]);
    assert.equal(auto.code, 0, auto.stderr);
    const rows = auto.stdout.trim().split('\n');
    // The true label and a column named like an output are carried; the outputs get a prefix.
    assert.equal(rows[0], 'customer_id,churn,probability,hpo_probability,hpo_predicted');
    assert.match(rows[1]!, /^A1,yes,0\.9,0\.\d{6},(yes|no)$/);
    assert.match(rows[2]!, /^"B,2",no,0\.1,0\.\d{6},(yes|no)$/);
    const chosen = await runCli([
      'predict',
      '--model',
      summary.modelDir,
      '--input',
      input,
      '--keep',
      'customer_id,age',
    ]);
    assert.equal(chosen.code, 0, chosen.stderr);
    assert.match(chosen.stdout, /^customer_id,age,probability,predicted\nA1,30,0\.\d{6},(yes|no)\n/);
    const none = await runCli(['predict', '--model', summary.modelDir, '--input', input, '--keep', 'none']);
    assert.match(none.stdout, /^row,probability,predicted\n1,/);
    const unknown = await runCli([
      'predict',
      '--model',
      summary.modelDir,
      '--input',
      input,
      '--keep',
      'cust',
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--keep names 'cust', not in the header of .*with-ids\.csv/);
  });

  it('names the right path for a study directory, a missing one and an output folder that does not exist', async () => {
    const study = await runCli(['predict', '--model', studyDir, '--input', 'x.csv']);
    assert.equal(study.code, 1);
    assert.match(study.stderr, /is a study directory, not a model directory/);
    assert.ok(study.stderr.includes(`hint: use --model ${join(studyDir, 'model')}`), study.stderr);
    const missing = await runCli(['predict', '--model', join(studyDir, 'nope'), '--input', 'x.csv']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope: no such directory/);
    const { dir } = writeStudy({});
    const out = await runCli([
      'predict',
      '--model',
      summary.modelDir,
      '--input',
      'x.csv',
      '--output',
      join(dir, 'nodir', 'p.csv'),
    ]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /folder .*nodir does not exist/);
    assert.doesNotMatch(out.stderr, /ENOENT/);
  });

  it('reports bad predict input with the file and column, exit code 1', async () => {
    const { dir } = writeStudy({});
    const input = join(dir, 'bad.csv');
    writeFileSync(input, 'tenure_months,age\n1,2\n');
    const r = await runCli(['predict', '--model', summary.modelDir, '--input', input]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: dataset error: .*bad\.csv: missing columns 'monthly_charges'/m);
    const bad = await runCli(['predict', '--model', summary.modelDir, '--input', input, '--threshold', '2']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--threshold must be a probability/);
  });

  it('exports a study directory as a TF.js Layers model with its preprocessing sidecar', async () => {
    const { dir } = writeStudy({});
    const out = join(dir, 'layers');
    const r = await runCli(['export', studyDir, '--format', 'tfjs-layers', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /wrote a TF\.js Layers model/);
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    assert.equal(model.format, 'layers-model');
    assert.deepEqual(model.weightsManifest[0].paths, ['weights.bin']);
    const side = JSON.parse(readFileSync(join(out, 'hpo-preprocessing.json'), 'utf8'));
    assert.equal(side.classes.positive, 'yes');
    assert.ok(side.pipeline.featureNames.length > 5);
    const copy = await runCli(['export', studyDir, '--out', join(dir, 'copy')]);
    assert.equal(copy.code, 0, copy.stderr);
    assert.ok(existsSync(join(dir, 'copy', 'weights.bin')));
    const pmml = await runCli(['export', studyDir, '--format', 'pmml', '--out', join(dir, 'x')]);
    assert.equal(pmml.code, 2);
    assert.match(pmml.stderr, /--format must be one of hpo, tfjs-layers, onnx, got 'pmml'/);
  });

  it('refuses to overwrite a study directory and points to --resume', async () => {
    const { file } = writeStudy(smallChurnSpec());
    const r = await runCli(['tune', file, '--out', studyDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /already holds a study/);
    assert.match(r.stderr, /hint: continue it with `hpo tune --resume/);
  });
});

describe('hpo CLI errors', () => {
  it('names the field of an invalid spec', async () => {
    const { file } = writeStudy(smallChurnSpec({ budget: { trials: 0 }, cv: { k: 1 } }));
    const r = await runCli(['tune', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid study spec: .*study\.yaml: (cv\.k|budget\.trials): /);
    assert.match(r.stderr, /hint: run `hpo schema`/);
  });

  it('names an unknown training parameter, the spec file and the likely one, before writing anything', async () => {
    const spec = smallChurnSpec();
    (spec.search as { fixed: Record<string, unknown> }).fixed.learnignRate = 0.1;
    const { file, dir } = writeStudy(spec);
    const r = await runCli(['tune', file, '--out', join(dir, 'run')]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /invalid study spec: .*study\.yaml: search\.fixed\.learnignRate: unknown parameter; did you mean 'learningRate'\?/,
    );
    assert.match(r.stderr, /hint: .*`hpo params`/);
    assert.ok(!existsSync(join(dir, 'run')), 'admission fails before the study directory is made');
  });

  it('names the search-space field of a bad range, before the dataset is copied', async () => {
    const spec = smallChurnSpec();
    (spec.search as { space: Record<string, unknown> }).space.units = { type: 'int', low: 32, high: 4 };
    const { file, dir } = writeStudy(spec);
    const r = await runCli(['tune', file, '--out', join(dir, 'run')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid study spec: .*study\.yaml: search\.space\.units\.(low|high): /);
    assert.ok(!existsSync(join(dir, 'run')), 'no folder holding only a dataset blob');
  });

  it('rejects a value outside its parameter domain up front, naming the field', async () => {
    const spec = smallChurnSpec();
    (spec.search as { fixed: Record<string, unknown> }).fixed.epochs = -1;
    (spec.search as { space: Record<string, unknown> }).space.scaler = {
      type: 'categorical',
      choices: ['standard', 'robust'],
    };
    const { file } = writeStudy(spec);
    const r = await runCli(['tune', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /search\.fixed\.epochs: must be an integer in \[1, 10000\], got -1/);
    assert.match(
      r.stderr,
      /search\.space\.scaler\.choices\.1: must be one of standard, minmax, none, got "robust"/,
    );
  });

  it('lists the training parameters with `hpo params`', async () => {
    const r = await runCli(['params', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; appliesTo: string }[];
    const lr = rows.find((p) => p.name === 'learningRate');
    assert.deepEqual(lr, {
      name: 'learningRate',
      type: 'float',
      domain: 'number in (0, 10]',
      default: '0.001',
      appliesTo: 'mlp, cnn',
    });
    assert.equal(rows.find((p) => p.name === 'filters')?.appliesTo, 'cnn');
    assert.equal(rows.find((p) => p.name === 'units_<i>')?.appliesTo, 'mlp');
    assert.equal(rows.find((p) => p.name === 'scaler')?.appliesTo, 'tables');
    const table = await runCli(['params']);
    assert.match(table.stdout, /units\s.*\sint\s.*integer in \[1, 4096\].*\smlp\s/);
  });

  it('names the dataset file and the missing label column', async () => {
    const spec = smallChurnSpec();
    (spec.dataset as Record<string, unknown>).label = 'churned';
    const { file } = writeStudy(spec);
    const r = await runCli(['tune', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dataset error: .*churn\.csv: label column 'churned' not found/);
  });

  it('exits 2 on usage errors and 0 on --help, with examples', async () => {
    assert.equal((await runCli(['tune', '--threads', 'zero'])).code, 2);
    assert.equal((await runCli(['frobnicate'])).code, 2);
    const both = await runCli(['tune', 'study.yaml', '--resume', 'runs/x']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--resume continues the study in its own directory/);
    const help = await runCli(['tune', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Examples:/);
  });

  it('prints the JSON Schema of study specs', async () => {
    const r = await runCli(['schema']);
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.stdout);
    assert.ok(schema.properties.dataset && schema.properties.budget);
    assert.deepEqual(schema.required.sort(), ['budget', 'dataset', 'name', 'search']);
  });
});

describe('hpo tune without a spec (zero-config)', () => {
  const specOf = (stdout: string) => validateStudySpec(parseYamlText(stdout, 'printed spec'), 'printed spec');

  it('prints a spec built from a table: MLP, imbalance and missing values handled, the identifier ignored', async () => {
    const out = join(tempDir(), 'never');
    const r = await runCli(['tune', CHURN, '--label', 'churn', '--print-spec', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^# Generated by `hpo tune .*churn\.csv --label churn`/);
    assert.match(r.stdout, /# Why these choices:/);
    const spec = specOf(r.stdout);
    assert.equal(spec.model, 'mlp');
    assert.equal(spec.dataset.label, 'churn');
    assert.equal(spec.dataset.columns?.customer_id, 'ignore');
    assert.deepEqual(spec.search.space.classWeight, { type: 'categorical', choices: ['none', 'balanced'] });
    assert.ok(spec.search.space.resample, 'SMOTE searched on an imbalanced table');
    assert.ok(spec.search.space.imputer, 'imputers searched: the churn table has missing values');
    assert.equal(spec.cv.k, 5);
    assert.equal(spec.cv.holdout, 0.2);
    assert.equal(spec.calibration, 'platt');
    assert.equal(spec.sampler.type, 'gp');
    // Saved in the current folder, the printed spec finds the data from there.
    assert.equal(spec.dataset.path, 'examples/churn/churn.csv');
    assert.equal(spec.output, undefined);
    assert.ok(!existsSync(out), '--print-spec writes nothing');
  });

  it('prints a CNN spec for an image folder, and a time budget instead of a trial count', async () => {
    const unsure = await runCli(['tune', 'examples/shapes/images', '--print-spec']);
    assert.equal(unsure.code, 1);
    assert.match(unsure.stderr, /cannot tell which label is the positive class among 'cross', 'other'/);
    const r = await runCli([
      'tune',
      'examples/shapes/images',
      '--positive',
      'cross',
      '--time',
      '20m',
      '--metric',
      'prAuc',
      '--print-spec',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const spec = specOf(r.stdout);
    assert.equal(spec.model, 'cnn');
    assert.equal(spec.dataset.kind, 'images');
    assert.equal(spec.objective.metric, 'prAuc');
    assert.equal(spec.budget.timeLimitSeconds, 1200);
    assert.equal(spec.sampler.type, 'tpe', 'a long budget samples with TPE');
    assert.equal(spec.search.fixed.padding, 'same');
  });

  it('runs a study within --time and writes the generated spec into the study directory', async () => {
    const out = join(tempDir(), 'auto');
    const r = await runCli([
      'tune',
      CHURN,
      '--label',
      'churn',
      '--time',
      '25s',
      '--json',
      '--threads',
      '2',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as Summary;
    assert.ok(summary.trials.length >= 1);
    assert.ok(summary.best.metrics.rocAuc!.mean > 0.6, `ROC AUC ${summary.best.metrics.rocAuc!.mean}`);
    const spec = validateStudySpec(
      parseYamlText(readFileSync(join(out, 'spec.yaml'), 'utf8'), 'spec.yaml'),
      'spec.yaml',
    );
    assert.equal(spec.budget.timeLimitSeconds, 25);
    assert.match(r.stderr, /generated a study spec from the data/);
  });

  it('names what is wrong: no --label (with the columns), an unknown label, one class, a bad --time, data options with a spec', async () => {
    const noLabel = await runCli(['tune', CHURN, '--print-spec']);
    assert.equal(noLabel.code, 2);
    assert.match(noLabel.stderr, /needs --label, the column to predict; its columns are: customer_id, /);
    const unknown = await runCli(['tune', CHURN, '--label', 'churned', '--print-spec']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /churned/);
    const dir = tempDir();
    const oneClass = join(dir, 'one.csv');
    writeFileSync(oneClass, 'x,y\n1,no\n2,no\n3,no\n');
    const one = await runCli(['tune', oneClass, '--label', 'y', '--print-spec']);
    assert.equal(one.code, 1);
    assert.match(
      one.stderr,
      /labels must take exactly two values for binary classification, found 1: 'no \(3 rows\)'/,
    );
    const badTime = await runCli(['tune', CHURN, '--label', 'churn', '--time', 'soon']);
    assert.equal(badTime.code, 2);
    assert.match(badTime.stderr, /--time must be a duration such as 90s, 10m or 1h30m, got 'soon'/);
    const { file } = writeStudy(smallChurnSpec());
    const withSpec = await runCli(['tune', file, '--label', 'churn']);
    assert.equal(withSpec.code, 2);
    assert.match(withSpec.stderr, /--label: for a data file or image folder without a spec/);
    // A spec already in the study directory is never overwritten.
    const taken = join(dir, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'spec.yaml'), '# mine\n');
    const kept = await runCli(['tune', CHURN, '--label', 'churn', '--out', taken]);
    assert.equal(kept.code, 1);
    assert.match(kept.stderr, /spec\.yaml exists already; hpo tune does not overwrite a spec/);
    assert.equal(readFileSync(join(taken, 'spec.yaml'), 'utf8'), '# mine\n');
    // A generated spec the study cannot run (one positive row: no two folds with one each) is
    // not left behind.
    const tiny = join(dir, 'tiny.csv');
    writeFileSync(
      tiny,
      `x,y\n${Array.from({ length: 30 }, (_, i) => `${i},${i === 0 ? 'yes' : 'no'}`).join('\n')}\n`,
    );
    const refused = await runCli(['tune', tiny, '--label', 'y', '--out', join(dir, 'tiny-run')]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.ok(!existsSync(join(dir, 'tiny-run')), 'nothing written for a spec that cannot run');
    const missing = await runCli(['tune', join(dir, 'nope.csv'), '--label', 'y']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.csv: no such file or folder/);
  });
});
