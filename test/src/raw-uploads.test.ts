/**
 * Uploads any gRPC client can make: the user's CSV as it is, a pixel CSV, a zip or a tar of an
 * image folder. The coordinator reads them at CreateStudy with the spec's dataset options and the
 * same readers as `hpo tune`, so a raw CSV gives the same canonical dataset, trials and metrics as
 * `hpo submit`, and a bad file gets INVALID_ARGUMENT naming the row and column.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { encodeDataset, readImageFolder, sha256Hex } from '@hpo/core';
import {
  CHURN,
  Cluster,
  call,
  ROOT,
  runCli,
  smallChurnSpec,
  tempDir,
  watch,
  writeStudy,
} from '@hpo/testing/processes';
import * as tar from 'tar';
import yazl from 'yazl';

type Format = 'DATASET_FORMAT_CSV' | 'DATASET_FORMAT_PIXEL_CSV' | 'DATASET_FORMAT_ZIP' | 'DATASET_FORMAT_TAR';

/** Uploads a file as it is, in 256 KiB chunks, like any gRPC client would. */
function uploadFile(cluster: Cluster, bytes: Buffer, format: Format): Promise<string> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return new Promise((resolve, reject) => {
    const stream = cluster.api().UploadDataset((err) => (err ? reject(err) : resolve(sha256)));
    for (let off = 0; off < bytes.length; off += 256 * 1024)
      stream.write({
        ...(off === 0 ? { sha256, size: bytes.length, format } : {}),
        data: bytes.subarray(off, off + 256 * 1024),
      });
    stream.end();
  });
}

interface StudyMsg {
  state: string;
  datasetSha256: string;
}
interface TrialMsg {
  number: number;
  paramsJson: string;
  value?: number;
  metrics: Record<string, { mean: number; std: number }>;
}

const IMAGES = join(ROOT, 'examples/shapes/images');
const imageSpec = (name: string) => ({
  name,
  dataset: { path: 'images', kind: 'images', positive: 'cross' },
  model: 'cnn',
  cv: { k: 3, seed: 1 },
  search: {
    space: { learningRate: { type: 'float', low: 0.001, high: 0.01, log: true } },
    fixed: { epochs: 1, filters: 4, convBlocks: 1, denseUnits: 8, batchSize: 64 },
  },
  budget: { trials: 1 },
});

