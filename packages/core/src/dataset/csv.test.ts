import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DatasetError } from '../errors.js';
import { datasetHash, decodeDataset, encodeDataset } from './binary.js';
import { parseCsvDataset, parseCsvFeatures, readCsvDataset, readCsvFeatures } from './csv.js';
import { decodeCsv, detectDelimiter } from './dialect.js';

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
    // The canonical form holds the data, not the report of how the CSV was read.
    const { report, ...ds } = parseCsvDataset(CSV, { label: 'churn' });
    assert.ok(report);
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

  it('refuses a blob whose categorical column repeats a category or has a code out of range, naming it', () => {
    const { report: _r, ...ds } = parseCsvDataset(CSV, { label: 'churn' });
    const col = ds.columns.find((c) => c.kind === 'categorical')!;
    assert.equal(col.kind, 'categorical');
    if (col.kind !== 'categorical') return;
    const twice = {
      ...ds,
      columns: ds.columns.map((c) =>
        c === col ? { ...col, categories: [...col.categories, col.categories[0]!] } : c,
      ),
    };
    assert.throws(
      () => decodeDataset(encodeDataset(twice), 'b.bin'),
      (err: unknown) => {
        assert.ok(err instanceof DatasetError);
        assert.match(
          err.message,
          new RegExp(`column "${col.name}" lists a category twice: "${col.categories[0]}"`),
        );
        return true;
      },
    );
    const withCodes = (codes: Int32Array) => ({
      ...ds,
      columns: ds.columns.map((c) => (c === col ? { ...col, codes } : c)),
    });
    const high = Int32Array.from(col.codes);
    high[2] = col.categories.length;
    assert.throws(
      () => decodeDataset(encodeDataset(withCodes(high)), 'b.bin'),
      new RegExp(`column "${col.name}", data row 3: category code ${col.categories.length} is outside`),
    );
    const low = Int32Array.from(col.codes);
    low[0] = -2;
    assert.throws(
      () => decodeDataset(encodeDataset(withCodes(low)), 'b.bin'),
      new RegExp(`column "${col.name}", data row 1: category code -2 is outside`),
    );
    // Missing (-1) is a valid code.
    const missing = Int32Array.from(col.codes);
    missing[1] = -1;
    assert.equal(decodeDataset(encodeDataset(withCodes(missing))).labels.length, ds.labels.length);
    // A column shorter than the labels would read its last rows as missing: refused.
    assert.throws(
      () => decodeDataset(encodeDataset(withCodes(col.codes.subarray(0, 3))), 'b.bin'),
      new RegExp(`column "${col.name}" has 3 values for ${ds.labels.length} rows`),
    );
    const num = ds.columns.find((c) => c.kind === 'numeric')!;
    if (num.kind !== 'numeric') return;
    const shortNumeric = {
      ...ds,
      columns: ds.columns.map((c) => (c === num ? { ...num, values: num.values.subarray(1) } : c)),
    };
    assert.throws(
      () => decodeDataset(encodeDataset(shortNumeric), 'b.bin'),
      new RegExp(`column "${num.name}" has ${ds.labels.length - 1} values`),
    );
    const notStrings = {
      ...ds,
      columns: ds.columns.map((c) =>
        c === col ? { ...col, categories: col.categories.map((_, i) => i) } : c,
      ),
    } as unknown as typeof ds;
    assert.throws(
      () => decodeDataset(encodeDataset(notStrings), 'b.bin'),
      new RegExp(`column "${col.name}": categories must be a list of strings`),
    );
  });

  it('round-trips an images blob and refuses one whose pixels do not fill its images', () => {
    const images = {
      kind: 'images' as const,
      classes: { label: 'class', positive: 'yes', negative: 'no' },
      shape: [2, 2, 1] as [number, number, number],
      pixels: Float32Array.from({ length: 12 }, (_, i) => i / 12),
      pixelScale: 255,
      labels: Uint8Array.from([0, 1, 0]),
    };
    assert.deepEqual(decodeDataset(encodeDataset(images)), images);
    assert.throws(
      () => decodeDataset(encodeDataset({ ...images, pixels: images.pixels.subarray(0, 8) }), 'i.bin'),
      /images blob holds 8 pixel values for 3 images of 2×2×1 \(12 expected\)/,
    );
  });

  it('refuses a blob whose header is no dataset, or lacks a block or its columns, with a DatasetError', () => {
    const blob = (header: unknown) => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const real = encodeDataset(parseCsvDataset(CSV, { label: 'churn' }));
      const magic = real.subarray(0, real.indexOf(0) + 1);
      const out = new Uint8Array(magic.length + 4 + json.length);
      out.set(magic);
      new DataView(out.buffer).setUint32(magic.length, json.length, true);
      out.set(json, magic.length + 4);
      return out;
    };
    const classes = { label: 'y', positive: '1', negative: '0' };
    const labels = { offset: 0, length: 0 };
    for (const [header, message] of [
      [null, /must be an object of kind 'tabular' or 'images'/],
      [{ kind: 'audio', classes, rows: 0, labels }, /of kind 'tabular' or 'images'/],
      [{ kind: 'tabular', classes, rows: 0 }, /lacks a block/],
      [{ kind: 'tabular', classes, rows: 0, labels: { offset: -8, length: 0 } }, /whole offset and length/],
      [{ kind: 'tabular', classes, rows: 0, labels }, /lacks its columns/],
      [{ kind: 'images', classes, rows: 0, labels, shape: [2, 2, 1] }, /lacks a block/],
    ] as const) {
      assert.throws(
        () => decodeDataset(blob(header), 'h.bin'),
        (err: unknown) => err instanceof DatasetError && message.test(err.message),
        JSON.stringify(header),
      );
    }
  });

  it('reads a file from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-csv-'));
    const file = join(dir, 'd.csv');
    writeFileSync(file, CSV);
    assert.equal(readCsvDataset(file, { label: 'churn' }).labels.length, 5);
  });

  describe('column typing', () => {
    const numbers = (bad: string, at = 6, n = 12) => {
      const rows = ['b,y', ...Array.from({ length: n }, (_, i) => `${i + 0.5},${i % 2}`)];
      rows[at] = `${bad},1`;
      return rows.join('\n');
    };

    for (const bad of ['x', 'n.a.', '0x1F', '1_000', '12abc']) {
      it(`a stray '${bad}' in a numeric column is an error naming row, column and both fixes`, () => {
        const err = expectDatasetError(
          () => parseCsvDataset(numbers(bad), { label: 'y' }, 'd.csv'),
          new RegExp(
            `d\\.csv, row 7, column 'b': '${bad.replace('.', '\\.')}' is not a number, but 11 of 12`,
          ),
          { row: 7, column: 'b' },
        );
        assert.match(err.hint ?? '', /dataset\.missing/);
        assert.match(err.hint ?? '', /categorical in dataset\.columns/);
      });
    }

    for (const bad of ['inf', '-inf', 'Infinity', '-INF']) {
      it(`'${bad}' in a numeric column is an error: infinite`, () => {
        expectDatasetError(
          () => parseCsvDataset(numbers(bad), { label: 'y' }, 'd.csv'),
          new RegExp(`row 7, column 'b': '${bad}' is infinite`),
        );
      });
    }

    it('a value that overflows to infinity is an error, also in a declared numeric column', () => {
      expectDatasetError(
        () => parseCsvDataset(numbers('1e309'), { label: 'y' }, 'd.csv'),
        /row 7, column 'b': '1e309' overflows to infinity/,
      );
      expectDatasetError(
        () => parseCsvDataset(numbers('-1e400'), { label: 'y', columns: { b: 'numeric' } }, 'd.csv'),
        /'-1e400' overflows to infinity/,
      );
    });

    it('declaring the token missing or the column categorical are the two ways out', () => {
      const asMissing = parseCsvDataset(numbers('x'), { label: 'y', missing: ['', 'x'] });
      const b = asMissing.columns[0]!;
      assert.equal(b.kind, 'numeric');
      if (b.kind === 'numeric') assert.ok(Number.isNaN(b.values[5]));
      const asCategory = parseCsvDataset(numbers('x'), { label: 'y', columns: { b: 'categorical' } });
      assert.equal(asCategory.columns[0]!.kind, 'categorical');
      const infMissing = parseCsvDataset(numbers('inf'), { label: 'y', missing: ['inf'] });
      assert.equal(infMissing.columns[0]!.kind, 'numeric');
    });

    it('a code-like column, mostly digits but with many distinct other values, is categorical', () => {
      // Titanic's Ticket: '113803', 'PC 17599', 'A/5 21171', 'STON/O2. 3101282', …
      const tickets = [
        '113803',
        'PC 17599',
        '349909',
        'A/5 21171',
        '17463',
        'STON/O2. 3101282',
        '2653',
        'CA 2343',
      ];
      const text = `t,y\n${tickets.map((t, i) => `${t},${i % 2}`).join('\n')}\n`;
      assert.equal(parseCsvDataset(text, { label: 'y' }).columns[0]!.kind, 'categorical');
    });

    it('under a decimal comma, dot-grouped thousands are an error and a dot is not a decimal point', () => {
      expectDatasetError(
        () => parseCsvDataset('a;y\n1.500;0\n2,5;1\n3;0\n', { label: 'y', decimal: ',' }, 'g.csv'),
        /row 2, column 'a': '1\.500' groups thousands with '\.', but dataset\.decimal is ','/,
      );
      expectDatasetError(
        () => parseCsvDataset('a;y\n1.5;0\n2,5;1\n3;0\n4;1\n', { label: 'y', decimal: ',' }, 'g.csv'),
        /row 2, column 'a': '1\.5' is not a number, but 3 of 4/,
      );
    });

    it('a column where fewer than half the values are numbers is categorical', () => {
      const text = 'b,y\nred,0\nblue,1\n3,0\ngreen,1\n';
      const ds = parseCsvDataset(text, { label: 'y' });
      assert.equal(ds.columns[0]!.kind, 'categorical');
    });

    it('decimal commas are an error unless dataset.decimal says so', () => {
      const text = 'b;y\n1,5;0\n2,25;1\n3;0\n-0,5;1\n';
      expectDatasetError(
        () => parseCsvDataset(text, { label: 'y' }, 'e.csv'),
        /row 2, column 'b': '1,5' looks like a number with a decimal comma/,
      );
      const thousands = expectDatasetError(
        () => parseCsvDataset('a,y\n"1,234",0\n"2,000",1\n7,0\n', { label: 'y' }, 'k.csv'),
        /row 2, column 'a': '1,234' looks like a number with a decimal comma \(or a thousands separator\)/,
      );
      assert.match(thousands.hint ?? '', /remove thousands separators/);
      const ds = parseCsvDataset(text, { label: 'y', decimal: ',' });
      const b = ds.columns[0]!;
      assert.equal(b.kind, 'numeric');
      if (b.kind === 'numeric') assert.deepEqual([...b.values], [1.5, 2.25, 3, -0.5]);
      expectDatasetError(
        () => parseCsvDataset('a,y\n1,0\n', { label: 'y', decimal: ',', delimiter: ',' }),
        /dataset\.decimal is ',' but so is the delimiter/,
      );
    });

    it('reports each column with its kind, where the kind came from and its missing count', () => {
      const ds = parseCsvDataset(CSV, { label: 'churn', columns: { city: 'ignore' } }, 'c.csv');
      assert.deepEqual(ds.report?.columns, [
        { name: 'age', kind: 'numeric', source: 'inferred', missing: 1 },
        { name: 'city', kind: 'ignored', source: 'declared', missing: 0 },
        { name: 'income', kind: 'numeric', source: 'inferred', missing: 2 },
        { name: 'churn', kind: 'label', source: 'declared', missing: 0 },
      ]);
      assert.deepEqual(ds.report?.dialect, { encoding: 'utf-8', bom: false, delimiter: ',', decimal: '.' });
      assert.equal(ds.report?.rows, 5);
    });
  });

  describe('CSV dialects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-dialect-'));
    const plain = CSV;
    const expected = parseCsvDataset(plain, { label: 'churn' });
    const same = (file: string, opts: Partial<Parameters<typeof readCsvDataset>[1]> = {}) => {
      const { report, ...ds } = readCsvDataset(file, { label: 'churn', ...opts });
      const { report: _r, ...want } = expected;
      assert.deepEqual(ds, want);
      return report!;
    };

    for (const [name, d] of [
      ['semicolon', ';'],
      ['tab', '\t'],
      ['pipe', '|'],
    ] as const) {
      it(`detects a ${name}-separated file`, () => {
        const file = join(dir, `${name}.csv`);
        writeFileSync(file, plain.replaceAll(',', d));
        assert.equal(same(file).dialect.delimiter, d);
      });
    }

    it('keeps a quoted delimiter inside a value when detecting', () => {
      assert.equal(detectDelimiter('a;b;c\n"x;y";1;2\n"p";3;4\n'), ';');
      assert.equal(detectDelimiter('a,b\n"1;2",3\n'), ',');
      assert.equal(detectDelimiter('single\n1\n2\n'), ',');
    });

    it('dataset.delimiter overrides detection (tab by name), and a wrong one gets a hint', () => {
      const file = join(dir, 'semi-forced.csv');
      writeFileSync(file, plain.replaceAll(',', ';'));
      same(file, { delimiter: ';' });
      const tab = join(dir, 'tab-forced.csv');
      writeFileSync(tab, plain.replaceAll(',', '\t'));
      same(tab, { delimiter: 'tab' });
      const err = expectDatasetError(
        () => readCsvDataset(file, { label: 'churn', delimiter: ',' }),
        /label column 'churn' not found/,
      );
      assert.match(err.hint ?? '', /looks ';'-separated.*set dataset\.delimiter: ';'/);
    });

    it('reads a UTF-8 byte-order mark', () => {
      const file = join(dir, 'bom8.csv');
      writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(plain)]));
      const r = same(file);
      assert.equal(r.dialect.bom, true);
    });

    it('reads UTF-16 LE and BE with a byte-order mark, and semicolons in UTF-16', () => {
      const le = join(dir, 'le.csv');
      writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plain, 'utf16le')]));
      assert.equal(same(le).dialect.encoding, 'utf-16le');
      const be = join(dir, 'be.csv');
      const beBytes = Buffer.from(plain.replaceAll(',', ';'), 'utf16le').swap16();
      writeFileSync(be, Buffer.concat([Buffer.from([0xfe, 0xff]), beBytes]));
      const r = same(be);
      assert.equal(r.dialect.encoding, 'utf-16be');
      assert.equal(r.dialect.delimiter, ';');
    });

    it('UTF-16 without a byte-order mark is named as such, with the setting to use', () => {
      const file = join(dir, 'le-nobom.csv');
      writeFileSync(file, Buffer.from(plain, 'utf16le'));
      const err = expectDatasetError(
        () => readCsvDataset(file, { label: 'churn' }),
        /le-nobom\.csv: looks like UTF-16 text without a byte-order mark/,
      );
      assert.match(err.hint ?? '', /dataset\.encoding: utf-16le/);
      same(file, { encoding: 'utf-16le' });
    });

    it('Latin-1 bytes are an error naming the line, unless dataset.encoding is given', () => {
      const file = join(dir, 'latin1.csv');
      const text = 'city,n,y\nParis,1,0\nZürich,2,1\nLyon,3,0\n';
      writeFileSync(file, Buffer.from(text, 'latin1'));
      const err = expectDatasetError(
        () => readCsvDataset(file, { label: 'y' }),
        /latin1\.csv, row 3: is not valid UTF-8 \(byte 0xFC at character 2\)/,
        { row: 3 },
      );
      assert.match(err.hint ?? '', /dataset\.encoding/);
      const ds = readCsvDataset(file, { label: 'y', encoding: 'latin1' });
      const city = ds.columns[0]!;
      assert.ok(city.kind === 'categorical' && city.categories.includes('Zürich'));
    });

    it('a byte-order mark that contradicts dataset.encoding is an error', () => {
      const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,y\n1,0\n', 'utf16le')]);
      assert.throws(
        () => decodeCsv(bytes, 'x.csv', 'utf-8'),
        /UTF-16LE byte-order mark, but dataset\.encoding is utf-8/,
      );
    });

    it('predict-time reading detects the dialect too', () => {
      const file = join(dir, 'predict-semi.csv');
      writeFileSync(file, 'id;age;income\n1;30;10,5\n2;40;7\n'.replace('10,5', '10.5'));
      const cols = readCsvFeatures(file, [
        { name: 'income', kind: 'numeric' },
        { name: 'age', kind: 'numeric' },
      ]);
      assert.deepEqual(
        cols.map((c) => (c.kind === 'numeric' ? [...c.values] : [])),
        [
          [10.5, 7],
          [30, 40],
        ],
      );
      writeFileSync(file, 'age\n30\nabc\n');
      expectDatasetError(
        () => readCsvFeatures(file, [{ name: 'age', kind: 'numeric' }]),
        /row 3, column 'age': 'abc' is not a number \(the model was trained on this column as numeric\)/,
      );
    });
  });

  describe('files larger than one read (streamed in chunks)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-csv-big-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    // About 3 MiB: several 1 MiB reads, with multi-byte characters that straddle read boundaries.
    const rows = 60_000;
    /** The table, with the lines (0 = header) in `replace` swapped for other text. */
    const big = (replace: Record<number, string> = {}, delimiter = ',') => {
      const lines = ['x;é-city;amount;label'.replaceAll(';', delimiter)];
      for (let i = 0; i < rows; i++)
        lines.push(
          [i * 0.25, i % 3 ? 'Zürich' : 'Malmö', i % 7 === 0 ? 'NA' : i, i % 2 ? 'yes' : 'no'].join(
            delimiter,
          ),
        );
      for (const [at, line] of Object.entries(replace)) lines[Number(at)] = line;
      return `${lines.join('\n')}\n`;
    };

    it('reads the same dataset from a file as from its text, with the dialect detected', () => {
      const text = big({}, ';');
      const file = join(dir, 'semi.csv');
      writeFileSync(file, text);
      const fromFile = readCsvDataset(file, { label: 'label' });
      const fromText = parseCsvDataset(text, { label: 'label' }, file);
      assert.equal(datasetHash(fromFile), datasetHash(fromText));
      assert.equal(fromFile.labels.length, rows);
      assert.equal(fromFile.report?.dialect.delimiter, ';');
      const city = fromFile.columns.find((c) => c.name === 'é-city');
      assert.ok(city?.kind === 'categorical');
      assert.deepEqual(city.categories, ['Malmö', 'Zürich']);
      const amount = fromFile.report!.columns.find((c) => c.name === 'amount');
      assert.deepEqual(amount, {
        name: 'amount',
        kind: 'numeric',
        source: 'inferred',
        missing: Math.ceil(rows / 7),
      });
      const x = fromFile.columns[0]!;
      assert.ok(x.kind === 'numeric');
      assert.equal(x.values[rows - 1], (rows - 1) * 0.25);
    });

    it('reads UTF-16 with a byte-order mark across reads', () => {
      const file = join(dir, 'utf16.csv');
      const text = big();
      writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      const ds = readCsvDataset(file, { label: 'label' });
      assert.equal(datasetHash(ds), datasetHash(parseCsvDataset(text, { label: 'label' })));
      assert.deepEqual(ds.report?.dialect, { encoding: 'utf-16le', bom: true, delimiter: ',', decimal: '.' });
    });

    it('names the row of a problem far past the first read', () => {
      const file = join(dir, 'bad.csv');
      writeFileSync(file, big({ 50001: '1,Zürich,oops,no' }));
      expectDatasetError(
        () => readCsvDataset(file, { label: 'label' }),
        /row 50002, column 'amount': 'oops' is not a number/,
        { row: 50_002, column: 'amount' },
      );
      writeFileSync(file, big({ 40000: '1,Zürich,2' }));
      expectDatasetError(() => readCsvDataset(file, { label: 'label' }), /has 3 fields, expected 4/, {
        row: 40_001,
      });
      writeFileSync(file, big({ 59999: '1,Zürich,2,' }));
      expectDatasetError(() => readCsvDataset(file, { label: 'label' }), /label is missing/, {
        row: 60_000,
        column: 'label',
      });
    });

    it('detects the delimiter of a file whose first read holds only a few, very wide lines', () => {
      const file = join(dir, 'wide.csv');
      const width = 6000; // about 24 KB a line: fewer than 50 lines in the first 1 MiB read
      const header = [...Array.from({ length: width }, (_, j) => `p${j}`), 'y'].join(';');
      const lines = [header];
      for (let i = 0; i < 80; i++)
        lines.push([...Array.from({ length: width }, (_, j) => String((i * j) % 255)), i % 2].join(';'));
      writeFileSync(file, `${lines.join('\n')}\n`);
      const ds = readCsvDataset(file, { label: 'y' });
      assert.equal(ds.report?.dialect.delimiter, ';');
      assert.equal(ds.columns.length, width);
      assert.equal(ds.labels.length, 80);
    });

    it('reads an empty or header-only file from disk with the same errors as text', () => {
      const file = join(dir, 'empty.csv');
      writeFileSync(file, '');
      expectDatasetError(() => readCsvDataset(file, { label: 'y' }), /file is empty/);
      writeFileSync(file, ' \n\n');
      expectDatasetError(() => readCsvDataset(file, { label: 'y' }), /file is empty/);
      writeFileSync(file, 'a,y\n');
      expectDatasetError(() => readCsvDataset(file, { label: 'y' }), /has a header but no data rows/);
    });

    it('trims quoted labels, as it always did', () => {
      const ds = parseCsvDataset('a,y\n1," yes"\n2,"no "\n3," NA "\n'.replace('," NA "', ',no'), {
        label: 'y',
      });
      assert.deepEqual(ds.classes, { label: 'y', positive: 'yes', negative: 'no' });
      assert.deepEqual([...ds.labels], [1, 0, 0]);
      expectDatasetError(
        () => parseCsvDataset('a,y\n1,yes\n2," NA "\n3,no\n', { label: 'y' }),
        /label is missing/,
        {
          row: 3,
        },
      );
    });

    it('closes the file when reading stops on an error', () => {
      const file = join(dir, 'ragged.csv');
      writeFileSync(file, big({ 30000: '1,2' }));
      const open = () => readdirSync('/proc/self/fd').length;
      const before = open();
      for (let i = 0; i < 5; i++) assert.throws(() => readCsvDataset(file, { label: 'label' }), DatasetError);
      assert.throws(() => readCsvDataset(file, { label: 'nope' }), /label column 'nope' not found/);
      assert.equal(open(), before);
    });

    it('names a character cut off at the end of a large file', () => {
      const file = join(dir, 'cut.csv');
      writeFileSync(file, Buffer.concat([Buffer.from(big()), Buffer.from([0xc3])]));
      expectDatasetError(() => readCsvDataset(file, { label: 'label' }), /is not valid UTF-8 \(byte 0xC3/);
    });

    it('names the line of invalid UTF-8 far past the first read', () => {
      const file = join(dir, 'latin.csv');
      const text = big();
      const at = text.indexOf('\n', 2_500_000) + 1;
      const line = text.slice(0, at).split('\n').length;
      writeFileSync(
        file,
        Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xe9]), Buffer.from(text.slice(at))]),
      );
      expectDatasetError(() => readCsvDataset(file, { label: 'label' }), /is not valid UTF-8 \(byte 0xE9/, {
        row: line,
      });
    });
  });
});
