/**
 * Pruning benchmark (JSON on stdout; not a test): ASHA over epochs against no pruning and the
 * median fold pruner, on the bundled studies users start from (the quickstart's churn MLP study
 * and the shapes CNN study) with a larger epoch budget (100), through `hpo tune` on 2 threads,
 * per study seed (the sampled trials differ by seed, so one seed's best is luck), variants
 * interleaved (none, median, asha, none, …). Timelines come from each study's event log.
 *
 * - `none` and `median` run the spec's trial count N. ASHA runs `--asha-trials`·N trials (default
 *   3): its first N trials are exactly an N-trial ASHA study (same sampler, same decisions), and
 *   the rest show what ASHA does with the time it saves.
 * - sameTrials: ASHA's first N trials against the baseline: the wall until they finished and
 *   their best CV objective.
 * - toBaselineBest: the seconds until ASHA's best so far came within 0.002 of the baseline's final
 *   best, and the baseline's wall over that: the issue's "wall time to reach the best CV AUC of a
 *   no-pruning run" (target ≥ 2×, for ≤ 0.002 loss). Null when ASHA never got there.
 * - Two modes: `spec` keeps the spec's early stopping (patience 4 or 5, so most folds stop long
 *   before 100 epochs); `fixedEpochs` turns it off (patience = epochs), the setting successive
 *   halving is usually measured in.
 * Walls run from study_created to study_finished (the refit left out) and include the threads'
 * start (about 1.5 s). Ratios are medians over seeds of the per-seed ratios.
 *
 * Usage: node bench/dist/pruning/run.js [--quick] [--seeds=3] [--epochs=100]
 *   [--studies=quickstart,shapes] [--modes=spec,fixedEpochs] [--asha-trials=3]
 *   [--asha='{"minEpochs":1}']
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStudySpec, objectiveDirection } from '@hpo/core';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const i = a.indexOf('=');
    return i < 0 ? [a.replace(/^--/, ''), ''] : [a.slice(0, i).replace(/^--/, ''), a.slice(i + 1)];
  }),
);
const quick = args.has('quick');
const seeds = Number(args.get('seeds') ?? (quick ? 1 : 3));
const epochs = Number(args.get('epochs') ?? (quick ? 30 : 100));
const studies = (args.get('studies') ?? 'quickstart,shapes').split(',');
const modes = (args.get('modes') ?? (quick ? 'spec' : 'spec,fixedEpochs')).split(',');
const ashaTrials = Number(args.get('asha-trials') ?? 3);
const ashaOptions = JSON.parse(args.get('asha') ?? '{}') as Record<string, unknown>;
const TOLERANCE = 0.002;
const VARIANTS = ['none', 'median', 'asha'];

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'packages/cli/dist/main.js');
const SPECS: Record<string, string> = {
  quickstart: join(root, 'examples/quickstart/study.yaml'),
  shapes: join(root, 'examples/shapes/study.yaml'),
};

/** A finished trial: its number, state, objective and when it finished (s from the start). */
interface Finished {
  trial: number;
  state: string;
  value: number | undefined;
  seconds: number;
}

interface Run {
  wallSeconds: number;
  finished: Finished[];
  epochsInCompleteFolds: number;
  foldsCompleted: number;
}

function pruner(variant: string, original: Record<string, unknown>): Record<string, unknown> {
  if (variant === 'none') return { type: 'none' };
  if (variant === 'median')
    return original.type === 'median' ? original : { type: 'median', warmupTrials: 4, minFolds: 1 };
  if (variant === 'asha') return { type: 'asha', reductionFactor: 3, minEpochs: 1, ...ashaOptions };
  throw new Error(`unknown variant ${variant}; one of none, median, asha`);
}

