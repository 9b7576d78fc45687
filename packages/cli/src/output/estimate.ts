import type { StudySummary } from '@hpo/orchestrator';

/**
 * The estimate next to the leaderboard: the best trial's cross-validated metrics, the model's
 * decision threshold and calibration from the out-of-fold predictions, and the held-out test
 * metrics side by side when there is a test set.
 */
export function estimateLines(summary: StudySummary): string | undefined {
  const best = summary.best;
  if (!best) return undefined;
  const f = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(3));
  const lines: string[] = [];
  const names = ['rocAuc', 'prAuc', 'logLoss'] as const;
  const cv = names.map((n) => `${n} ${f(best.metrics[n]?.mean)} ± ${f(best.metrics[n]?.std)}`).join('  ');
  lines.push(`CV (${summary.objective.metric} selected over trials, so optimistic): ${cv}`);
  if (best.test) {
    const t = best.test;
    lines.push(
      `test (${t.rows} held-out rows, used once): ${names.map((n) => `${n} ${f(t.metrics[n])}`).join('  ')}  f1 ${f(t.metrics.f1)} precision ${f(t.metrics.precision)} recall ${f(t.metrics.recall)} at threshold ${f(t.threshold)}`,
    );
  }
  if (best.decision) {
    const d = best.decision;
    lines.push(
      `decision threshold ${f(d.threshold)} (${d.rule}${d.reached ? '' : ', target not reached'}; out of fold: precision ${f(d.precision)} recall ${f(d.recall)} f1 ${f(d.f1)}): hpo predict --threshold auto`,
    );
  }
  const c = best.outOfFold?.calibration;
  if (c && c.method !== 'none') {
    lines.push(
      `calibration ${c.method}: out of fold Brier ${f(c.brier.before)} → ${f(c.brier.after)}, ECE ${f(c.ece.before)} → ${f(c.ece.after)}${best.test ? `; test Brier ${f(best.test.calibration.brier.before)} → ${f(best.test.calibration.brier.after)}, ECE ${f(best.test.calibration.ece.before)} → ${f(best.test.calibration.ece.after)}` : ''}`,
    );
  }
  return lines.join('\n');
}
