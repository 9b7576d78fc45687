/**
 * A search space built from the plain JSON the orchestrator passes in:
 *
 * ```json
 * { "family": { "type": "categorical", "choices": ["mlp", "cnn"] },
 *   "lr":     { "type": "float", "low": 1e-5, "high": 1e-1, "log": true },
 *   "layers": { "type": "int", "low": 1, "high": 3 },
 *   "units2": { "type": "int", "low": 8, "high": 256, "log": true, "when": { "parent": "layers", "in": [2, 3] } },
 *   "kernel": { "type": "int", "low": 3, "high": 7, "step": 2, "when": { "parent": "family", "in": ["cnn"] } } }
 * ```
 *
 * A parameter with `when` is active only when its parent is active and takes one of the listed
 * values. Parents must be categorical or int. Errors name the path, e.g. `space.lr.low`.
 */
import { SearchSpaceError } from '../errors.js';
import {
  CategoricalDistribution,
  type Distribution,
  FloatDistribution,
  IntDistribution,
  type ParamValue,
} from './distributions.js';

/** Activation condition: the parameter exists only when `parent` takes a value in `in`. */
export interface Condition {
  parent: string;
  in: ParamValue[];
}

export type ParamSpec =
  | { type: 'float'; low: number; high: number; log?: boolean; step?: number; when?: Condition }
  | { type: 'int'; low: number; high: number; log?: boolean; step?: number; when?: Condition }
  | { type: 'categorical'; choices: ParamValue[]; when?: Condition };

export type SpaceSpec = Record<string, ParamSpec>;

/** Parameter values of one trial; inactive conditional parameters are absent. */
export type Params = Record<string, ParamValue>;

export interface ParamDef {
  readonly name: string;
  readonly dist: Distribution;
  readonly when?: Condition;
}

export class SearchSpace {
  /** Parameters in dependency order: every parent precedes its children. */
  readonly params: readonly ParamDef[];
  private readonly byName: Map<string, ParamDef>;

  constructor(spec: SpaceSpec, root = 'space') {
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new SearchSpaceError(root, 'must be an object mapping parameter names to specs');
    }
    const names = Object.keys(spec);
    if (names.length === 0) throw new SearchSpaceError(root, 'needs at least one parameter');
    const defs = new Map<string, ParamDef>();
    for (const name of names) defs.set(name, buildParam(name, spec[name]!, `${root}.${name}`));
    for (const def of defs.values()) if (def.when) checkCondition(def, defs, `${root}.${def.name}.when`);
    this.params = topoOrder(defs, root);
    this.byName = defs;
  }

  get(name: string): ParamDef | undefined {
    return this.byName.get(name);
  }

  /** True when the parameter is active given the (possibly partial) values of its ancestors. */
  isActive(name: string, params: Params): boolean {
    const def = this.byName.get(name);
    if (!def) return false;
    if (!def.when) return true;
    const pv = params[def.when.parent];
    return pv !== undefined && this.isActive(def.when.parent, params) && def.when.in.includes(pv);
  }

  /** Builds parameters from one unit coordinate per parameter (in `params` order), dropping inactive ones. */
  fromUnit(u: ArrayLike<number>): Params {
    const out: Params = {};
    this.params.forEach((p, i) => {
      if (this.isActive(p.name, out)) out[p.name] = p.dist.fromUnit(u[i] ?? 0.5);
    });
    return out;
  }

  /** Checks that `params` holds exactly the active parameters with admissible values. */
  validate(params: Params, root = 'params'): void {
    for (const p of this.params) {
      const v = params[p.name];
      const active = this.isActive(p.name, params);
      if (active && v === undefined) throw new SearchSpaceError(`${root}.${p.name}`, 'is active but missing');
      if (active && !p.dist.contains(v!)) {
        throw new SearchSpaceError(
          `${root}.${p.name}`,
          `value ${JSON.stringify(v)} is outside the distribution`,
        );
      }
    }
    for (const k of Object.keys(params)) {
      if (!this.byName.has(k)) throw new SearchSpaceError(`${root}.${k}`, 'is not a parameter of the space');
      if (!this.isActive(k, params))
        throw new SearchSpaceError(`${root}.${k}`, 'is set but its condition is false');
    }
  }
}

function buildParam(name: string, s: ParamSpec, path: string): ParamDef {
  if (s === null || typeof s !== 'object') throw new SearchSpaceError(path, 'must be an object');
  let dist: Distribution;
  switch (s.type) {
    case 'float':
      dist = new FloatDistribution(s.low, s.high, s.log ?? false, s.step, path);
      break;
    case 'int':
      dist = new IntDistribution(s.low, s.high, s.log ?? false, s.step ?? 1, path);
      break;
    case 'categorical':
      dist = new CategoricalDistribution(s.choices, path);
      break;
    default:
      throw new SearchSpaceError(
        `${path}.type`,
        `unknown type ${JSON.stringify((s as { type: unknown }).type)}`,
      );
  }
  return s.when === undefined ? { name, dist } : { name, dist, when: s.when };
}

function checkCondition(def: ParamDef, defs: Map<string, ParamDef>, path: string): void {
  const w = def.when!;
  if (typeof w !== 'object' || typeof w.parent !== 'string') {
    throw new SearchSpaceError(`${path}.parent`, 'must name a parameter');
  }
  const parent = defs.get(w.parent);
  if (!parent) throw new SearchSpaceError(`${path}.parent`, `unknown parent ${JSON.stringify(w.parent)}`);
  if (w.parent === def.name)
    throw new SearchSpaceError(`${path}.parent`, 'a parameter cannot be its own parent');
  if (parent.dist.kind === 'float') {
    throw new SearchSpaceError(
      `${path}.parent`,
      `parent ${JSON.stringify(w.parent)} must be categorical or int`,
    );
  }
  if (!Array.isArray(w.in) || w.in.length === 0)
    throw new SearchSpaceError(`${path}.in`, 'needs at least one value');
  w.in.forEach((v, i) => {
    if (!parent.dist.contains(v)) {
      throw new SearchSpaceError(
        `${path}.in[${i}]`,
        `parent ${JSON.stringify(w.parent)} cannot take ${JSON.stringify(v)}`,
      );
    }
  });
}

function topoOrder(defs: Map<string, ParamDef>, root: string): ParamDef[] {
  const out: ParamDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: ParamDef): void => {
    const s = state.get(d.name);
    if (s === 'done') return;
    if (s === 'visiting')
      throw new SearchSpaceError(`${root}.${d.name}.when.parent`, 'conditions form a cycle');
    state.set(d.name, 'visiting');
    if (d.when) visit(defs.get(d.when.parent)!);
    state.set(d.name, 'done');
    out.push(d);
  };
  for (const d of defs.values()) visit(d);
  return out;
}
