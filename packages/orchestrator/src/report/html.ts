import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReportData } from './data.js';

/** The charts of the report, in page order: element id and title. */
export const CHARTS = [
  ['history', 'Optimization history'],
  ['importance', 'Parameter importance'],
  ['parallel', 'Parallel coordinates'],
  ['roc', 'ROC curve of the best trial'],
  ['pr', 'Precision–recall curve of the best trial'],
  ['confusion', 'Confusion matrix of the best trial'],
  ['spread', 'Fold spread of the top trials'],
] as const;

/** Apache ECharts' minified build, read once (it is inlined: no page makes a network request). */
let echartsSource: string | undefined;
export function echartsScript(): string {
  echartsSource ??= readFileSync(
    createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'),
    'utf8',
  );
  return echartsSource;
}

/** JSON for a `<script type="application/json">` block (no `</script>` can end it early). */
export function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/** The page's styles, shared by the report and the dashboard. */
export const STYLES = `
body{font-family:system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}.meta{color:#666;margin-bottom:16px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:12px;margin-bottom:16px}
.card h2{font-size:15px;margin:0 0 8px}.chart{height:340px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left}
td.params{font-family:monospace;font-size:11px;color:#555}
`;

/** The leaderboard card and chart cards (filled by the client script's `hpoReport.draw`). */
export function studyCards(metric: string): string {
  return `<div class="card"><h2>Leaderboard</h2><table id="leaderboard"><thead><tr><th>#</th><th>trial</th><th>state</th><th>${esc(metric)}</th><th>ROC AUC</th><th>PR AUC</th><th>F1</th><th>precision</th><th>recall</th><th>params</th></tr></thead><tbody></tbody></table></div>
<div class="grid">
${CHARTS.map(([id, title]) => `<div class="card"><h2>${title}<span class="best-trial" data-chart="${id}"></span></h2><div class="chart" id="chart-${id}"></div></div>`).join('\n')}
</div>`;
}

/**
 * One self-contained HTML page: the study's data as JSON, Apache ECharts inlined (no network
 * needed to view it), and the client script drawing the leaderboard and each chart as SVG.
 */
export function renderReport(data: ReportData): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hpo report: ${esc(data.study)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLES}</style></head><body>
<h1>Study ${esc(data.study)}</h1>
<div class="meta">objective ${esc(data.objective.metric)} (${data.objective.direction}) · ${data.trials.length} trials · threshold ${data.threshold} · generated ${esc(data.generatedAt)}</div>
${estimateCard(data)}
${studyCards(data.objective.metric)}
<script>${echartsScript()}</script>
<script>${CLIENT_SCRIPT}</script>
<script type="application/json" id="report-data">${inlineJson(data)}</script>
<script>
hpoReport.draw(JSON.parse(document.getElementById('report-data').textContent));
document.body.setAttribute('data-rendered', 'true');
</script>
</body></html>
`;
}

/** The saved model's estimate: CV next to held-out test, the decision threshold, calibration. */
function estimateCard(data: ReportData): string {
  const e = data.estimate;
  if (!e) return '';
  const names: [string, string][] = [
    ['rocAuc', 'ROC AUC'],
    ['prAuc', 'PR AUC'],
    ['f1', 'F1'],
    ['precision', 'precision'],
    ['recall', 'recall'],
    ['logLoss', 'log loss'],
  ];
  const rows = names
    .map(
      ([k, label]) =>
        `<tr><td>${label}</td><td>${fmt(e.cv[k]?.mean)} ± ${fmt(e.cv[k]?.std)}</td><td>${e.test ? fmt(e.test.metrics[k]) : '—'}</td></tr>`,
    )
    .join('');
  const cal = (
    c: { brier: { before: number; after: number }; ece: { before: number; after: number } } | null,
  ) =>
    c
      ? `Brier ${fmt(c.brier.before)} → ${fmt(c.brier.after)}, ECE ${fmt(c.ece.before)} → ${fmt(c.ece.after)}`
      : '—';
  const d = e.decision;
  return `<div class="card" id="estimate"><h2>Final estimate (model of trial ${e.trial})</h2>