describe('raw uploads (CSV, pixel CSV, zip, tar) over gRPC', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await Cluster.start({ workers: 1, threads: 2 });
  });
  after(async () => {
    await cluster?.stop();
  });

  it('a CSV uploaded as it is runs the same trials, with the same metrics, as `hpo submit`', async () => {
    const spec = smallChurnSpec({ name: 'raw-csv', budget: { trials: 3, parallelism: 1 } });
    const upload = await uploadFile(cluster, readFileSync(CHURN), 'DATASET_FORMAT_CSV');
    const raw = await call<object, StudyMsg>(cluster.api(), 'CreateStudy', {
      spec: JSON.stringify({ ...spec, dataset: { ...(spec.dataset as object), path: undefined } }),
      datasetSha256: upload,
      studyId: 'raw-csv',
    });
    assert.notEqual(raw.datasetSha256, upload, 'the study runs on the canonical form, under its own hash');
    await watch(cluster.api(), 'raw-csv');

    const { file } = writeStudy(smallChurnSpec({ name: 'raw-csv', budget: { trials: 3, parallelism: 1 } }));
    const sub = await runCli([
      'submit',
      file,
      '--id',
      'cli-csv',
      '--wait',
      '--quiet',
      '--server',
      `127.0.0.1:${cluster.grpcPort}`,
    ]);
    assert.equal(sub.code, 0, sub.stderr);

    const study = (id: string) => call<object, StudyMsg>(cluster.api(), 'GetStudy', { studyId: id });
    const trials = async (id: string) =>
      (await call<object, { trials: TrialMsg[] }>(cluster.api(), 'ListTrials', { studyId: id })).trials;
    assert.equal((await study('raw-csv')).state, 'finished');
    assert.equal(
      (await study('raw-csv')).datasetSha256,
      (await study('cli-csv')).datasetSha256,
      'the same dataset',
    );
    const [a, b] = [await trials('raw-csv'), await trials('cli-csv')];
    assert.equal(a.length, 3);
    assert.deepEqual(
      a.map((t) => t.paramsJson),
      b.map((t) => t.paramsJson),
      'the same trials',
    );
    for (const [i, t] of a.entries()) {
      assert.ok(Math.abs(Number(t.value) - Number(b[i]!.value)) < 1e-9, `trial ${i} objective`);
      for (const m of ['rocAuc', 'prAuc', 'logLoss'])
        assert.ok(Math.abs(t.metrics[m]!.mean - b[i]!.metrics[m]!.mean) < 1e-9, `trial ${i} ${m}`);
    }
  });

  it('a CSV problem is INVALID_ARGUMENT naming the upload, the row and the column', async () => {
    const lines = readFileSync(CHURN, 'utf8').split('\n');
    const header = lines[0]!.split(',');
    const col = header.indexOf('tenure_months');
    const cells = lines[41]!.split(',');
    cells[col] = 'twelve';
    lines[41] = cells.join(',');
    const bad = await uploadFile(cluster, Buffer.from(lines.join('\n')), 'DATASET_FORMAT_CSV');
    const base = smallChurnSpec({ name: 'bad-csv' });
    const dataset = base.dataset as { columns: Record<string, string> };
    const spec = {
      ...base,
      dataset: { ...dataset, columns: { ...dataset.columns, tenure_months: 'numeric' } },
    };
    await assert.rejects(
      call(cluster.api(), 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: bad }),
      (err: unknown) => {
        const e = err as grpc.ServiceError;
        assert.equal(e.code, grpc.status.INVALID_ARGUMENT, e.details);
        assert.match(
          e.details,
          new RegExp(`^dataset error: upload ${bad.slice(0, 12)}…, row 42, column 'tenure_months': `),
        );
        assert.doesNotMatch(e.details, /\/tmp|hpo-coord/, 'no temporary path');
        return true;
      },
    );
    const missing = await uploadFile(cluster, Buffer.from('a,b\n1,2\n3,4\n'), 'DATASET_FORMAT_CSV');
    await assert.rejects(
      call(cluster.api(), 'CreateStudy', { spec: JSON.stringify(spec), datasetSha256: missing }),
      (err: unknown) =>
        (err as grpc.ServiceError).code === grpc.status.INVALID_ARGUMENT &&
        /label column 'churn' not found/.test((err as grpc.ServiceError).details),
    );
    // The declared format must fit the spec's dataset kind.
    await assert.rejects(
      call(cluster.api(), 'CreateStudy', { spec: JSON.stringify(imageSpec('kind')), datasetSha256: missing }),
      (err: unknown) =>
        (err as grpc.ServiceError).code === grpc.status.INVALID_ARGUMENT &&
        /dataset\.kind: is images, but upload .* is a csv file/.test((err as grpc.ServiceError).details),
    );
    // A CSV declared as hpo's canonical form is refused at once.
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = cluster.api().UploadDataset((e, r) => (e ? reject(e) : resolve(r)));
        const bytes = Buffer.from('a,b\n1,2\n');
        s.write({ sha256: sha256Hex(bytes), size: bytes.length, format: 'DATASET_FORMAT_HPO', data: bytes });
        s.end();
      }),
      (err: unknown) =>
        (err as grpc.ServiceError).code === grpc.status.INVALID_ARGUMENT &&
        /not an hpo dataset blob .*declare the format/.test((err as grpc.ServiceError).details),
    );
  });

  it('a zip and a tar.gz of an image folder give the same dataset as the folder itself', async () => {
    const expected = sha256Hex(encodeDataset(readImageFolder(IMAGES, { positive: 'cross' })));
    const dir = tempDir('hpo-archives-');
    // The tar holds the folder itself (images/cross/…); the zip holds its classes at the top.
    const tgz = join(dir, 'shapes.tar.gz');
    await tar.c({ gzip: true, file: tgz, cwd: join(IMAGES, '..') }, ['images']);
    const zip = await new Promise<Buffer>((resolve) => {
      const z = new yazl.ZipFile();
      for (const cls of readdirSync(IMAGES))
        for (const f of readdirSync(join(IMAGES, cls))) z.addFile(join(IMAGES, cls, f), `${cls}/${f}`);
      // macOS metadata in the archive is ignored.
      z.addBuffer(Buffer.from('junk'), '__MACOSX/cross/._a.png');
      const parts: Buffer[] = [];
      z.outputStream.on('data', (d: Buffer) => parts.push(d));
      z.outputStream.on('end', () => resolve(Buffer.concat(parts)));
      z.end();
    });
    for (const [format, bytes, id] of [
      ['DATASET_FORMAT_TAR', readFileSync(tgz), 'shapes-tar'],
      ['DATASET_FORMAT_ZIP', zip, 'shapes-zip'],
    ] as const) {
      const upload = await uploadFile(cluster, bytes, format);
      const s = await call<object, StudyMsg>(cluster.api(), 'CreateStudy', {
        spec: JSON.stringify(imageSpec(id)),
        datasetSha256: upload,
        studyId: id,
      });
      assert.equal(s.datasetSha256, expected, `${format}: the canonical dataset of the folder`);
      await watch(cluster.api(), id);
      assert.equal(
        (await call<object, StudyMsg>(cluster.api(), 'GetStudy', { studyId: id })).state,
        'finished',
      );
    }
  });

  it('refuses archives that would write outside their folder, or are not archives', async () => {
    const dir = tempDir('hpo-archives-');
    const evil = await new Promise<Buffer>((resolve) => {
      const z = new yazl.ZipFile();
      z.addBuffer(Buffer.from('x'), 'cross/a.png');
      const parts: Buffer[] = [];
      z.outputStream.on('data', (d: Buffer) => parts.push(d));
      z.outputStream.on('end', () => resolve(Buffer.concat(parts)));
      z.end();
    });
    // yazl refuses '..' itself: write the name into the bytes after the fact (same length).
    const patched = Buffer.from(evil.toString('latin1').replaceAll('cross/a.png', '../../a.png'), 'latin1');
    writeFileSync(join(dir, 'evil.zip'), patched);
    for (const [bytes, format, why] of [
      [patched, 'DATASET_FORMAT_ZIP', /upload .*: cannot unpack the zip file: .*\.\.\/\.\.\/a\.png/],
      [Buffer.from('not a zip at all'), 'DATASET_FORMAT_ZIP', /upload .*: not a zip file/],
      [Buffer.from('not a tar at all'), 'DATASET_FORMAT_TAR', /upload .*: cannot unpack the tar file/],
    ] as const) {
      const upload = await uploadFile(cluster, bytes, format);
      await assert.rejects(
        call(cluster.api(), 'CreateStudy', {
          spec: JSON.stringify(imageSpec('evil')),
          datasetSha256: upload,
        }),
        (err: unknown) => {
          const e = err as grpc.ServiceError;
          assert.equal(e.code, grpc.status.INVALID_ARGUMENT, e.details);
          assert.match(e.details, why);
          return true;
        },
      );
    }
  });
});
