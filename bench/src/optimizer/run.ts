/**
 * Sampler benchmark (not a test): median simple regret over seeds on Branin and Hartmann6,
 * sequential and with trials pending, plus `ask` latency against the number of observations.
 * Usage: node dist/bench/run.js [--samplers=gp,tpe,random] [--functions=branin,hartmann6]
 *   [--seeds=10 | --seeds=10-19] [--modes=sequential,pending4] [--budget=50] [--latency=50,200,1000]
 *   [--gp=JSON of GpSamplerOptions] [--noise=SD]
 * More functions: styblinski4, levy4, ackley5, corner-sphere6, levy6, rosenbrock4 (TPE_TUNING_FUNCTIONS)
 * and the held-out set (HELD_OUT_FUNCTIONS in @hpo/testing); bench/reference/optimizer/optuna-tpe.py
 * runs Optuna 5's TPE on the same functions. `--noise` adds Gaussian noise of
 * that standard deviation to what the sampler is told; regret is then the true value of the
 * best-looking trial, as a user would pick it.
 * Prints one JSON object on stdout.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '@hpo/core';
import {
  GpSampler,
  type GpSamplerOptions,
  RandomSampler,
  type Sampler,
  type SpaceSpec,
  TpeSampler,
} from '@hpo/optimizer';
import { ALL_FUNCTIONS, hartmann6, type TestFunction } from '@hpo/testing';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const i = a.indexOf('=');
    return i < 0 ? [a.replace(/^--/, ''), ''] : [a.slice(0, i).replace(/^--/, ''), a.slice(i + 1)];
  }),
);
/** `--gp='{"pending":"kriging-believer"}'` overrides GP options, to compare variants. */
const gpOptions = JSON.parse(args.get('gp') ?? '{}') as GpSamplerOptions;
const tpeOptions = JSON.parse(args.get('tpe') ?? '{}') as Record<string, unknown>;

type Make = (space: SpaceSpec, seed: number) => Sampler;
const SAMPLERS: Record<string, Make> = {
  random: (space, seed) => new RandomSampler(space, { seed }),
  tpe: (space, seed) => new TpeSampler(space, { ...tpeOptions, seed }),
  gp: (space, seed) => new GpSampler(space, { ...gpOptions, seed }),
};

const samplerNames = (args.get('samplers') ?? 'random,tpe,gp').split(',');
/** `--seeds=N` runs seeds 0…N−1; `--seeds=A-B` runs seeds A…B. */
const seedArg = (args.get('seeds') ?? '10').split('-').map(Number);
const seeds =
  seedArg.length === 2
    ? Array.from({ length: seedArg[1]! - seedArg[0]! + 1 }, (_, i) => seedArg[0]! + i)
    : Array.from({ length: seedArg[0]! }, (_, i) => i);
const modeNames = (args.get('modes') ?? 'sequential,pending4').split(',');
const budget = Number(args.get('budget') ?? 50);
const latencyAt = (args.get('latency') ?? '50,200,1000').split(',').filter(Boolean).map(Number);
const functionNames = (args.get('functions') ?? 'branin,hartmann6').split(',');
const unknownFn = functionNames.find((n) => !ALL_FUNCTIONS.some((f) => f.name === n));
if (unknownFn)
  throw new Error(`unknown function ${unknownFn}; one of ${ALL_FUNCTIONS.map((f) => f.name).join(', ')}`);
const functions = ALL_FUNCTIONS.filter((f) => functionNames.includes(f.name));
const noise = Number(args.get('noise') ?? 0);

