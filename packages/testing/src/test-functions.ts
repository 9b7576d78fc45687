/**
 * Standard test functions for the sampler tests and benchmark, with their known global minima.
 * Typed with core's spec types (structurally the optimizer's SpaceSpec and Params).
 */
import type { ParamSpecInput, TrialParams } from '@hpo/core';

type SpaceSpec = Record<string, ParamSpecInput>;
type Params = TrialParams;

export interface TestFunction {
  name: string;
  space: SpaceSpec;
  /** Known global minimum value. */
  optimum: number;
  evaluate(p: Params): number;
}

export const branin: TestFunction = {
  name: 'branin',
  space: { x1: { type: 'float', low: -5, high: 10 }, x2: { type: 'float', low: 0, high: 15 } },
  optimum: 0.397887,
  evaluate(p) {
    const x1 = p.x1 as number;
    const x2 = p.x2 as number;
    const b = 5.1 / (4 * Math.PI * Math.PI);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H_ALPHA = [1, 1.2, 3, 3.2];
const H_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((r) => r.map((v) => v * 1e-4));

export const hartmann6: TestFunction = {
  name: 'hartmann6',
  space: Object.fromEntries(
    Array.from({ length: 6 }, (_, i) => [`x${i}`, { type: 'float' as const, low: 0, high: 1 }]),
  ),
  optimum: -3.32237,
  evaluate(p) {
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H_A[i]![j]! * ((p[`x${j}`] as number) - H_P[i]![j]!) ** 2;
      s -= H_ALPHA[i]! * Math.exp(-inner);
    }
    return s;
  },
};

function unitSpace(d: number, low: number, high: number): SpaceSpec {
  return Object.fromEntries(
    Array.from({ length: d }, (_, i) => [`x${i}`, { type: 'float' as const, low, high }]),
  );
}

function coords(p: Params, d: number): number[] {
  return Array.from({ length: d }, (_, i) => p[`x${i}`] as number);
}

/**
 * Extra landscapes for checking that a sampler change generalises (not run by default):
 * many local minima (Styblinski-Tang, Levy, Ackley) and an optimum in a corner of the box.
 */
export const styblinskiTang4: TestFunction = {
  name: 'styblinski4',
  space: unitSpace(4, -5, 5),
  optimum: -39.16617 * 4,
  evaluate: (p) => styblinskiTang(coords(p, 4)),
};

/** Styblinski-Tang in any dimension: Σ (x⁴ − 16x² + 5x) / 2. */
function styblinskiTang(x: number[]): number {
  return x.reduce((s, v) => s + (v ** 4 - 16 * v ** 2 + 5 * v) / 2, 0);
}

export const levy4: TestFunction = {
  name: 'levy4',
  space: unitSpace(4, -10, 10),
  optimum: 0,
  evaluate: (p) => levy(coords(p, 4)),
};

export const ackley5: TestFunction = {
  name: 'ackley5',
  space: unitSpace(5, -5, 10),
  optimum: 0,
  evaluate(p) {
    const x = coords(p, 5);
    const sq = x.reduce((s, v) => s + v * v, 0) / 5;
    const cos = x.reduce((s, v) => s + Math.cos(2 * Math.PI * v), 0) / 5;
    return -20 * Math.exp(-0.2 * Math.sqrt(sq)) - Math.exp(cos) + 20 + Math.E;
  },
};

export const cornerSphere6: TestFunction = {
  name: 'corner-sphere6',
  space: unitSpace(6, 0, 1),
  optimum: 0,
  evaluate: (p) => coords(p, 6).reduce((s, x) => s + (x - 1) ** 2, 0),
};

/** Levy in d dimensions on [-10, 10]^d; minimum 0 at (1, …, 1). */
function levy(x: number[]): number {
  const d = x.length;
  const w = x.map((v) => 1 + (v - 1) / 4);
  let s = Math.sin(Math.PI * w[0]!) ** 2;
  for (let i = 0; i < d - 1; i++) s += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
  return s + (w[d - 1]! - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[d - 1]!) ** 2);
}

/** Levy in 6 dimensions (the TPE bandwidth issue's weak case). */
export const levy6: TestFunction = {
  name: 'levy6',
  space: unitSpace(6, -10, 10),
  optimum: 0,
  evaluate: (p) => levy(coords(p, 6)),
};

