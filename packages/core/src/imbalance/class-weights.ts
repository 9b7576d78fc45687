import { classCounts } from '../dataset/types.js';

/** How to weight the two classes in the loss. */
export type ClassWeightSpec = 'none' | 'balanced' | { negative: number; positive: number };

/**
 * Per-class loss weights [negative, positive]. `balanced` is n / (2 · count_c), as in
 * scikit-learn, so the classes contribute equally; explicit weights must be positive.
 */
export function classWeights(labels: ArrayLike<number>, spec: ClassWeightSpec): [number, number] {
  if (spec === 'none') return [1, 1];
  if (spec === 'balanced') {
    const [neg, pos] = classCounts(labels);
    const n = neg + pos;
    return [neg ? n / (2 * neg) : 1, pos ? n / (2 * pos) : 1];
  }
  for (const [k, v] of Object.entries(spec)) {
    if (!(v > 0 && Number.isFinite(v)))
      throw new RangeError(`classWeight.${k} must be a positive number, got ${v}`);
  }
  return [spec.negative, spec.positive];
}

/** Per-sample weights from per-class weights (what tfjs' loss takes). */
export function sampleWeights(labels: ArrayLike<number>, weights: [number, number]): Float32Array {
  const out = new Float32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = weights[labels[i] === 1 ? 1 : 0];
  return out;
}