<table><thead><tr><th>metric</th><th>cross-validated (at threshold ${data.threshold}; the best of ${data.trials.length} trials, so optimistic)</th><th>held-out test${e.test ? ` (${e.test.rows} rows, used once; threshold ${fmt(e.test.threshold)}, calibrated)` : ': none (set cv.holdout or dataset.test)'}</th></tr></thead><tbody>${rows}</tbody></table>
<p>Decision threshold: ${d ? `${fmt(d.threshold)} (${esc(d.rule)}${d.reached ? '' : ', target not reached'}; out of fold precision ${fmt(d.precision)}, recall ${fmt(d.recall)}, F1 ${fmt(d.f1)})` : '—'}.
Calibration: ${esc(e.calibration.method)}${e.calibration.method === 'none' ? '' : `; out of fold ${cal(e.calibration.outOfFold)}; test ${cal(e.calibration.test)}`}.</p></div>`;
}

/** Escapes text for HTML content and quoted attributes. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(v: number | undefined): string {
  return v === undefined || Number.isNaN(v) ? '—' : v.toFixed(3);
}

/**
 * Runs in the browser: hpoReport.draw(data) fills the leaderboard and draws every chart from
 * a ReportData; called again with newer data (the dashboard), it redraws in place.
 */
export const CLIENT_SCRIPT = `
var hpoReport = (function () {
  var charts = {};
  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function fmt(v) { return v === undefined || v === null || v !== v ? '—' : v.toFixed(3); }
  function paramText(p) {
    return Object.keys(p).map(function (k) { var v = p[k]; return k + '=' + (typeof v === 'number' && v % 1 !== 0 ? v.toPrecision(3) : v); }).join(' ');
  }
  function chart(id, option) {
    var el = document.getElementById('chart-' + id);
    var c = charts[id];
    if (!c) {
      c = charts[id] = echarts.init(el, null, { renderer: 'svg' });
      window.addEventListener('resize', function () { c.resize(); });
    }
    option.animation = false;
    c.setOption(option, true);
  }
  function leaderboard(d) {
    var metric = d.objective.metric, sign = d.objective.direction === 'maximize' ? -1 : 1;
    var rows = d.trials.filter(function (t) { return t.value !== null; })
      .sort(function (a, b) { return sign * (a.value - b.value) || a.trial - b.trial; }).slice(0, 15);
    document.querySelector('#leaderboard tbody').innerHTML = rows.map(function (t, i) {
      var m = t.metrics;
      return '<tr><td>' + (i + 1) + '</td><td>' + t.trial + '</td><td>' + esc(t.state) + '</td><td>' + fmt(m[metric] && m[metric].mean) + ' ± ' + fmt(m[metric] && m[metric].std) + '</td>' +
        ['rocAuc', 'prAuc', 'f1', 'precision', 'recall'].map(function (k) { return '<td>' + fmt(m[k] && m[k].mean) + '</td>'; }).join('') +
        '<td class="params">' + esc(paramText(t.params)) + '</td></tr>';
    }).join('');
  }
  function draw(d) {
  function emptyChart() { return { title: { text: 'no complete trial yet', left: 'center', top: 'middle', textStyle: { fontSize: 14, color: '#888' } }, xAxis: { show: false }, yAxis: { show: false }, series: [] }; }
  leaderboard(d);
  var marks = document.querySelectorAll('.best-trial');
  for (var i = 0; i < marks.length; i++) {
    var id = marks[i].getAttribute('data-chart');
    marks[i].textContent = d.best && (id === 'roc' || id === 'pr' || id === 'confusion') ? ' (trial ' + d.best.trial + ')' : '';
  }
  var metric = d.objective.metric;
  var grid = { left: 56, right: 24, top: 40, bottom: 48 };
  chart('history', !d.history.length ? emptyChart() : {
    grid: grid, tooltip: { trigger: 'item' }, legend: { top: 0 },
    xAxis: { type: 'value', name: 'trial', nameLocation: 'middle', nameGap: 28, minInterval: 1 },
    yAxis: { type: 'value', name: metric, scale: true },
    series: [
      { name: 'complete', type: 'scatter', data: d.history.filter(function (h) { return h.state === 'complete'; }).map(function (h) { return [h.trial, h.value]; }) },
      { name: 'pruned', type: 'scatter', symbol: 'triangle', data: d.history.filter(function (h) { return h.state === 'pruned'; }).map(function (h) { return [h.trial, h.value]; }) },
      { name: 'best so far', type: 'line', step: 'end', showSymbol: false, data: d.history.filter(function (h) { return h.best === h.best; }).map(function (h) { return [h.trial, h.best]; }) }
    ]
  });
  chart('importance', !d.importance.length || !d.parallel.rows.length ? emptyChart() : {
    grid: { left: 120, right: 24, top: 16, bottom: 40 }, tooltip: {},
    xAxis: { type: 'value', name: 'share of variance explained', nameLocation: 'middle', nameGap: 26, max: 1 },
    yAxis: { type: 'category', data: d.importance.map(function (p) { return p.param; }).reverse() },
    series: [{ type: 'bar', data: d.importance.map(function (p) { return +p.score.toFixed(4); }).reverse() }]
  });
  var axes = d.parallel.axes.map(function (a, i) {
    return a.categories ? { dim: i, name: a.name, type: 'category', data: a.categories } : { dim: i, name: a.name, scale: true };
  });
  chart('parallel', !d.parallel.rows.length ? emptyChart() : {
    parallelAxis: axes, parallel: { left: 40, right: 60, top: 40, bottom: 30 },
    visualMap: { show: false, dimension: axes.length - 1, min: Math.min.apply(null, d.parallel.rows.map(function (r) { return r[r.length - 1]; }).concat([0])), max: Math.max.apply(null, d.parallel.rows.map(function (r) { return r[r.length - 1]; }).concat([1])), inRange: { color: ['#d94e5d', '#eac736', '#50a3ba'].reverse() } },
    series: [{ type: 'parallel', lineStyle: { width: 1.5, opacity: 0.6 }, data: d.parallel.rows }]
  });
  function curveSeries(curves, mean, xKey, yKey, pooled, test) {
    var s = curves.map(function (c) {
      return { name: 'fold ' + c.fold, type: 'line', showSymbol: false, lineStyle: { width: 1, opacity: 0.5 }, data: c[xKey].map(function (x, j) { return [x, c[yKey][j]]; }) };
    });
    if (mean) s.push({ name: 'mean', type: 'line', showSymbol: false, lineStyle: { width: 3 }, data: mean[xKey].map(function (x, j) { return [x, mean[yKey][j]]; }) });
    if (pooled) s.push({ name: 'pooled out of fold', type: 'line', showSymbol: false, lineStyle: { width: 2, type: 'dotted' }, data: pooled[xKey].map(function (x, j) { return [x, pooled[yKey][j]]; }) });
    if (test) s.push({ name: 'held-out test (model)', type: 'line', showSymbol: false, lineStyle: { width: 2, type: 'dashed' }, data: test[xKey].map(function (x, j) { return [x, test[yKey][j]]; }) });
    return s;
  }
  var b = d.best;
  chart('roc', b ? {
    grid: grid, tooltip: { trigger: 'axis' }, legend: { top: 0, type: 'scroll' },
    xAxis: { type: 'value', name: 'false positive rate', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
    yAxis: { type: 'value', name: 'true positive rate', min: 0, max: 1 },
    series: curveSeries(b.roc.folds, b.roc.mean, 'fpr', 'tpr', b.roc.pooled, b.roc.test).concat([{ name: 'chance', type: 'line', showSymbol: false, lineStyle: { type: 'dashed', color: '#aaa' }, data: [[0, 0], [1, 1]] }])
  } : emptyChart());
  chart('pr', b ? {
    grid: grid, tooltip: { trigger: 'axis' }, legend: { top: 0, type: 'scroll' },
    xAxis: { type: 'value', name: 'recall', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
    yAxis: { type: 'value', name: 'precision', min: 0, max: 1 },
    series: curveSeries(b.pr.folds, b.pr.mean, 'recall', 'precision', b.pr.pooled, b.pr.test)
  } : emptyChart());
  chart('confusion', b ? {
    tooltip: {}, grid: { left: 110, right: 40, top: 30, bottom: 60 },
    xAxis: { type: 'category', data: ['predicted negative', 'predicted positive'], name: 'threshold ' + d.threshold, nameLocation: 'middle', nameGap: 34 },
    yAxis: { type: 'category', data: ['actual positive', 'actual negative'] },
    visualMap: { show: false, min: 0, max: Math.max(b.confusion.tp, b.confusion.fp, b.confusion.tn, b.confusion.fn, 1), inRange: { color: ['#f3f7fb', '#2c6fbb'] } },
    series: [{ type: 'heatmap', label: { show: true, fontSize: 16 }, data: [[0, 0, b.confusion.fn], [1, 0, b.confusion.tp], [0, 1, b.confusion.tn], [1, 1, b.confusion.fp]] }]
  } : emptyChart());
  function quartiles(xs) {
    var s = xs.slice().sort(function (a, b) { return a - b; });
    function q(p) { var i = (s.length - 1) * p, lo = Math.floor(i), hi = Math.ceil(i); return s[lo] + (s[hi] - s[lo]) * (i - lo); }
    return [s[0], q(0.25), q(0.5), q(0.75), s[s.length - 1]];
  }
  chart('spread', d.spread.length ? {
    grid: grid, tooltip: {},
    xAxis: { type: 'category', name: 'trial', nameLocation: 'middle', nameGap: 28, data: d.spread.map(function (t) { return String(t.trial); }) },
    yAxis: { type: 'value', name: metric, scale: true },
    series: [
      { name: 'folds', type: 'boxplot', data: d.spread.map(function (t) { return quartiles(t.folds); }) },
      { name: 'fold values', type: 'scatter', symbolSize: 6, data: d.spread.flatMap(function (t, i) { return t.folds.map(function (v) { return [i, v]; }); }) }
    ]
  } : emptyChart());
  }
  return { draw: draw, esc: esc, fmt: fmt };
})();
`;