/** Rosenbrock in 4 dimensions on [-5, 10]^4; minimum 0 at (1, …, 1). */
export const rosenbrock4: TestFunction = {
  name: 'rosenbrock4',
  space: unitSpace(4, -5, 10),
  optimum: 0,
  evaluate(p) {
    const x = coords(p, 4);
    let s = 0;
    for (let i = 0; i < 3; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (x[i]! - 1) ** 2;
    return s;
  },
};

/*
 * Held-out landscapes: not used to tune the samplers' defaults, only to check that a change
 * generalises. Standard definitions and domains (as in Surjanovic & Bingham's library).
 */

/** Rastrigin, 4-D on [-5.12, 5.12]^4: a regular grid of local minima; 0 at the origin. */
export const rastrigin4: TestFunction = {
  name: 'rastrigin4',
  space: unitSpace(4, -5.12, 5.12),
  optimum: 0,
  evaluate: (p) => coords(p, 4).reduce((s, x) => s + x * x - 10 * Math.cos(2 * Math.PI * x) + 10, 0),
};

/** Griewank, 6-D on [-600, 600]^6: a wide bowl with fine ripples; 0 at the origin. */
export const griewank6: TestFunction = {
  name: 'griewank6',
  space: unitSpace(6, -600, 600),
  optimum: 0,
  evaluate(p) {
    const x = coords(p, 6);
    let s = 0;
    let prod = 1;
    x.forEach((v, i) => {
      s += (v * v) / 4000;
      prod *= Math.cos(v / Math.sqrt(i + 1));
    });
    return s - prod + 1;
  },
};

/** Schwefel, 3-D on [-500, 500]^3: the best minimum far from the next best, near a corner; 0 at xi ≈ 420.9687. */
export const schwefel3: TestFunction = {
  name: 'schwefel3',
  space: unitSpace(3, -500, 500),
  optimum: 0,
  evaluate: (p) =>
    418.9828872724338 * 3 - coords(p, 3).reduce((s, x) => s + x * Math.sin(Math.sqrt(Math.abs(x))), 0),
};

/** Michalewicz (m = 10), 5-D on [0, π]^5: steep narrow valleys; minimum −4.687658179. */
export const michalewicz5: TestFunction = {
  name: 'michalewicz5',
  space: unitSpace(5, 0, Math.PI),
  optimum: -4.687658179088149,
  evaluate: (p) =>
    -coords(p, 5).reduce((s, x, i) => s + Math.sin(x) * Math.sin(((i + 1) * x * x) / Math.PI) ** 20, 0),
};

/** Six-hump camel, 2-D on [-3, 3] × [-2, 2]: two global minima −1.031628453 among six. */
export const sixHumpCamel: TestFunction = {
  name: 'six-hump-camel',
  space: { x0: { type: 'float', low: -3, high: 3 }, x1: { type: 'float', low: -2, high: 2 } },
  optimum: -1.0316284534898774,
  evaluate(p) {
    const [x, y] = coords(p, 2) as [number, number];
    return (4 - 2.1 * x * x + x ** 4 / 3) * x * x + x * y + (-4 + 4 * y * y) * y * y;
  },
};

/** Goldstein-Price, 2-D on [-2, 2]^2: values spanning six orders of magnitude; 3 at (0, −1). */
export const goldsteinPrice: TestFunction = {
  name: 'goldstein-price',
  space: unitSpace(2, -2, 2),
  optimum: 3,
  evaluate(p) {
    const [x, y] = coords(p, 2) as [number, number];
    const a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y);
    const b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y);
    return a * b;
  },
};

const H3_A = [
  [3, 10, 30],
  [0.1, 10, 35],
  [3, 10, 30],
  [0.1, 10, 35],
];
const H3_P = [
  [3689, 1170, 2673],
  [4699, 4387, 7470],
  [1091, 8732, 5547],
  [381, 5743, 8828],
].map((r) => r.map((v) => v * 1e-4));

/** Hartmann, 3-D on [0, 1]^3: four local minima; −3.862779787 with these constants (the literature rounds to −3.86278). */
export const hartmann3: TestFunction = {
  name: 'hartmann3',
  space: unitSpace(3, 0, 1),
  optimum: -3.862779787332663,
  evaluate(p) {
    const x = coords(p, 3);
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 3; j++) inner += H3_A[i]![j]! * (x[j]! - H3_P[i]![j]!) ** 2;
      s -= H_ALPHA[i]! * Math.exp(-inner);
    }
    return s;
  },
};

