import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DatasetError } from '../errors.js';
import { datasetHash, decodeDataset, encodeDataset } from './binary.js';
import { parseCsvDataset, parseCsvFeatures, readCsvDataset } from './csv.js';

const CSV = `age,city,income,churn
34,Paris,1200.5,no
,Lyon,NA,yes
51,?,3000,no
29,Paris,null,no
47,Nice,2500,yes
`;

function expectDatasetError(
  fn: () => unknown,
  match: RegExp,
  fields: Partial<DatasetError> = {},
): DatasetError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof DatasetError, `expected DatasetError, got ${caught}`);
  assert.match(caught.message, match);
  for (const [k, v] of Object.entries(fields))
    assert.equal((caught as unknown as Record<string, unknown>)[k], v, k);
  return caught;
}

describe('CSV datasets', () => {
  it('infers numeric and categorical columns, recognises missing values and maps labels', () => {
    const ds = parseCsvDataset(CSV, { label: 'churn' }, 'churn.csv');
    assert.deepEqual(ds.classes, { label: 'churn', positive: 'yes', negative: 'no' });
    assert.deepEqual([...ds.labels], [0, 1, 0, 0, 1]);
    const [age, city, income] = ds.columns;
    assert.equal(age?.kind, 'numeric');
    assert.equal(city?.kind, 'categorical');
    assert.equal(income?.kind, 'numeric');
    if (age?.kind !== 'numeric' || city?.kind !== 'categorical' || income?.kind !== 'numeric') return;
    assert.ok(Number.isNaN(age.values[1]));
    assert.ok(Number.isNaN(income.values[1]) && Number.isNaN(income.values[3]));
    assert.deepEqual(city.categories, ['Paris', 'Lyon', 'Nice']);
    assert.deepEqual([...city.codes], [0, 1, -1, 0, 2]);
  });

  it('honours column overrides and an explicit positive class', () => {
    const ds = parseCsvDataset(CSV, {
      label: 'churn',
      positive: 'no',
      columns: { age: 'categorical', city: 'ignore' },
    });
    assert.equal(ds.classes.positive, 'no');
    assert.deepEqual(
      ds.columns.map((c) => `${c.name}:${c.kind}`),
      ['age:categorical', 'income:numeric'],
    );
  });

  it('reports a missing file', () => {
    expectDatasetError(() => readCsvDataset('/nonexistent/data.csv', { label: 'y' }), /file not found/, {
      file: '/nonexistent/data.csv',
    });
  });

  it('reports an empty file and a header without rows', () => {
    expectDatasetError(() => parseCsvDataset('', { label: 'y' }, 'e.csv'), /e\.csv: file is empty/);
    expectDatasetError(() => parseCsvDataset('a,y\n', { label: 'y' }, 'h.csv'), /no data rows/);
  });

  it('reports a missing label column and lists the columns', () => {
    expectDatasetError(
      () => parseCsvDataset(CSV, { label: 'target' }, 'd.csv'),
      /label column 'target' not found.*'age', 'city'/,
    );
  });

  it('names the label values found when there are not exactly two classes', () => {
    const three = 'x,y\n1,a\n2,b\n3,c\n4,a\n';
    expectDatasetError(
      () => parseCsvDataset(three, { label: 'y' }),
      /exactly two values.*found 3: 'a \(2 rows\)', 'b \(1 rows\)'/,
    );
    const one = 'x,y\n1,a\n2,a\n';
    expectDatasetError(() => parseCsvDataset(one, { label: 'y' }), /found 1: 'a \(2 rows\)'/);
  });

  it('asks for the positive class when it cannot be inferred, and rejects one that does not occur', () => {
    const cats = 'x,y\n1,cat\n2,dog\n';
    expectDatasetError(
      () => parseCsvDataset(cats, { label: 'y' }),
      /cannot tell which label is the positive/,
    );
    expectDatasetError(
      () => parseCsvDataset(cats, { label: 'y', positive: 'bird' }),
      /'bird' does not occur/,
    );
  });

  it('reports a missing label with its row', () => {
    expectDatasetError(
      () => parseCsvDataset('x,y\n1,0\n2,\n3,1\n', { label: 'y' }, 'm.csv'),
      /row 3, column 'y': label is missing/,
      {
        row: 3,
      },
    );
  });

  it('reports a non-numeric value in a numeric column with row and column', () => {
    const rows = ['x,y', ...Array.from({ length: 20 }, (_, i) => `${i},${i % 2}`)];
    rows[7] = 'abc,1';
    expectDatasetError(
      () => parseCsvDataset(rows.join('\n'), { label: 'y' }, 'n.csv'),
      /n\.csv, row 8, column 'x': 'abc' is not a number/,
      {
        row: 8,
        column: 'x',
      },
    );
    // A declared numeric column fails on any non-number.
    expectDatasetError(
      () => parseCsvDataset('x,y\na,0\nb,1\n', { label: 'y', columns: { x: 'numeric' } }),
      /row 2, column 'x': 'a' is not a number/,
    );
  });

  it('reports ragged rows with the line number', () => {
    expectDatasetError(
      () => parseCsvDataset('a,b,y\n1,2,0\n3,1\n', { label: 'y' }, 'r.csv'),
      /r\.csv, row 3: has 2 fields, expected 3/,
      {
        row: 3,
      },
    );
  });

  it('reports an override of an unknown column', () => {
    expectDatasetError(
      () => parseCsvDataset(CSV, { label: 'churn', columns: { nope: 'numeric' } }),
      /'nope', which is not in the header/,
    );
  });

  it('reads predict-time features in schema order, ignoring extra columns', () => {
    const cols = parseCsvFeatures('city,age,extra\nParis,3,x\nRome,,y\n', [
      { name: 'age', kind: 'numeric' },
      { name: 'city', kind: 'categorical' },
    ]);
    assert.deepEqual(
      cols.map((c) => c.name),
      ['age', 'city'],
    );
    expectDatasetError(
      () => parseCsvFeatures('city\nParis\n', [{ name: 'age', kind: 'numeric' }], {}, 'p.csv'),
      /p\.csv: missing column 'age' that the model was trained on/,
    );
  });

  it('round-trips the canonical binary form with a stable content hash', () => {
    const ds = parseCsvDataset(CSV, { label: 'churn' });
    const bytes = encodeDataset(ds);
    const back = decodeDataset(bytes);
    assert.deepEqual(back, ds);
    assert.equal(datasetHash(back), datasetHash(ds));
    assert.match(datasetHash(ds), /^[0-9a-f]{64}$/);
    const other = parseCsvDataset(CSV.replace('1200.5', '1200.6'), { label: 'churn' });
    assert.notEqual(datasetHash(other), datasetHash(ds));
    assert.throws(() => decodeDataset(new Uint8Array([1, 2, 3])), DatasetError);
    // A Buffer from fs shares Node's pool; decoding must copy, not view, each block.
    const pooled = Buffer.concat([Buffer.from('padding'), Buffer.from(bytes)]).subarray(7);
    assert.deepEqual(decodeDataset(pooled), ds);
  });

  it('reads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-csv-'));
    const file = join(dir, 'd.csv');
    writeFileSync(file, CSV);
    assert.equal(readCsvDataset(file, { label: 'churn' }).labels.length, 5);
  });
});
