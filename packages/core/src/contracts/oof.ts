/**
 * Out-of-fold predictions as a fold result carries them: a fold's validation probabilities and
 * labels, compact (probabilities quantised to 16 bits, labels as bits, both base64) and bounded
 * (at most OOF_MAX_ROWS rows, a seeded stratified sample beyond), so that a result stays far
 * below NATS's message size and a study log does not grow with the dataset.
 */
import { z } from 'zod';
import { Rng } from '../random.js';

/** Most validation rows a fold keeps for the out-of-fold pool. */
export const OOF_MAX_ROWS = 10_000;
const SCALE = 65_535;

const base64Length = (bytes: number) => 4 * Math.ceil(bytes / 3);

export const oofSchema = z
  .object({
    /** Rows kept (all of the fold's validation rows, or a sample of OOF_MAX_ROWS). */
    n: z.number().int().min(0).max(OOF_MAX_ROWS),
    /** Base64 of n little-endian uint16: round(p · 65535). */
    probabilities: z.string().max(base64Length(OOF_MAX_ROWS * 2)),
    /** Base64 of ⌈n/8⌉ bytes, bit i = label of row i. */
    labels: z.string().max(base64Length(Math.ceil(OOF_MAX_ROWS / 8))),
  })
  .strict()
  // A block that would not decode fails its own fold, not the study's refit later.
  .refine(
    (o) =>
      Buffer.from(o.probabilities, 'base64').length === o.n * 2 &&
      Buffer.from(o.labels, 'base64').length === Math.ceil(o.n / 8),
    { message: 'probabilities and labels must hold n rows (base64 of 2n and ⌈n/8⌉ bytes)' },
  );
export type Oof = z.infer<typeof oofSchema>;

/** Packs a fold's validation labels and probabilities (sampled down to `max` rows with `seed`). */
export function encodeOof(y: ArrayLike<number>, p: ArrayLike<number>, seed: number, max = OOF_MAX_ROWS): Oof {
  let rows = Array.from({ length: y.length }, (_, i) => i);
  if (rows.length > max) {
    // Stratified: each class keeps its share, so the pooled prevalence is the fold's.
    const rng = new Rng(seed);
    const pos = rng.shuffle(rows.filter((i) => y[i] === 1));
    const neg = rng.shuffle(rows.filter((i) => y[i] !== 1));
    const keepPos = Math.round((pos.length / rows.length) * max);
    rows = [...pos.slice(0, keepPos), ...neg.slice(0, max - keepPos)].sort((a, b) => a - b);
  }
  const probs = Buffer.alloc(rows.length * 2);
  const bits = Buffer.alloc(Math.ceil(rows.length / 8));
  rows.forEach((r, i) => {
    probs.writeUInt16LE(Math.round(Math.min(1, Math.max(0, p[r]!)) * SCALE), i * 2);
    if (y[r] === 1) bits[i >> 3]! |= 1 << (i & 7);
  });
  return { n: rows.length, probabilities: probs.toString('base64'), labels: bits.toString('base64') };
}

/** Unpacks `encodeOof`'s form. */
export function decodeOof(o: Oof): { y: Uint8Array; p: Float64Array } {
  const probs = Buffer.from(o.probabilities, 'base64');
  const bits = Buffer.from(o.labels, 'base64');
  if (probs.length !== o.n * 2 || bits.length !== Math.ceil(o.n / 8))
    throw new RangeError(
      `out-of-fold block of ${o.n} rows has ${probs.length} probability and ${bits.length} label bytes`,
    );
  const y = new Uint8Array(o.n);
  const p = new Float64Array(o.n);
  for (let i = 0; i < o.n; i++) {
    p[i] = probs.readUInt16LE(i * 2) / SCALE;
    y[i] = (bits[i >> 3]! >> (i & 7)) & 1;
  }
  return { y, p };
}

/** The pooled out-of-fold labels and probabilities of several folds. */
export function poolOof(blocks: Oof[]): { y: Uint8Array; p: Float64Array } {
  const parts = blocks.map(decodeOof);
  const n = parts.reduce((s, b) => s + b.y.length, 0);
  const y = new Uint8Array(n);
  const p = new Float64Array(n);
  let at = 0;
  for (const b of parts) {
    y.set(b.y, at);
    p.set(b.p, at);
    at += b.y.length;
  }
  return { y, p };
}
