/** Space-filling initial designs in the unit cube. */
import type { Rng } from '@hpo/core';

/** Latin hypercube: n points in [0,1)^d with exactly one point in each of n slices of every axis. */
export function latinHypercube(n: number, d: number, rng: Rng): Float64Array[] {
  const pts = Array.from({ length: n }, () => new Float64Array(d));
  for (let j = 0; j < d; j++) {
    const perm = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    for (let i = 0; i < n; i++) pts[i]![j] = (perm[i]! + rng.next()) / n;
  }
  return pts;
}