function runOnce(study: string, mode: string, variant: string, seed: number): Run {
  const file = SPECS[study];
  if (!file) throw new Error(`unknown study ${study}; one of ${Object.keys(SPECS).join(', ')}`);
  const { spec, datasetPath } = loadStudySpec(file);
  const dir = mkdtempSync(join(tmpdir(), `hpo-prune-${study}-`));
  try {
    const out = join(dir, 'study');
    const edited = {
      ...spec,
      dataset: { ...spec.dataset, path: datasetPath },
      search: {
        ...spec.search,
        fixed: { ...spec.search.fixed, epochs, ...(mode === 'fixedEpochs' ? { patience: epochs } : {}) },
      },
      pruner: pruner(variant, spec.pruner as unknown as Record<string, unknown>),
      budget: { ...spec.budget, trials: spec.budget.trials * (variant === 'asha' ? ashaTrials : 1) },
      seed,
      output: out,
    };
    const specFile = join(dir, 'study.json');
    writeFileSync(specFile, JSON.stringify(edited));
    execFileSync(process.execPath, [CLI, 'tune', specFile, '--quiet', '--threads', '2'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const events = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string; at: string });
    const t0 = Date.parse(events[0]!.at);
    const end = events.find((e) => e.type === 'study_finished')!;
    const finished: Finished[] = [];
    let epochsInCompleteFolds = 0;
    let foldsCompleted = 0;
    for (const e of events) {
      if (e.type === 'fold_done') {
        epochsInCompleteFolds += (e.result as { epochs: number }).epochs;
        foldsCompleted++;
      }
      if (e.type === 'trial_finished')
        finished.push({
          trial: e.trial as number,
          state: e.state as string,
          value: e.value as number | undefined,
          seconds: (Date.parse(e.at) - t0) / 1000,
        });
    }
    return { wallSeconds: (Date.parse(end.at) - t0) / 1000, finished, epochsInCompleteFolds, foldsCompleted };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const r3 = (v: number) => Number(v.toFixed(3));
const r4 = (v: number) => Number(v.toFixed(4));

const out: Record<string, unknown> = {
  epochs,
  seeds,
  threads: 2,
  tolerance: TOLERANCE,
  ashaTrialFactor: ashaTrials,
  asha: pruner('asha', {}),
};
for (const study of studies) {
  const { spec } = loadStudySpec(SPECS[study]!);
  const sign = objectiveDirection(spec) === 'maximize' ? 1 : -1;
  const n = spec.budget.trials;
  /** The first `n` trials of a run: when they had all finished, their best, how many were pruned. */
  const firstTrials = (run: Run) => {
    const these = run.finished.filter((f) => f.trial < n);
    const complete = these.filter((f) => f.state === 'complete').map((f) => sign * f.value!);
    return {
      wallSeconds: n === run.finished.length ? run.wallSeconds : Math.max(...these.map((f) => f.seconds)),
      best: sign * Math.max(...complete),
      pruned: these.filter((f) => f.state === 'pruned').length,
    };
  };
  /** Seconds until a complete trial came within the tolerance of `mark`; null if none did. */
  const secondsTo = (run: Run, mark: number) =>
    run.finished.find((f) => f.state === 'complete' && sign * f.value! >= sign * mark - TOLERANCE)?.seconds ??
    null;
  const perMode: Record<string, unknown> = { metric: spec.objective.metric, trials: n };
  for (const mode of modes) {
    if (mode !== 'spec' && mode !== 'fixedEpochs')
      throw new Error(`unknown mode ${mode}; spec or fixedEpochs`);
    const runs: Record<string, Run[]> = Object.fromEntries(VARIANTS.map((v) => [v, []]));
    for (let seed = 0; seed < seeds; seed++) {
      for (const variant of VARIANTS) {
        process.stderr.write(`pruning: ${study} ${mode} ${variant} seed ${seed}… `);
        const run = runOnce(study, mode, variant, seed);
        runs[variant]!.push(run);
        const first = firstTrials(run);
        process.stderr.write(
          `${run.wallSeconds.toFixed(1)} s; first ${n} trials: ${first.wallSeconds.toFixed(1)} s, best ${first.best.toFixed(4)}, ${first.pruned} pruned\n`,
        );
      }
    }
    const result: Record<string, unknown> = {};
    for (const variant of VARIANTS) {
      const rs = runs[variant]!;
      const firsts = rs.map(firstTrials);
      result[variant] = {
        trials: rs[0]!.finished.length,
        wallSeconds: r3(median(rs.map((r) => r.wallSeconds))),
        [`first${n}`]: {
          wallSeconds: r3(median(firsts.map((f) => f.wallSeconds))),
          bestObjective: r4(median(firsts.map((f) => f.best))),
          pruned: median(firsts.map((f) => f.pruned)),
        },
        bestObjective: r4(
          median(
            rs.map(
              (r) =>
                sign *
                Math.max(...r.finished.filter((f) => f.state === 'complete').map((f) => sign * f.value!)),
            ),
          ),
        ),
        epochsInCompleteFolds: median(rs.map((r) => r.epochsInCompleteFolds)),
        foldsCompleted: median(rs.map((r) => r.foldsCompleted)),
      };
    }
    for (const base of ['none', 'median']) {
      const perSeed = runs[base]!.map((b, i) => {
        const asha = runs.asha![i]!;
        const baseline = firstTrials(b);
        const same = firstTrials(asha);
        const reach = secondsTo(asha, baseline.best);
        return {
          sameTrialsWallSpeedup: r3(baseline.wallSeconds / same.wallSeconds),
          sameTrialsObjectiveLoss: r4(sign * (baseline.best - same.best)),
          secondsToBaselineBest: reach === null ? null : r3(reach),
          toBaselineBestSpeedup: reach === null ? null : r3(baseline.wallSeconds / reach),
        };
      });
      const reached = perSeed.filter((p) => p.toBaselineBestSpeedup !== null);
      const speedup =
        reached.length === perSeed.length ? median(reached.map((p) => p.toBaselineBestSpeedup!)) : null;
      result[`ashaVs${base[0]!.toUpperCase()}${base.slice(1)}`] = {
        sameTrials: {
          wallSpeedup: r3(median(perSeed.map((p) => p.sameTrialsWallSpeedup))),
          objectiveLoss: r4(median(perSeed.map((p) => p.sameTrialsObjectiveLoss))),
        },
        toBaselineBest: {
          reached: `${reached.length}/${perSeed.length}`,
          wallSpeedup: speedup === null ? null : r3(speedup),
        },
        perSeed,
        targetMet: speedup !== null && speedup >= 2,
      };
    }
    perMode[mode] = result;
  }
  out[study] = perMode;
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