const SHEKEL_BETA = [1, 2, 2, 4, 4, 6, 3, 7, 5, 5].map((b) => b / 10);
const SHEKEL_C = [
  [4, 1, 8, 6, 3, 2, 5, 8, 6, 7],
  [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
  [4, 1, 8, 6, 3, 2, 5, 8, 6, 7],
  [4, 1, 8, 6, 7, 9, 3, 1, 2, 3.6],
];

/** Shekel (m = 10), 4-D on [0, 10]^4: ten narrow wells on a flat plateau; −10.536443153 with these constants (the literature: −10.5364). */
export const shekel10: TestFunction = {
  name: 'shekel10',
  space: unitSpace(4, 0, 10),
  optimum: -10.536443153483532,
  evaluate(p) {
    const x = coords(p, 4);
    let s = 0;
    for (let i = 0; i < 10; i++) {
      let inner = SHEKEL_BETA[i]!;
      for (let j = 0; j < 4; j++) inner += (x[j]! - SHEKEL_C[j]![i]!) ** 2;
      s -= 1 / inner;
    }
    return s;
  },
};

/** Zakharov, 6-D on [-5, 10]^6: a plate-shaped, non-separable quartic; 0 at the origin. */
export const zakharov6: TestFunction = {
  name: 'zakharov6',
  space: unitSpace(6, -5, 10),
  optimum: 0,
  evaluate(p) {
    const x = coords(p, 6);
    let s1 = 0;
    let s2 = 0;
    x.forEach((v, i) => {
      s1 += v * v;
      s2 += 0.5 * (i + 1) * v;
    });
    return s1 + s2 ** 2 + s2 ** 4;
  },
};

/** Dixon-Price, 4-D on [-10, 10]^4: a curved valley; 0 at xi = 2^(−(2^i − 2)/2^i) (i from 1). */
export const dixonPrice4: TestFunction = {
  name: 'dixon-price4',
  space: unitSpace(4, -10, 10),
  optimum: 0,
  evaluate(p) {
    const x = coords(p, 4);
    let s = (x[0]! - 1) ** 2;
    for (let i = 1; i < 4; i++) s += (i + 1) * (2 * x[i]! ** 2 - x[i - 1]!) ** 2;
    return s;
  },
};

/** Styblinski-Tang, 8-D on [-5, 5]^8: 2^8 local minima; −39.16616570377142 per dimension. */
export const styblinskiTang8: TestFunction = {
  name: 'styblinski8',
  space: unitSpace(8, -5, 5),
  optimum: -39.16616570377142 * 8,
  evaluate: (p) => styblinskiTang(coords(p, 8)),
};

/** Sum of squares (axis-weighted sphere), 10-D on [-10, 10]^10: Σ i·xi²; 0 at the origin. */
export const sumSquares10: TestFunction = {
  name: 'sum-squares10',
  space: unitSpace(10, -10, 10),
  optimum: 0,
  evaluate: (p) => coords(p, 10).reduce((s, x, i) => s + (i + 1) * x * x, 0),
};

/** The landscapes TPE's defaults were tuned on: the six above plus the Levy-6 and Rosenbrock-4. */
export const TPE_TUNING_FUNCTIONS: TestFunction[] = [
  branin,
  hartmann6,
  styblinskiTang4,
  levy4,
  ackley5,
  cornerSphere6,
  levy6,
  rosenbrock4,
];

/** Landscapes kept out of tuning, to check that a sampler change generalises. */
export const HELD_OUT_FUNCTIONS: TestFunction[] = [
  rastrigin4,
  griewank6,
  schwefel3,
  michalewicz5,
  sixHumpCamel,
  goldsteinPrice,
  hartmann3,
  shekel10,
  zakharov6,
  dixonPrice4,
  styblinskiTang8,
  sumSquares10,
];

/** Every function above, by name for the benchmark's `--functions=` (the original six first). */
export const ALL_FUNCTIONS: TestFunction[] = [
  branin,
  hartmann6,
  styblinskiTang4,
  levy4,
  ackley5,
  cornerSphere6,
  levy6,
  rosenbrock4,
  ...HELD_OUT_FUNCTIONS,
];
