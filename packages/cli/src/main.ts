#!/usr/bin/env node
// Every command's module is imported when the command runs, never at start: `hpo --help` and the
// remote commands stay light, and only `tune` and `predict` load TensorFlow.js (tune in its
// training threads).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { describeError, EXIT } from './errors.js';
import { red, useColor } from './output/style.js';

/**
 * An action that imports its command's module when it runs (so `hpo --help` loads none of them)
 * and sets the exit code from what the command returns.
 */
function command<A extends unknown[]>(load: () => Promise<(...args: A) => Promise<number> | number>) {
  return async (...args: A) => {
    process.exitCode = await (await load())(...args);
  };
}

const portNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError(`${name} must be a port number, 0–65535 (0 picks a free one)`);
  return n;
};

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

/** Builds the `hpo` command tree; exported for tests. */
export function buildProgram(): Command {
  const program = new Command('hpo')
    .description('Hyperparameter tuning for binary classifiers (MLP / CNN on TensorFlow.js)')
    .option('-V, --version', 'print the version and the training backend this install loads')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('tune')
    .description(
      'run a whole study on this machine (no servers): cross-validated trials, leaderboard, best model',
    )
    .argument(
      '[study]',
      'study spec file (YAML or JSON), or data without a spec: a CSV, or a folder of images',
    )
    .option('--resume <dir>', 'continue a stopped or killed study from its directory')
    .option('--out <dir>', "study directory (default: the spec's output, or runs/<name>)")
    .option('--threads <n>', 'training threads (default: one per core)', positiveInt('--threads'))
    .option('--trials <n>', 'override budget.trials', positiveInt('--trials'))
    .option('--top <n>', 'leaderboard rows to print', positiveInt('--top'))
    .option('--json', 'print a machine-readable summary on stdout instead of the table')
    .option('-q, --quiet', 'no progress output')
    .option('--label <column>', 'zero-config: the column to predict (CSV)')
    .option(
      '--positive <value>',
      'zero-config: the positive class (default: inferred for yes/no, 1/0, true/false)',
    )
    .option('--metric <name>', 'zero-config: rocAuc, prAuc, f1, logLoss, precision or recall')
    .option(
      '--time <duration>',
      'zero-config: wall-clock budget, e.g. 90s, 10m, 1h30m (instead of a trial count)',
    )
    .option('--print-spec', 'zero-config: print the generated spec and exit')
    .addHelpText(
      'after',
      `
Examples:
  hpo tune examples/quickstart/study.yaml
  hpo tune examples/churn/churn.csv --label churn --time 5m   # no spec: one is built from the data
  hpo tune examples/shapes/images --positive cross --print-spec   # show the spec it would use
  hpo tune runs/churn/spec.yaml --out runs/churn-2             # rerun an edited generated spec
  hpo tune study.yaml --threads 2 --trials 40 --out runs/try2
  hpo tune --resume runs/churn-quickstart        # after Ctrl-C or a crash
  hpo tune study.yaml --json > summary.json

--json prints { study, status, objective, best: { trial, params, metrics: { <name>: { mean, std } }
(cross-validated; threshold metrics at metricsThreshold), metricsThreshold, foldBestF1Threshold (the
folds' own best-F1 thresholds averaged: a diagnostic), decision (the model's threshold, chosen out of
fold by the spec's decision rule), outOfFold (calibration before/after), test (the refit model on
held-out rows, with cv.holdout or dataset.test) }, trials: [...], modelDir }.

Without a spec, hpo tune reads the data and writes a spec sized to it into the study directory
(spec.yaml, with the reason for each choice): MLP for tables, CNN for image folders; class weights
and SMOTE searched when the classes are imbalanced, imputers when values are missing; k, the
held-out share and the sampler from the rows and the budget.`,
    )
    .action(command(async () => (await import('./commands/tune.js')).tuneCommand));

  program
    .command('predict')
    .description('predict new rows with a saved model (offline)')
    .requiredOption('--model <dir>', 'model directory (from hpo tune or hpo export)')
    .requiredOption('--input <csv>', 'CSV of rows with the columns the model was trained on')
    .option(
      '--threshold <p>',
      "decision threshold: a probability, 'auto' (the one the study chose out of fold, by its decision rule) or 'best-f1' (the folds' mean best-F1 threshold); default 0.5",
    )
    .option('--output <csv>', 'write predictions here instead of stdout')
    .option(
      '--keep <cols>',
      "input columns to carry into the output: a comma list, 'all' or 'none' (default: id-like columns and every column that is not a feature)",
    )
    .addHelpText(
      'after',
      `
Output: the carried input columns (or 'row', the row number, when none), then 'probability' (of
the positive class) and 'predicted' (the class at the threshold). When a carried column already
has one of those names, both are prefixed with 'hpo_'.

Examples:
  hpo predict --model runs/churn-quickstart/model --input new-customers.csv
  hpo predict --model model/ --input rows.csv --threshold auto --output predictions.csv
  hpo predict --model model/ --input rows.csv --keep customer_id,region`,
    )
    .action(command(async () => (await import('./commands/predict.js')).predictCommand));

  program
    .command('serve')
    .description(
      'serve a saved model over HTTP: POST /predict (JSON rows or CSV), GET /healthz, GET /metrics',
    )
    .requiredOption('--model <dir>', 'model directory (from hpo tune or hpo export)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', portNumber('--port'), 8080)
    .option('--host <addr>', 'address to listen on (0.0.0.0 for every interface)', '127.0.0.1')
    .option(
      '--threshold <p>',
      "decision threshold: a probability, 'auto' (chosen out of fold by the study's rule) or 'best-f1'; default 0.5",
    )
    .option('--max-body-mb <n>', 'largest request body (MiB)', positiveInt('--max-body-mb'), 8)
    .option('--max-rows <n>', 'most rows in one request', positiveInt('--max-rows'), 100_000)
    .addHelpText(
      'after',
      `
POST /predict takes a JSON array of row objects (every field of the training CSV in every row;
null or "" for missing) or CSV text (Content-Type: text/csv), and answers
{ threshold, rule, predictions: [{ probability, label }] } in row order. A bad row is a 400 naming
the row and field; a body or row count over the limits is a 413.

Examples:
  hpo serve --model runs/churn-quickstart/model --threshold auto
  curl -s localhost:8080/predict -H 'content-type: application/json' \\
    -d '[{"tenure_months": 2, "contract": "month-to-month", "monthly_charges": 95}]'
  curl -s localhost:8080/predict -H 'content-type: text/csv' --data-binary @new-customers.csv`,
    )
    .action(command(async () => (await import('./commands/serve.js')).serveCommand));

  program
    .command('dashboard')
    .description(
      'a live dashboard for study directories on this machine: leaderboard, history, importance, curves, open folds',
    )
    .argument('<dir>', 'a study directory (from hpo tune --out) or a folder of them, e.g. runs/')
    .option('--port <n>', 'port to listen on (0 picks a free one)', portNumber('--port'), 8090)
    .option('--host <addr>', 'address to listen on (the page has no login: keep it on loopback)', '127.0.0.1')
    .addHelpText(
      'after',
      `
The page updates as the studies' events.jsonl grow, so it can be opened before or while
\`hpo tune\` runs; studies that appear in the folder later are listed as they start. For a
coordinator's studies, start it with --dashboard-port instead.

Examples:
  hpo dashboard runs/                       # then open http://127.0.0.1:8090
  hpo dashboard runs/churn-quickstart-20261130-101500 --port 9000`,
    )
    .action(command(async () => (await import('./commands/dashboard.js')).dashboardCommand));

  const remote = (cmd: Command) =>
    cmd
      .option('--server <host:port>', 'coordinator address (default: HPO_SERVER, else localhost:50051)')
      .option('--tls', 'connect with TLS (system CA roots unless --ca)')
      .option('--ca <pem>', 'CA certificate bundle for TLS')
      .option('--cert <pem>', 'client certificate for mutual TLS')
      .option('--key <pem>', 'client private key for mutual TLS')
      .option('--timeout <seconds>', 'seconds to wait for the connection', positiveInt('--timeout'), 5)
      .option('--token <token>', 'bearer token (default: HPO_TOKEN); never printed');

  remote(
    program
      .command('submit')
      .description(
        'validate a study spec locally, upload its dataset (once per content hash) and start it on a coordinator',
      )
      .argument('<study>', 'study spec file (YAML or JSON)')
      .option('--wait', 'follow the study with a progress bar; exit non-zero unless it finishes')
      .option('--id <study-id>', 'study id (default: the spec name plus a random suffix)')
      .option(
        '--weight <w>',
        "the study's share of the workers while other studies wait too (budget.weight; 0.01–100, default 1)",
        (v: string) => {
          const n = Number(v);
          if (!Number.isFinite(n)) throw new InvalidArgumentError('--weight must be a number');
          return n; // its range is the spec schema's (budget.weight)
        },
      )
      .option('--json', 'machine-readable output')
      .option('-q, --quiet', 'no progress output'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  hpo submit examples/quickstart/study.yaml --server coordinator:50051\n  HPO_SERVER=localhost:50051 hpo submit study.yaml --wait\n  hpo submit urgent.yaml --weight 3   # three times the share of a default study while both wait',
    )
    .action(command(async () => (await import('./commands/submit.js')).submitCommand));

  remote(
    program
      .command('status')
      .description('list studies, or show one')
      .argument('[study]', 'study id')
      .option('--json', 'machine-readable output'),
  )
    .addHelpText('after', '\nExamples:\n  hpo status\n  hpo status churn-quickstart-1a2b3c --json')
    .action(command(async () => (await import('./commands/remote.js')).statusCommand));

  remote(
    program
      .command('trials')
      .description("list a study's trials")
      .argument('<study>', 'study id')
      .option(
        '--state <states...>',
        'only these states: running, complete, pruned, failed, unfinished (left running when the study stopped)',
      )
      .option('--json', 'machine-readable output'),
  )
    .addHelpText('after', '\nExamples:\n  hpo trials churn-1a2b3c --state failed')
    .action(command(async () => (await import('./commands/remote.js')).trialsCommand));

  remote(
    program
      .command('best')
      .description("the best trial's parameters and metrics")
      .argument('<study>', 'study id')
      .option('--json', 'machine-readable output'),
  )
    .addHelpText('after', '\nExample:\n  hpo best churn-1a2b3c --json')
    .action(command(async () => (await import('./commands/remote.js')).bestCommand));

  remote(
    program
      .command('cancel')
      .description('stop a study; finished trials are kept')
      .argument('<study>', 'study id')
      .option('--json', 'machine-readable output'),
  )
    .addHelpText('after', '\nExample:\n  hpo cancel churn-1a2b3c')
    .action(command(async () => (await import('./commands/remote.js')).cancelCommand));

  remote(
    program
      .command('leaderboard')
      .description('trials ranked by the objective, with spread, metrics and the parameters that differ')
      .argument('<study>', 'study id')
      .option(
        '--sort <metric>',
        'rank by another metric: rocAuc, prAuc, f1, precision, recall, accuracy, balancedAccuracy, logLoss',
      )
      .option('--top <n>', 'rows to show', positiveInt('--top'))
      .option('--json', 'machine-readable output')
      .option('--csv', 'CSV output')
      .option('--watch', 'redraw live until the study ends'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  hpo leaderboard churn-1a2b3c --watch\n  hpo leaderboard churn-1a2b3c --sort prAuc --top 5\n  hpo leaderboard churn-1a2b3c --csv > trials.csv',
    )
    .action(command(async () => (await import('./commands/remote.js')).leaderboardCommand));

  remote(
    program
      .command('export')
      .description(
        "a study's best model: from the coordinator (a study id) or a local study or model directory, in hpo's format or as a TF.js Layers model",
      )
      .argument('<study>', 'study id, or a study directory of `hpo tune`, or a model directory')
      .requiredOption('--out <dir>', 'where to write the model files')
      .option(
        '--format <format>',
        'hpo (for hpo predict / hpo serve), onnx (one .onnx file, preprocessing included) or tfjs-layers (for tf.loadLayersModel)',
        'hpo',
      ),
  )
    .addHelpText(
      'after',
      `
onnx writes model.onnx: the whole inference path (imputation, one-hot, scaling, network, sigmoid,
calibration) with one input per training column (double [N,1] with NaN for missing, or string
[N,1] with "" or a missing marker of the training CSV for missing; images: 'pixels' float
[N,H,W,C] raw values) and the output 'probability'. The kNN imputer has no ONNX form and is refused.
tfjs-layers writes model.json + weights.bin (the network, sigmoid output) and hpo-preprocessing.json
(imputation, one-hot and scaling of table columns, or the pixel scale; calibration; thresholds).
For Keras: tensorflowjs_converter --input_format=tfjs_layers_model --output_format=keras
model.json model.h5 (pip install tensorflowjs; not installable offline here).

Examples:
  hpo export churn-1a2b3c --out model/ && hpo predict --model model/ --input new.csv
  hpo export runs/churn-quickstart --format onnx --out onnx-model/
  hpo export runs/churn-quickstart --format tfjs-layers --out web-model/`,
    )
    .action(command(async () => (await import('./commands/remote.js')).exportCommand));

  remote(
    program
      .command('report')
      .description(
        'a self-contained HTML report: history, importance, parallel coordinates, ROC/PR curves, confusion matrix, fold spread',
      )
      .argument('<study>', 'a study directory of `hpo tune`, or a study id on the coordinator')
      .requiredOption('--out <file>', 'HTML file to write'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  hpo report runs/churn-quickstart --out report.html\n  hpo report churn-1a2b3c --server coordinator:50051 --out report.html',
    )
    .action(command(async () => (await import('./commands/report.js')).reportCommand));

  program
    .command('completion')
    .description('print a shell completion script')
    .argument('[shell]', 'bash or zsh', 'bash')
    .addHelpText(
      'after',
      '\nExamples:\n  source <(hpo completion bash)\n  hpo completion zsh > ~/.zfunc/_hpo',
    )
    .action(async (shell: string) => {
      const { completionScript } = await import('./completion.js');
      process.stdout.write(completionScript(program, shell));
    });

  program
    .command('schema')
    .description('print the JSON Schema of study specs (for editor completion and validation)')
    .addHelpText('after', '\nExample:\n  hpo schema > study.schema.json')
    .action(async () => {
      const { studySpecJsonSchema } = await import('@hpo/core');
      process.stdout.write(`${JSON.stringify(studySpecJsonSchema(), null, 2)}\n`);
    });

  program
    .command('params')
    .description('list the training parameters a study can search or fix, with their domains and defaults')
    .option('--json', 'machine-readable output')
    .addHelpText('after', "\nExamples:\n  hpo params\n  hpo params --json | jq '.[].name'")
    .action(async (opts: { json?: boolean }) => {
      const { paramsCommand } = await import('./commands/params.js');
      process.exitCode = paramsCommand(opts);
    });
  return program;
}

export const VERSION = '0.1.0';

/**
 * `hpo --version`: the version, then `backend: <wasm|tfjs-node|cpu>` (the backend the trainer
 * loads here, and why), so an image or install says what it trains with.
 */
async function printVersion(): Promise<void> {
  const { initBackend } = await import('@hpo/trainer');
  const b = await initBackend();
  const name = b.name === 'tensorflow' ? 'tfjs-node' : b.name;
  process.stdout.write(
    `hpo ${VERSION}\nbackend: ${name} (${b.threads} thread${b.threads === 1 ? '' : 's'}; ${b.reason})\ntfjs: ${b.tfjsVersion}\n`,
  );
}

async function main(): Promise<void> {
  const first = process.argv[2];
  if (first === '--version' || first === '-V') {
    await printVersion();
    return;
  }
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; commander already printed its usage message.
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    const { line, hint, code } = describeError(err);
    const color = useColor(process.stderr);
    process.stderr.write(`${red('error:', color)} ${line}\n`);
    if (hint) process.stderr.write(`hint: ${hint}\n`);
    if (process.env.HPO_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = code;
  }
}

await main();
