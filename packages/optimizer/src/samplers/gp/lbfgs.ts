/**
 * Limited-memory BFGS with optional box bounds by projection: variables at a bound whose
 * gradient points outward are frozen for the step, the rest follow the two-loop direction, and a
 * backtracking Armijo search runs along the projected path.
 */

export interface LbfgsOptions {
  lower?: Float64Array;
  upper?: Float64Array;
  maxIter?: number;
  /** History length (default 10). */
  memory?: number;
  /** Stop when the largest projected gradient component is below this (default 1e-5). */
  gtol?: number;
  /** Stop when the relative decrease of f in one step is below this (default 1e-10). */
  ftol?: number;
}

/** Minimises f; `fg` returns f(x) and writes ∇f(x) into its second argument. */
export function lbfgsMinimize(
  fg: (x: Float64Array, g: Float64Array) => number,
  x0: Float64Array,
  opts: LbfgsOptions = {},
): { x: Float64Array; f: number; evals: number } {
  const n = x0.length;
  const { lower, upper } = opts;
  const maxIter = opts.maxIter ?? 100;
  const mem = opts.memory ?? 10;
  const gtol = opts.gtol ?? 1e-5;
  const ftol = opts.ftol ?? 1e-10;
  const proj = (v: Float64Array): Float64Array => {
    if (lower) for (let i = 0; i < n; i++) if (v[i]! < lower[i]!) v[i] = lower[i]!;
    if (upper) for (let i = 0; i < n; i++) if (v[i]! > upper[i]!) v[i] = upper[i]!;
    return v;
  };
  let x = proj(Float64Array.from(x0));
  let g = new Float64Array(n);
  let f = fg(x, g);
  let evals = 1;
  if (!Number.isFinite(f)) return { x, f, evals };
  const ss: Float64Array[] = [];
  const ys: Float64Array[] = [];
  const free = new Uint8Array(n);
  const d = new Float64Array(n);
  for (let iter = 0; iter < maxIter; iter++) {
    let pgMax = 0;
    for (let i = 0; i < n; i++) {
      const atLo = lower !== undefined && x[i]! <= lower[i]! && g[i]! > 0;
      const atHi = upper !== undefined && x[i]! >= upper[i]! && g[i]! < 0;
      free[i] = atLo || atHi ? 0 : 1;
      if (free[i]) pgMax = Math.max(pgMax, Math.abs(g[i]!));
    }
    if (pgMax < gtol) break;
    twoLoop(g, free, ss, ys, d);
    let dg = 0;
    for (let i = 0; i < n; i++) dg += d[i]! * g[i]!;
    if (!(dg < 0)) {
      ss.length = 0;
      ys.length = 0;
      for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i]! : 0;
    }
    let t = ss.length === 0 ? Math.min(1, 1 / pgMax) : 1;
    let accepted = false;
    let xn = x;
    let gn = g;
    let fn = f;
    for (let ls = 0; ls < 40; ls++) {
      xn = new Float64Array(n);
      for (let i = 0; i < n; i++) xn[i] = x[i]! + t * d[i]!;
      proj(xn);
      let dec = 0;
      for (let i = 0; i < n; i++) dec += g[i]! * (xn[i]! - x[i]!);
      gn = new Float64Array(n);
      fn = fg(xn, gn);
      evals++;
      if (Number.isFinite(fn) && fn <= f + 1e-4 * dec) {
        accepted = true;
        break;
      }
      t *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xn[i]! - x[i]!;
      y[i] = gn[i]! - g[i]!;
      sy += s[i]! * y[i]!;
    }
    if (sy > 1e-12) {
      ss.push(s);
      ys.push(y);
      if (ss.length > mem) {
        ss.shift();
        ys.shift();
      }
    }
    const fPrev = f;
    x = xn;
    g = gn;
    f = fn;
    if (fPrev - f <= ftol * Math.max(1, Math.abs(f))) break;
  }
  return { x, f, evals };
}

/** d = −H·g over the free variables (standard two-loop recursion). */
function twoLoop(
  g: Float64Array,
  free: Uint8Array,
  ss: Float64Array[],
  ys: Float64Array[],
  d: Float64Array,
): void {
  const n = g.length;
  const m = ss.length;
  for (let i = 0; i < n; i++) d[i] = free[i] ? -g[i]! : 0;
  const alpha = new Float64Array(m);
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) if (free[i]) s += a[i]! * b[i]!;
    return s;
  };
  for (let k = m - 1; k >= 0; k--) {
    const sy = dot(ss[k]!, ys[k]!);
    if (!(sy > 0)) continue;
    alpha[k] = dot(ss[k]!, d) / sy;
    for (let i = 0; i < n; i++) if (free[i]) d[i]! -= alpha[k]! * ys[k]![i]!;
  }
  if (m > 0) {
    const sy = dot(ss[m - 1]!, ys[m - 1]!);
    const yy = dot(ys[m - 1]!, ys[m - 1]!);
    if (sy > 0 && yy > 0) for (let i = 0; i < n; i++) d[i]! *= sy / yy;
  }
  for (let k = 0; k < m; k++) {
    const sy = dot(ss[k]!, ys[k]!);
    if (!(sy > 0)) continue;
    const beta = dot(ys[k]!, d) / sy;
    for (let i = 0; i < n; i++) if (free[i]) d[i]! += (alpha[k]! - beta) * ss[k]![i]!;
  }
}