/** Runs one optimisation with up to `parallel` trials pending; returns regret and mean ask time (ms). */
function runOnce(
  make: Make,
  f: TestFunction,
  seed: number,
  parallel: number,
): { regret: number; askMs: number } {
  const s = make(f.space, seed);
  const noiseRng = Rng.derive(seed, 'bench-noise', f.name);
  const queue: { number: number; value: number; truth: number }[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestTruth = Number.POSITIVE_INFINITY;
  let asked = 0;
  let askMs = 0;
  const ask = (): void => {
    const t0 = performance.now();
    const t = s.ask();
    askMs += performance.now() - t0;
    asked++;
    const truth = f.evaluate(t.params);
    queue.push({ number: t.number, value: truth + (noise > 0 ? noise * noiseRng.normal() : 0), truth });
  };
  while (asked < Math.min(parallel, budget)) ask();
  while (queue.length > 0) {
    const done = queue.shift()!;
    if (done.value < best) {
      best = done.value;
      bestTruth = done.truth;
    }
    s.tell(done.number, { state: 'complete', value: done.value });
    if (asked < budget) ask();
  }
  return { regret: bestTruth - f.optimum, askMs: askMs / budget };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Mean time of `reps` asks after replaying `n` random observations of Hartmann6 (6 dimensions). */
function askLatency(make: Make, n: number, reps: number): number {
  const rng = new Rng(`latency/${n}`);
  const records = Array.from({ length: n }, (_, i) => {
    const params = Object.fromEntries(Array.from({ length: 6 }, (_, j) => [`x${j}`, rng.next()]));
    return { number: i, params, outcome: { state: 'complete' as const, value: hartmann6.evaluate(params) } };
  });
  let total = 0;
  for (let r = 0; r < reps; r++) {
    const s = make(hartmann6.space, r);
    s.replay(records);
    const t0 = performance.now();
    s.ask();
    total += performance.now() - t0;
  }
  return total / reps;
}

const regret: Record<string, unknown> = {};
for (const name of samplerNames) {
  const make = SAMPLERS[name];
  if (!make) throw new Error(`unknown sampler ${name}`);
  const perFn: Record<string, unknown> = {};
  for (const f of functions) {
    const modes: Record<string, unknown> = {};
    for (const [mode, parallel] of [
      ['sequential', 1],
      ['pending4', 4],
    ] as const) {
      if (!modeNames.includes(mode)) continue;
      const runs = seeds.map((seed) => runOnce(make, f, seed, parallel));
      modes[mode] = {
        medianRegret: Number(median(runs.map((r) => r.regret)).toPrecision(4)),
        regrets: runs.map((r) => Number(r.regret.toPrecision(3))),
        meanAskMs: Number((runs.reduce((a, r) => a + r.askMs, 0) / runs.length).toFixed(2)),
      };
      process.stderr.write(`${name} ${f.name} ${mode}: ${JSON.stringify(modes[mode])}\n`);
    }
    perFn[f.name] = modes;
  }
  regret[name] = perFn;
}

/**
 * Optuna 5's TPE on the same functions, seeds, modes and budget, measured now by the committed
 * script (bench/reference/optimizer/optuna-tpe.py) with $HPO_PEERS_PYTHON; skipped, with the
 * reason, when it is unset or optuna cannot be imported. Also the cells where hpo's TPE is lower.
 */
function optunaTpe(): Record<string, unknown> {
  const python = process.env.HPO_PEERS_PYTHON;
  if (!samplerNames.includes('tpe')) return { skipped: 'tpe not among --samplers' };
  if (!python) return { skipped: '$HPO_PEERS_PYTHON is not set' };
  const script = fileURLToPath(new URL('../../reference/optimizer/optuna-tpe.py', import.meta.url));
  const r = spawnSync(
    python,
    [
      script,
      `--functions=${functions.map((f) => f.name).join(',')}`,
      `--seeds=${seeds[0]}-${seeds.at(-1)}`,
      `--modes=${modeNames.join(',')}`,
      `--budget=${budget}`,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) return { skipped: `optuna-tpe.py exited ${r.status ?? r.signal} (see stderr)` };
  const optuna = JSON.parse(r.stdout) as Record<string, Record<string, { medianRegret: number }>>;
  const ours = regret.tpe as Record<string, Record<string, { medianRegret: number }>>;
  const cells = Object.entries(optuna).flatMap(([fn, modes]) =>
    Object.entries(modes).map(([mode, o]) => ({
      fn,
      mode,
      hpo: ours[fn]?.[mode]?.medianRegret,
      optuna: o.medianRegret,
    })),
  );
  const won = cells.filter((c) => c.hpo !== undefined && c.hpo < c.optuna);
  return { regret: optuna, hpoLower: `${won.length}/${cells.length}`, cells };
}
const optuna = optunaTpe();
process.stderr.write(`optuna tpe: ${JSON.stringify(optuna).slice(0, 200)}\n`);

const latency: Record<string, Record<string, number>> = {};
for (const name of samplerNames.filter((n) => n !== 'random')) {
  latency[name] = {};
  for (const n of latencyAt) {
    latency[name]![String(n)] = Number(askLatency(SAMPLERS[name]!, n, n >= 1000 ? 2 : 5).toFixed(1));
    process.stderr.write(`${name} ask latency at ${n}: ${latency[name]![String(n)]} ms\n`);
  }
}

process.stdout.write(
  `${JSON.stringify({ budget, seeds: `${seeds[0]}-${seeds.at(-1)}`, ...(noise > 0 ? { noise } : {}), dimensionsForLatency: 6, regret, optunaTpe: optuna, askLatencyMs: latency }, null, 2)}\n`,
);
