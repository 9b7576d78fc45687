// Runs the hpo CLI on awkward inputs a new user might give it and prints a Markdown table:
// case → first line of what hpo said → exit code. Not a test (the tests assert each of these);
// a way to see every message at once. Usage: npm run build && node scripts/awkward-inputs.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages/cli/dist/main.js');
const dir = mkdtempSync(join(tmpdir(), 'hpo-awkward-'));

// A small table: two numeric columns, one categorical, a 0/1 label.
const rows = Array.from({ length: 80 }, (_, i) => {
  const a = ((i * 37) % 100) / 10;
  const b = ((i * 11) % 50) - 25;
  const c = ['red', 'green', 'blue'][i % 3];
  const y = a + b / 10 + (c === 'red' ? 2 : 0) > 5 ? 1 : 0;
  return { a: String(a), b: String(b), c, y: String(y) };
});
const csv = (rs, d = ',') =>
  `${['a', 'b', 'c', 'y'].join(d)}\n${rs.map((r) => [r.a, r.b, r.c, r.y].join(d)).join('\n')}\n`;
const withCell = (i, col, v) => rows.map((r, j) => (j === i ? { ...r, [col]: v } : r));

const write = (name, content) => {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
};
const spec = (name, data, extra = {}) => {
  const s = {
    name,
    dataset: { path: data, label: 'y', ...(extra.dataset ?? {}) },
    model: 'mlp',
    cv: { k: 2, seed: 1 },
    search: {
      space: { learningRate: { type: 'float', low: 0.001, high: 0.1, log: true }, ...(extra.space ?? {}) },
      fixed: { epochs: 2, layers: 1, units: 4, ...(extra.fixed ?? {}) },
    },
    budget: { trials: 1 },
  };
  return write(`${name}.json`, JSON.stringify(s));
};
const run = (args) => {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const said = (
    r.stderr.split('\n').find((l) => l.startsWith('error:')) ??
    r.stderr.split('\n').find((l) => l.trim()) ??
    ''
  ).trim();
  const hint = (r.stderr.split('\n').find((l) => l.startsWith('hint:')) ?? '').trim();
  return { code: r.status, said, hint };
};

const cases = [];
const tune = (label, data, extra, more = []) => {
  const n = cases.length;
  cases.push([
    label,
    () => run(['tune', spec(`s${n}`, data, extra), '--out', join(dir, `out${n}`), '-q', ...more]),
  ]);
};

