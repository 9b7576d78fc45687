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
  evaluate: (p) => coords(p, 4).reduce((s, x) => s + (x ** 4 - 16 * x ** 2 + 5 * x) / 2, 0),
};

export const levy4: TestFunction = {
  name: 'levy4',
  space: unitSpace(4, -10, 10),
  optimum: 0,
  evaluate(p) {
    const w = coords(p, 4).map((x) => 1 + (x - 1) / 4);
    let s = Math.sin(Math.PI * w[0]!) ** 2;
    for (let i = 0; i < 3; i++) s += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
    return s + (w[3]! - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[3]!) ** 2);
  },
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

export const ALL_FUNCTIONS = [branin, hartmann6, styblinskiTang4, levy4, ackley5, cornerSphere6];
