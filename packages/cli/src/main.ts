#!/usr/bin/env node
import { studySpecJsonSchema } from '@hpo/core';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { predictCommand } from './commands/predict.js';
import { tuneCommand } from './commands/tune.js';
import { describeError, EXIT } from './errors.js';
import { red, useColor } from './output/style.js';

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

/** Builds the `hpo` command tree; exported for tests. */
export function buildProgram(): Command {
  const program = new Command('hpo')
    .description('Hyperparameter tuning for binary classifiers (MLP / CNN on TensorFlow.js)')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('tune')
    .description(
      'run a whole study on this machine (no servers): cross-validated trials, leaderboard, best model',
    )
    .argument('[study]', 'study spec file (YAML or JSON)')
    .option('--resume <dir>', 'continue a stopped or killed study from its directory')
    .option('--out <dir>', "study directory (default: the spec's output, or runs/<name>)")
    .option('--threads <n>', 'training threads (default: one per core)', positiveInt('--threads'))
    .option('--trials <n>', 'override budget.trials', positiveInt('--trials'))
    .option('--top <n>', 'leaderboard rows to print', positiveInt('--top'))
    .option('--json', 'print a machine-readable summary on stdout instead of the table')
    .option('-q, --quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Examples:
  hpo tune examples/quickstart/study.yaml
  hpo tune study.yaml --threads 2 --trials 40 --out runs/try2
  hpo tune --resume runs/churn-quickstart        # after Ctrl-C or a crash
  hpo tune study.yaml --json > summary.json

--json prints { study, status, objective, best: { trial, params, metrics: { <name>: { mean, std } },
threshold }, trials: [...], modelDir }.`,
    )
    .action(async (study: string | undefined, opts) => {
      process.exitCode = await tuneCommand(study, opts);
    });

  program
    .command('predict')
    .description('predict new rows with a saved model (offline)')
    .requiredOption('--model <dir>', 'model directory (from hpo tune or hpo export)')
    .requiredOption('--input <csv>', 'CSV of rows with the columns the model was trained on')
    .option('--threshold <p>', "decision threshold: a probability, or 'best-f1' (default: the model's, 0.5)")
    .option('--output <csv>', 'write predictions here instead of stdout')
    .addHelpText(
      'after',
      `
Examples:
  hpo predict --model runs/churn-quickstart/model --input new-customers.csv
  hpo predict --model model/ --input rows.csv --threshold best-f1 --output predictions.csv`,
    )
    .action(async (opts) => {
      process.exitCode = await predictCommand(opts);
    });

  program
    .command('schema')
    .description('print the JSON Schema of study specs (for editor completion and validation)')
    .addHelpText('after', '\nExample:\n  hpo schema > study.schema.json')
    .action(() => {
      process.stdout.write(`${JSON.stringify(studySpecJsonSchema(), null, 2)}\n`);
    });
  return program;
}

async function main(): Promise<void> {
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