const good = write('good.csv', csv(rows));
tune("a stray 'x' in numeric column b", write('stray.csv', csv(withCell(5, 'b', 'x'))));
tune("'inf' in numeric column b", write('inf.csv', csv(withCell(5, 'b', 'inf'))));
tune("'1e309' in numeric column b", write('overflow.csv', csv(withCell(5, 'b', '1e309'))));
tune("the same 'x' declared missing", write('stray2.csv', csv(withCell(5, 'b', 'x'))), {
  dataset: { missing: ['', 'x'] },
});
tune('semicolon-separated file', write('semi.csv', csv(rows, ';')));
tune('tab-separated file', write('tab.tsv', csv(rows, '\t')));
tune("semicolon file with dataset.delimiter ','", write('semi2.csv', csv(rows, ';')), {
  dataset: { delimiter: ',' },
});
tune(
  'UTF-8 with a byte-order mark',
  write('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv(rows))])),
);
tune(
  'UTF-16 LE with a byte-order mark',
  write('u16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv(rows), 'utf16le')])),
);
tune('UTF-16 LE without a byte-order mark', write('u16nobom.csv', Buffer.from(csv(rows), 'utf16le')));
const latin = csv(withCell(3, 'c', 'rosé')).replaceAll('green', 'grün');
tune('Latin-1 bytes', write('latin1.csv', Buffer.from(latin, 'latin1')));
tune('Latin-1 bytes with dataset.encoding: latin1', write('latin1b.csv', Buffer.from(latin, 'latin1')), {
  dataset: { encoding: 'latin1' },
});
const comma = rows.map((r) => ({ ...r, a: r.a.replace('.', ',') }));
tune("decimal commas in a ';' file", write('dec.csv', csv(comma, ';')));
tune("decimal commas with dataset.decimal: ','", write('dec2.csv', csv(comma, ';')), {
  dataset: { decimal: ',' },
});
tune('a ragged row', write('ragged.csv', `${csv(rows)}1,2\n`));
tune("label column 'y' absent", write('nolabel.csv', csv(rows).replace('a,b,c,y', 'a,b,c,target')));
tune('scaler choices [standard, robust]', good, {
  space: { scaler: { type: 'categorical', choices: ['standard', 'robust'] } },
});
tune('fixed activation: sigmoidx', good, { fixed: { activation: 'sigmoidx' } });
tune('fixed epochs: -1', good, { fixed: { epochs: -1 } });
tune('fixed units: 1e9', good, { fixed: { units: 1e9 } });
tune('range low > high', good, { space: { dropout: { type: 'float', low: 0.5, high: 0.1 } } });
tune('log range with low 0', good, { space: { l2: { type: 'float', low: 0, high: 0.1, log: true } } });
tune("misspelt parameter 'learning_rate'", good, { fixed: { learning_rate: 0.01 } });

// A study to resume and predict with.
const study = join(dir, 'study');
cases.push(['a good study (reference)', () => run(['tune', spec('ok', good), '--out', study, '-q'])]);
cases.push([
  'resume after a torn last line, twice',
  () => {
    const log = join(study, 'events.jsonl');
    const text = readFileSync(log, 'utf8');
    writeFileSync(log, text.slice(0, text.length - 40));
    const first = run(['tune', '--resume', study, '-q']);
    const second = run(['tune', '--resume', study, '-q']);
    return { ...second, said: `first resume exit ${first.code}; second: ${second.said || '(ok)'}` };
  },
]);
cases.push([
  'resume with a corrupt line in the middle',
  () => {
    const copy = join(dir, 'corrupt');
    mkdirSync(copy);
    for (const f of readdirSync(study))
      if (f.endsWith('.bin')) writeFileSync(join(copy, f), readFileSync(join(study, f)));
    const lines = readFileSync(join(study, 'events.jsonl'), 'utf8').split('\n');
    lines[2] = lines[2].slice(0, 10);
    writeFileSync(join(copy, 'events.jsonl'), lines.join('\n'));
    return run(['tune', '--resume', copy, '-q']);
  },
]);
const input = write(
  'new.csv',
  `id,a,b,c,y\n${rows
    .slice(0, 3)
    .map((r, i) => `r${i},${r.a},${r.b},${r.c},${r.y}`)
    .join('\n')}\n`,
);
cases.push([
  'predict: output columns',
  () => {
    const r = spawnSync(
      process.execPath,
      [cli, 'predict', '--model', join(study, 'model'), '--input', input],
      { encoding: 'utf8' },
    );
    return { code: r.status, said: `header: ${r.stdout.split('\n')[0]}`, hint: '' };
  },
]);
cases.push(['predict --model <study dir>', () => run(['predict', '--model', study, '--input', input])]);
cases.push([
  'predict --model <missing dir>',
  () => run(['predict', '--model', join(dir, 'nope'), '--input', input]),
]);
cases.push([
  'predict --output nodir/x.csv',
  () => run(['predict', '--model', join(study, 'model'), '--input', input, '--output', 'nodir/x.csv']),
]);

const esc = (s) => s.replaceAll('|', '\\|').replaceAll(dir, '…');
console.log('| input | what hpo says | exit |');
console.log('|---|---|---|');
for (const [label, fn] of cases) {
  const r = fn();
  const text = [r.said, r.hint].filter(Boolean).join(' / ') || '(ok)';
  console.log(`| ${esc(label)} | ${esc(text)} | ${r.code} |`);
}
const leftovers = readdirSync(dir).filter((f) => f.startsWith('out') && existsSync(join(dir, f)));
console.log(
  `\nstudy directories left by refused specs: ${leftovers.filter((f) => !existsSync(join(dir, f, 'events.jsonl'))).length}`,
);
