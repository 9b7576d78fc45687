/** Standard test functions for the sampler benchmark, with their known global minima. */
import type { Params, SpaceSpec } from '../space/search-space.js';

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
