/**
 * Pruning benchmark (JSON on stdout; not a test): ASHA over epochs against no pruning and the
 * median fold pruner, on the bundled studies users start from (the quickstart's churn MLP study
 * and the shapes CNN study) with a larger epoch budget. Each variant runs the same spec, seed and
 * trial count through `hpo tune` (2 threads), interleaved (none, median, asha, none, …); the
 * timeline comes from the study's own event log.
 *
 * Per study and variant (medians over rounds): wall time of the trials (study_created to
 * study_finished, the refit left out), the best CV objective, the seconds until the best so far
 * reached the no-pruning run's best of the same round (within 0.002), and the epochs trained.
 * The target: ASHA takes ≤ 1/2 the wall of `none` and of `median` for ≤ 0.002 loss.
 *
 * Usage: node bench/dist/pruning/run.js [--quick] [--rounds=2] [--epochs=100]
 *   [--studies=quickstart,shapes] [--variants=none,median,asha] [--asha='{"minEpochs":1}']
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
const rounds = Number(args.get('rounds') ?? (quick ? 1 : 2));
const epochs = Number(args.get('epochs') ?? (quick ? 30 : 100));
const studies = (args.get('studies') ?? 'quickstart,shapes').split(',');
const variants = (args.get('variants') ?? 'none,median,asha').split(',');
const ashaOptions = JSON.parse(args.get('asha') ?? '{}') as Record<string, unknown>;
const TOLERANCE = 0.002;

const root = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = join(root, 'packages/cli/dist/main.js');
const SPECS: Record<string, string> = {
  quickstart: join(root, 'examples/quickstart/study.yaml'),
  shapes: join(root, 'examples/shapes/study.yaml'),
};

interface Run {
  wallSeconds: number;
  best: number;
  /** Seconds from the study's start to each new best complete trial: [seconds, value]. */
  bests: [number, number][];
  trials: number;
  pruned: number;
  epochsTrained: number;
  foldsTrained: number;
}

function pruner(variant: string, original: Record<string, unknown>): Record<string, unknown> {
  if (variant === 'none') return { type: 'none' };
  if (variant === 'median')
    return original.type === 'median' ? original : { type: 'median', warmupTrials: 4, minFolds: 1 };
  if (variant === 'asha') return { type: 'asha', reductionFactor: 3, minEpochs: 1, ...ashaOptions };
  throw new Error(`unknown variant ${variant}; one of none, median, asha`);
}

function runOnce(study: string, variant: string): Run {
  const file = SPECS[study];
  if (!file) throw new Error(`unknown study ${study}; one of ${Object.keys(SPECS).join(', ')}`);
  const { spec, datasetPath } = loadStudySpec(file);
  const dir = mkdtempSync(join(tmpdir(), `hpo-prune-${study}-`));
  try {
    const out = join(dir, 'study');
    const edited = {
      ...spec,
      dataset: { ...spec.dataset, path: datasetPath },
      search: { ...spec.search, fixed: { ...spec.search.fixed, epochs } },
      pruner: pruner(variant, spec.pruner as unknown as Record<string, unknown>),
      output: out,
    };
    const specFile = join(dir, 'study.json');
    writeFileSync(specFile, JSON.stringify(edited));
    execFileSync(process.execPath, [CLI, 'tune', specFile, '--quiet', '--threads', '2'], {
      env: { ...process.env, HPO_LOG: 'silent' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const events = readFileSync(join(out, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string; at: string });
    const t0 = Date.parse(events[0]!.at);
    const end = events.find((e) => e.type === 'study_finished')!;
    const sign = objectiveDirection(spec) === 'maximize' ? 1 : -1;
    const bests: [number, number][] = [];
    let best = Number.NEGATIVE_INFINITY;
    let trials = 0;
    let pruned = 0;
    let epochsTrained = 0;
    let foldsTrained = 0;
    for (const e of events) {
      if (e.type === 'fold_done') {
        epochsTrained += (e.result as { epochs: number }).epochs;
        foldsTrained++;
      }
      if (e.type !== 'trial_finished') continue;
      trials++;
      if (e.state === 'pruned') pruned++;
      if (e.state !== 'complete') continue;
      const v = sign * (e.value as number);
      if (v > best) {
        best = v;
        bests.push([(Date.parse(e.at) - t0) / 1000, e.value as number]);
      }
    }
    return {
      wallSeconds: (Date.parse(end.at) - t0) / 1000,
      best: sign * best,
      bests,
      trials,
      pruned,
      epochsTrained,
      foldsTrained,
    };
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
  rounds,
  threads: 2,
  tolerance: TOLERANCE,
  asha: pruner('asha', {}),
};
for (const study of studies) {
  const maximize = objectiveDirection(loadStudySpec(SPECS[study]!).spec) === 'maximize';
  const runs: Record<string, Run[]> = Object.fromEntries(variants.map((v) => [v, []]));
  const toTarget: Record<string, (number | null)[]> = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    const these: Record<string, Run> = {};
    for (const variant of variants) {
      process.stderr.write(`pruning: ${study} ${variant} round ${round + 1}/${rounds}… `);
      const run = runOnce(study, variant);
      these[variant] = run;
      runs[variant]!.push(run);
      process.stderr.write(
        `${run.wallSeconds.toFixed(1)} s, best ${run.best.toFixed(4)}, ${run.pruned}/${run.trials} pruned, ${run.epochsTrained} epochs\n`,
      );
    }
    // The no-pruning run's best of this round is the mark every variant is timed to.
    const mark = these.none?.best;
    for (const variant of variants) {
      if (mark === undefined) continue;
      const reached = these[variant]!.bests.find(([, v]) =>
        maximize ? v >= mark - TOLERANCE : v <= mark + TOLERANCE,
      );
      toTarget[variant]!.push(reached ? reached[0] : null);
    }
  }
  const summary: Record<string, unknown> = {};
  for (const variant of variants) {
    const rs = runs[variant]!;
    const reached = toTarget[variant]!.filter((s): s is number => s !== null);
    summary[variant] = {
      wallSeconds: r3(median(rs.map((r) => r.wallSeconds))),
      bestObjective: r4(median(rs.map((r) => r.best))),
      secondsToNoneBest: reached.length === rs.length && reached.length > 0 ? r3(median(reached)) : null,
      reachedNoneBest: `${reached.length}/${toTarget[variant]!.length}`,
      pruned: median(rs.map((r) => r.pruned)),
      trials: median(rs.map((r) => r.trials)),
      epochsTrained: median(rs.map((r) => r.epochsTrained)),
      foldsCompleted: median(rs.map((r) => r.foldsTrained)),
      runs: rs.map((r) => ({ wallSeconds: r3(r.wallSeconds), best: r4(r.best), pruned: r.pruned })),
    };
  }
  const s = summary as Record<string, { wallSeconds: number; bestObjective: number }>;
  const versus: Record<string, unknown> = {};
  if (s.asha)
    for (const base of ['none', 'median'].filter((v) => s[v])) {
      const speedup = s[base]!.wallSeconds / s.asha.wallSeconds;
      const loss = maximize
        ? s[base]!.bestObjective - s.asha.bestObjective
        : s.asha.bestObjective - s[base]!.bestObjective;
      versus[`ashaVs${base[0]!.toUpperCase()}${base.slice(1)}`] = {
        wallSpeedup: Number(speedup.toFixed(2)),
        objectiveLoss: r4(loss),
        targetMet: speedup >= 2 && loss <= TOLERANCE,
      };
    }
  out[study] = { metric: loadStudySpec(SPECS[study]!).spec.objective.metric, ...summary, ...versus };
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
