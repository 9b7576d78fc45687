/**
 * Standard normal functions accurate far into the tails, as log expected improvement needs:
 * erf by its all-positive series below 3σ, the Laplace continued fraction for Mills' ratio
 * above it, and log h(z) = log(φ(z) + zΦ(z)) without cancellation for very negative z.
 */

const SQRT2 = Math.SQRT2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const SERIES_LIMIT = 3;
const CF_TERMS = 60;

/** Standard normal density. */
export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
}

/** erf(x) for |x| ≤ ~2.2 by the series 2/√π e^{-x²} Σ 2ⁿx^{2n+1}/(2n+1)!!, whose terms are all positive. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
}

/** Tail T₂ of the Mills continued fraction: 1/R(t) = t + 1/T₂, T₂ = t + 2/(t + 3/(t + …)). */
function millsTail(t: number): number {
  let tail = t;
  for (let k = CF_TERMS; k >= 2; k--) tail = t + k / tail;
  return tail;
}

/** Mills' ratio R(t) = Φ(−t)/φ(t) for t ≥ 0. */
export function millsRatio(t: number): number {
  if (t < SERIES_LIMIT) return (0.5 * (1 - erfSeries(t / SQRT2))) / normPdf(t);
  return 1 / (t + 1 / millsTail(t));
}

/** Standard normal CDF Φ(z). */
export function normCdf(z: number): number {
  if (z >= 0) return z < SERIES_LIMIT ? 0.5 + 0.5 * erfSeries(z / SQRT2) : 1 - normPdf(z) * millsRatio(z);
  return normPdf(z) * millsRatio(-z);
}

/** log Φ(z), finite for any finite z. */
export function logNormCdf(z: number): number {
  if (z > -SERIES_LIMIT) return Math.log(normCdf(z));
  return -0.5 * z * z - LOG_SQRT_2PI + Math.log(millsRatio(-z));
}

/**
 * log h(z) with h(z) = φ(z) + zΦ(z) = E[max(0, Z + z)], and its derivative Φ(z)/h(z).
 * Expected improvement is σ·h((μ − best)/σ).
 */
export function logH(z: number): { value: number; grad: number } {
  if (z >= 0) {
    const cdf = normCdf(z);
    const h = normPdf(z) + z * cdf;
    return { value: Math.log(h), grad: cdf / h };
  }
  const t = -z;
  let r: number;
  let oneMinusTr: number;
  if (t < SERIES_LIMIT) {
    r = millsRatio(t);
    oneMinusTr = 1 - t * r;
  } else {
    // 1 − tR = R/T₂ exactly, which avoids the cancellation of 1 − tR for large t.
    const tail = millsTail(t);
    r = 1 / (t + 1 / tail);
    oneMinusTr = r / tail;
  }
  return { value: -0.5 * z * z - LOG_SQRT_2PI + Math.log(oneMinusTr), grad: r / oneMinusTr };
}

/** Inverse of Φ by Newton steps from a logistic guess (used off hot paths only). */
export function normQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p <= 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  let z = Math.log(p / (1 - p)) / 1.702;
  for (let i = 0; i < 60; i++) {
    const step = (normCdf(z) - p) / Math.max(normPdf(z), 1e-300);
    z -= step;
    if (Math.abs(step) < 1e-13 * Math.max(1, Math.abs(z))) break;
  }
  return z;
}
