/** Shared fixtures for sampler tests (compiled with the package; not exported from the index). */
import type { Params, SpaceSpec } from '../space/search-space.js';
import type { Sampler } from './sampler.js';

export const mixedSpace: SpaceSpec = {
  x: { type: 'float', low: -5, high: 10 },
  lr: { type: 'float', low: 1e-4, high: 1, log: true },
  n: { type: 'int', low: 1, high: 8 },
  family: { type: 'categorical', choices: ['mlp', 'cnn'] },
  kernel: { type: 'int', low: 3, high: 7, step: 2, when: { parent: 'family', in: ['cnn'] } },
};

/** A cheap deterministic objective over `mixedSpace` (minimum near x=2, lr=0.01, n=4, cnn, kernel=5). */
export function mixedObjective(p: Params): number {
  const x = p.x as number;
  const lr = Math.log10(p.lr as number);
  let v = (x - 2) ** 2 + (lr + 2) ** 2 + ((p.n as number) - 4) ** 2 / 4;
  v += p.family === 'cnn' ? ((p.kernel as number) - 5) ** 2 / 4 : 1;
  return v;
}

/** Runs `n` sequential trials and returns what was asked. */
export function runSequential(s: Sampler, n: number, f: (p: Params) => number = mixedObjective): Params[] {
  const out: Params[] = [];
  for (let i = 0; i < n; i++) {
    const t = s.ask();
    out.push(t.params);
    s.tell(t.number, { state: 'complete', value: f(t.params) });
  }
  return out;
}
