import { CLIENT_SCRIPT, echartsScript, esc, STYLES, studyCards } from './html.js';

const DASHBOARD_STYLES = `${STYLES}
body{margin:0}header{display:flex;align-items:center;gap:16px;padding:12px 24px;background:#fff;border-bottom:1px solid #e3e3e3}
header h1{flex:1}#status{color:#666;font-size:13px}#status.down{color:#b3261e}
.layout{display:grid;grid-template-columns:300px 1fr;gap:16px;padding:16px 24px}
#studies a{display:block;padding:6px 8px;border-radius:6px;color:#222;text-decoration:none;font-size:13px}
#studies a.selected{background:#e8f0fe}#studies .state{float:right;color:#666}
#studies .sub{color:#777;font-size:11px}
button{font:inherit;padding:4px 10px}form.login{max-width:420px;margin:80px auto}
form.login input{width:100%;box-sizing:border-box;padding:8px;margin:8px 0;font-family:monospace}
.error{color:#b3261e}
`;

/** The live dashboard: a study list and, for the selected study, the report's cards, updated by SSE. */
export function dashboardPage(opts: { logout: boolean }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hpo dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${DASHBOARD_STYLES}</style></head><body>
<header><h1>hpo dashboard</h1><span id="status">connecting…</span>${opts.logout ? '<form method="post" action="/logout"><button>log out</button></form>' : ''}</header>
<div class="layout">
<div><div class="card"><h2>Studies</h2><div id="studies"><p class="sub">no studies yet</p></div></div></div>
<div id="study-view">
<p id="pick" class="sub">Pick a study on the left.</p>
<div id="study" hidden>
<div class="card"><h2 id="study-title"></h2><div class="meta" id="study-meta"></div></div>
<div class="card"><h2>Running now</h2><table id="running"><thead><tr><th>trial</th><th>fold</th><th>state</th><th>worker</th><th>for</th></tr></thead><tbody></tbody></table></div>
${studyCards('objective')}
</div></div></div>
<script>${echartsScript()}</script>
<script>${CLIENT_SCRIPT}</script>
<script>${DASHBOARD_SCRIPT}</script>
</body></html>
`;
}

/** Asks for a token; the session it opens is an HttpOnly cookie. */
export function loginPage(error?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hpo dashboard: log in</title>
<style>${DASHBOARD_STYLES}</style></head><body>
<form class="login card" method="post" action="/login">
<h2>hpo dashboard</h2>
<label for="token">API token (from the coordinator's auth file)</label>
<input id="token" name="token" type="password" autocomplete="off" required>
${error ? `<p class="error" id="login-error">${esc(error)}</p>` : ''}
<button type="submit">log in</button>
</form></body></html>
`;
}

/** Runs in the browser: follows /api/stream for the list and the study named in the URL's hash. */
const DASHBOARD_SCRIPT = `
(function () {
  var esc = hpoReport.esc, fmt = hpoReport.fmt;
  var source, selected;
  var status = document.getElementById('status');
  function selectedId() {
    var m = /^#study=(.+)$/.exec(location.hash);
    try { return m ? decodeURIComponent(m[1]) : undefined; } catch (e) { return undefined; }
  }
  function since(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 120 ? s + ' s' : Math.round(s / 60) + ' min';
  }
  function renderList(studies) {
    var el = document.getElementById('studies');
    el.innerHTML = studies.length ? studies.slice().reverse().map(function (s) {
      return '<a href="#study=' + encodeURIComponent(s.id) + '" data-study="' + esc(s.id) + '"' + (s.id === selected ? ' class="selected"' : '') + '>' +
        esc(s.name) + ' <span class="state">' + esc(s.state) + '</span><div class="sub">' + esc(s.id) + ' · ' + s.finished + '/' + s.budget + ' trials · best ' + esc(s.metric) + ' ' + fmt(s.best === null ? undefined : s.best) + '</div></a>';
    }).join('') : '<p class="sub">no studies yet</p>';
    document.body.setAttribute('data-studies', String(studies.length));
  }
  function renderStudy(view) {
    var d = view.report;
    document.getElementById('pick').hidden = true;
    document.getElementById('study').hidden = false;
    document.getElementById('study-title').textContent = 'Study ' + d.study;
    var done = d.trials.filter(function (t) { return t.value !== null; }).length;
    document.getElementById('study-meta').textContent = 'objective ' + d.objective.metric + ' (' + d.objective.direction + ') · ' +
      d.trials.length + ' trials, ' + done + ' with a value · threshold ' + d.threshold + ' · updated ' + new Date().toLocaleTimeString();
    document.querySelector('#leaderboard thead th:nth-child(4)').textContent = d.objective.metric;
    document.querySelector('#running tbody').innerHTML = view.running.length ? view.running.map(function (r) {
      return '<tr><td>' + r.trial + '</td><td>' + esc(r.fold === 'refit' ? 'refit' : r.fold + 1) + '</td><td>' + esc(r.state) + '</td><td>' + esc(r.worker || '—') + '</td><td>' + since(r.since) + '</td></tr>';
    }).join('') : '<tr><td colspan="5">nothing</td></tr>';
    hpoReport.draw(d);
    document.body.setAttribute('data-study', d.study);
    document.body.setAttribute('data-trials-done', String(done));
    document.body.setAttribute('data-running', String(view.running.length));
  }
  function connect() {
    if (source) source.close();
    selected = selectedId();
    var links = document.querySelectorAll('#studies a');
    for (var i = 0; i < links.length; i++) links[i].classList.toggle('selected', links[i].getAttribute('data-study') === selected);
    if (!selected) { document.getElementById('study').hidden = true; document.getElementById('pick').hidden = false; }
    source = new EventSource('/api/stream' + (selected ? '?study=' + encodeURIComponent(selected) : ''));
    source.addEventListener('open', function () { status.textContent = 'live'; status.className = ''; });
    source.addEventListener('error', function () {
      status.textContent = 'reconnecting…'; status.className = 'down';
      // A session the server no longer knows (it restarted, or the token was revoked): log in again.
      fetch('/api/studies').then(function (r) { if (r.status === 401) location.reload(); }, function () {});
    });
    source.addEventListener('studies', function (e) { renderList(JSON.parse(e.data)); document.body.setAttribute('data-live', 'true'); });
    source.addEventListener('study', function (e) { renderStudy(JSON.parse(e.data)); });
    source.addEventListener('failure', function (e) {
      status.textContent = JSON.parse(e.data).error; status.className = 'down';
      source.close();
    });
  }
  window.addEventListener('hashchange', connect);
  connect();
})();
`;
