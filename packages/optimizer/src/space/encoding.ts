/**
 * Encoding of parameters into the unit cube for model-based samplers: floats and ints take one
 * coordinate each (log-scaled where declared, ints rounded on decode), categoricals are one-hot.
 * Inactive conditional parameters encode to a fixed point (0.5, or an all-zero one-hot) so that
 * trials which differ only in parameters that do not exist look identical to the model.
 */
import type { ParamValue } from './distributions.js';
import type { Params, SearchSpace } from './search-space.js';

export type DimKind = 'continuous' | 'discrete' | 'onehot';

export interface EncodedDim {
  /** Index of the parameter in `space.params`. */
  readonly param: number;
  readonly kind: DimKind;
  /** Admissible unit coordinates of a discrete dimension (absent when there are too many to list). */
  readonly grid?: readonly number[];
  /** For one-hot coordinates: index of the choice this coordinate stands for. */
  readonly choice?: number;
}

const MAX_LISTED = 256;

export class UnitEncoding {
  readonly dims: readonly EncodedDim[];
  /** For each parameter, the first coordinate it occupies. */
  private readonly offsets: number[] = [];

  constructor(readonly space: SearchSpace) {
    const dims: EncodedDim[] = [];
    space.params.forEach((p, i) => {
      this.offsets.push(dims.length);
      const d = p.dist;
      if (d.kind === 'categorical') {
        for (let c = 0; c < d.choices.length; c++) dims.push({ param: i, kind: 'onehot', choice: c });
      } else if (d.discrete) {
        const vals = d.kind === 'int' ? d.values() : d.values(0);
        dims.push(
          vals.length <= MAX_LISTED
            ? { param: i, kind: 'discrete', grid: vals.map((v) => d.toUnit(v)) }
            : { param: i, kind: 'discrete' },
        );
      } else {
        dims.push({ param: i, kind: 'continuous' });
      }
    });
    this.dims = dims;
  }

  get size(): number {
    return this.dims.length;
  }

  encode(params: Params): Float64Array {
    const x = new Float64Array(this.dims.length);
    this.space.params.forEach((p, i) => {
      const o = this.offsets[i]!;
      const v = params[p.name];
      const d = p.dist;
      if (d.kind === 'categorical') {
        if (v !== undefined) x[o + d.indexOf(v)] = 1;
      } else {
        x[o] = v === undefined ? 0.5 : d.toUnit(v as number);
      }
    });
    return x;
  }

  decode(x: ArrayLike<number>): Params {
    const out: Params = {};
    this.space.params.forEach((p, i) => {
      if (!this.space.isActive(p.name, out)) return;
      const o = this.offsets[i]!;
      const d = p.dist;
      if (d.kind === 'categorical') {
        let best = 0;
        for (let c = 1; c < d.choices.length; c++) if ((x[o + c] ?? 0) > (x[o + best] ?? 0)) best = c;
        out[p.name] = d.choices[best] as ParamValue;
      } else {
        out[p.name] = d.fromUnit(x[o] ?? 0.5);
      }
    });
    return out;
  }

  /** Projects a point onto the admissible set (rounds ints, hardens one-hots, pins inactive parameters). */
  canonical(x: ArrayLike<number>): Float64Array {
    return this.encode(this.decode(x));
  }
}
