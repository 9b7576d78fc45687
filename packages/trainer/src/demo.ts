/**
 * Trains and cross-validates one MLP with balanced class weights on the bundled churn example
 * and prints its metrics: what `npm run demo` runs until the embedded study runner exists.
 */
import { fileURLToPath } from 'node:url';
import { readCsvDataset, stratifiedKFold } from '@hpo/core';
import { mean, sampleStandardDeviation } from 'simple-statistics';
import { trainFold } from './fold.js';

const file = fileURLToPath(new URL('../../../examples/churn/churn.csv', import.meta.url));
const ds = readCsvDataset(file, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } });
const positives = ds.labels.reduce((a, b) => a + b, 0);
console.log(
  `dataset ${file}: ${ds.labels.length} rows, ${ds.columns.length} features, ${positives} positive ('${ds.classes.positive}')`,
);
const params = { layers: 2, units: 32, dropout: 0.1, classWeight: 'balanced', epochs: 40, patience: 5 };
console.log(`model: MLP ${JSON.stringify(params)}; 5-fold stratified CV`);
const folds = stratifiedKFold(ds.labels, 5, 42);
const names = ['rocAuc', 'prAuc', 'f1', 'precision', 'recall'] as const;
const results: Record<(typeof names)[number], number>[] = [];
for (const fold of folds) {
  const out = await trainFold({
    dataset: ds,
    train: fold.train,
    valid: fold.valid,
    params,
    seed: 42 + fold.fold,
  });
  const m = out.metrics;
  results.push({ rocAuc: m.rocAuc, prAuc: m.prAuc, f1: m.f1, precision: m.precision, recall: m.recall });
  console.log(
    `fold ${fold.fold + 1}: ${names.map((n) => `${n} ${m[n].toFixed(3)}`).join('  ')}  (${out.epochs} epochs, ${Math.round(out.timings.totalMs)} ms, ${out.backend.name})`,
  );
}
console.log(`mean ± std over ${folds.length} folds:`);
for (const n of names) {
  const v = results.map((r) => r[n]);
  console.log(`  ${n.padEnd(10)} ${mean(v).toFixed(3)} ± ${sampleStandardDeviation(v).toFixed(3)}`);
}
