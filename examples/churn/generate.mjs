// Generates churn.csv, the bundled quickstart dataset: a synthetic telecom churn table with
// missing values, categorical columns and ~16% positives. Deterministic; run with
// `node examples/churn/generate.mjs` after `npm run build`.
import { writeFileSync } from 'node:fs';
import { Rng } from '@hpo/core';

const rng = new Rng('churn-example');
const rows = [
  'customer_id,tenure_months,monthly_charges,total_charges,contract,payment_method,internet,support_calls,age,has_partner,churn',
];
const contracts = ['month-to-month', 'one-year', 'two-year'];
const payments = ['card', 'bank-transfer', 'electronic-check', 'mailed-check'];
const internet = ['fiber', 'dsl', 'none'];
for (let i = 0; i < 2400; i++) {
  const contract = rng.next() < 0.55 ? 0 : rng.next() < 0.6 ? 1 : 2;
  const tenure = Math.max(1, Math.round(contract === 0 ? rng.uniform(1, 36) : rng.uniform(6, 72)));
  const net = rng.next() < 0.45 ? 0 : rng.next() < 0.7 ? 1 : 2;
  const monthly = Math.round((net === 0 ? 85 : net === 1 ? 55 : 25) + rng.normal(0, 12));
  const total = Math.round(monthly * tenure * (0.95 + 0.1 * rng.next()));
  const payment = rng.int(4);
  const calls = Math.max(0, Math.round(rng.normal(1.5, 1.3) + (rng.next() < 0.1 ? 3 : 0)));
  const age = Math.round(Math.min(85, Math.max(18, rng.normal(45, 14))));
  const partner = rng.next() < 0.5;
  const logit =
    -2.6 +
    (contract === 0 ? 1.7 : contract === 1 ? 0.2 : -1.2) -
    0.035 * tenure +
    0.012 * (monthly - 60) +
    (payment === 2 ? 0.7 : 0) +
    0.35 * calls +
    (net === 0 ? 0.4 : 0) +
    (partner ? -0.3 : 0) +
    rng.normal(0, 0.4);
  const churn = rng.next() < 1 / (1 + Math.exp(-logit)) ? 'yes' : 'no';
  const maybe = (v, p) => (rng.next() < p ? (rng.next() < 0.5 ? 'NA' : '') : v);
  rows.push(
    [
      `C${String(10000 + i)}`,
      tenure,
      maybe(monthly, 0.03),
      maybe(total, 0.06),
      contracts[contract],
      maybe(payments[payment], 0.05).replace(/^NA$/, '?'),
      internet[net],
      maybe(calls, 0.04),
      maybe(age, 0.08),
      partner ? 'yes' : 'no',
      churn,
    ].join(','),
  );
}
writeFileSync(new URL('./churn.csv', import.meta.url), `${rows.join('\n')}\n`);
const positives = rows.filter((r) => r.endsWith(',yes')).length;
console.log(
  `wrote ${rows.length - 1} rows, ${positives} churned (${((100 * positives) / (rows.length - 1)).toFixed(1)}%)`,
);
