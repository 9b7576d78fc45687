import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { encodeDataset, sha256Hex } from '@hpo/core';
import { Cluster, call, smallChurnSpec, uploadBytes, uploadDataset } from '@hpo/testing/processes';

type Case = { name: string; run: () => Promise<unknown>; code: status; message: RegExp };

describe('distributed: malformed requests get the right status code and a message naming the problem', () => {
  let cluster: Cluster;
  let hash: string;
  const spec = () => smallChurnSpec({ name: 'bad-requests' });
  before(async () => {
    cluster = await Cluster.start({ workers: 0, maxUploadMb: 1 });
    hash = await uploadDataset(cluster.api(), spec());
    // A long study to probe a running one.
    await call(cluster.api(), 'CreateStudy', {
      spec: JSON.stringify(smallChurnSpec({ name: 'long', budget: { trials: 50, parallelism: 1 } })),
      datasetSha256: hash,
      studyId: 'taken',
    });
  });
  after(async () => {
    await cluster?.stop();
  });

  const create = (s: unknown, extra: Record<string, unknown> = {}) =>
    call(cluster.api(), 'CreateStudy', {
      spec: typeof s === 'string' ? s : JSON.stringify(s),
      datasetSha256: hash,
      ...extra,
    });
  const withSpec = (mutate: (s: Record<string, any>) => void) => {
    const s = spec() as Record<string, any>;
    mutate(s);
    return create(s);
  };
  const tiny = (offset = 0) => {
    const labels = Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    return encodeDataset({
      kind: 'tabular',
      classes: { label: 'y', positive: '1', negative: '0' },
      columns: [{ kind: 'numeric', name: 'x', values: Float64Array.from(labels, (v, i) => v + i + offset) }],
      labels,
    });
  };

  const cases: Case[] = [
    { name: 'empty spec', run: () => create(''), code: status.INVALID_ARGUMENT, message: /spec: is empty/ },
    {
      name: 'spec that is not YAML',
      run: () => create('name: [unclosed'),
      code: status.INVALID_ARGUMENT,
      message: /not valid YAML/,
    },
    {
      name: 'spec without a name',
      run: () => withSpec((s) => delete s.name),
      code: status.INVALID_ARGUMENT,
      message: /name:/,
    },
    {
      name: 'zero trials',
      run: () => withSpec((s) => (s.budget.trials = 0)),
      code: status.INVALID_ARGUMENT,
      message: /budget\.trials/,
    },
    {
      name: 'one fold',
      run: () => withSpec((s) => (s.cv.k = 1)),
      code: status.INVALID_ARGUMENT,
      message: /cv\.k/,
    },
    {
      name: 'unknown spec field',
      run: () => withSpec((s) => (s.sampler.kind = 'tpe')),
      code: status.INVALID_ARGUMENT,
      message: /sampler/,
    },
    {
      name: 'unknown training parameter',
      run: () => withSpec((s) => (s.search.fixed.lernRate = 1)),
      code: status.INVALID_ARGUMENT,
      message: /search\.fixed\.lernRate/,
    },
    {
      name: 'search range with low >= high',
      run: () => withSpec((s) => (s.search.space.units = { type: 'int', low: 32, high: 4 })),
      code: status.INVALID_ARGUMENT,
      message: /units.*low/,
    },
    ...(
      [
        [
          'fixed epochs: -1',
          (s: Record<string, any>) => (s.search.fixed.epochs = -1),
          /search\.fixed\.epochs: must be an integer in \[1, 10000\], got -1/,
        ],
        [
          'fixed units: 1e9',
          (s: Record<string, any>) => {
            delete s.search.space.units;
            s.search.fixed.units = 1e9;
          },
          /search\.fixed\.units: must be an integer in \[1, 4096\]/,
        ],
        [
          'fixed activation: sigmoidx',
          (s: Record<string, any>) => (s.search.fixed.activation = 'sigmoidx'),
          /search\.fixed\.activation: must be one of/,
        ],
        [
          'a categorical choice out of its domain',
          (s: Record<string, any>) =>
            (s.search.space.scaler = { type: 'categorical', choices: ['standard', 'robust'] }),
          /search\.space\.scaler\.choices\.1: .*got "robust"/,
        ],
        [
          'a log range with low 0',
          (s: Record<string, any>) => (s.search.space.l2 = { type: 'float', low: 0, high: 0.1, log: true }),
          /search\.space\.l2\.low: log scale needs low > 0/,
        ],
      ] as const
    ).map(([name, mutate, message]) => ({
      name,
      run: () => withSpec(mutate),
      code: status.INVALID_ARGUMENT,
      message,
    })),
    {
      name: 'dataset.test without its upload',
      run: () => withSpec((s) => (s.dataset.test = 'test.csv')),
      code: status.INVALID_ARGUMENT,
      message: /test_dataset_sha256: the spec names dataset\.test; upload that file/,
    },
    {
      name: 'a test upload for a spec without dataset.test',
      run: () => create(spec(), { testDatasetSha256: hash }),
      code: status.INVALID_ARGUMENT,
      message: /test_dataset_sha256: given, but the spec has no dataset\.test/,
    },
    {
      name: 'cv.holdout and dataset.test together',
      run: () =>
        withSpec((s) => {
          s.dataset.test = 'test.csv';
          s.cv.holdout = 0.2;
        }),
      code: status.INVALID_ARGUMENT,
      message: /cv\.holdout: give either cv\.holdout or dataset\.test, not both/,
    },
    {
      name: 'CNN on a table',
      run: () => withSpec((s) => (s.model = 'cnn')),
      code: status.INVALID_ARGUMENT,
      message: /CNN needs an image dataset/,
    },
    {
      name: 'images spec on a table',
      run: () => withSpec((s) => (s.dataset = { path: 'x', kind: 'images' })),
      code: status.INVALID_ARGUMENT,
      message: /dataset\.kind/,
    },
    {
      name: 'malformed dataset hash',
      run: () => create(spec(), { datasetSha256: 'abc' }),
      code: status.INVALID_ARGUMENT,
      message: /dataset_sha256/,
    },
    {
      name: 'unknown dataset',
      run: () => create(spec(), { datasetSha256: 'f'.repeat(64) }),
      code: status.NOT_FOUND,
      message: /dataset f{64} not found/,
    },
    {
      name: 'bad study id',
      run: () => create(spec(), { studyId: 'has space' }),
      code: status.INVALID_ARGUMENT,
      message: /study_id/,
    },
    {
      name: 'study id in use',
      run: () => create(spec(), { studyId: 'taken' }),
      code: status.ALREADY_EXISTS,
      message: /'taken' already exists/,
    },
    {
      name: 'a class with fewer rows than folds',
      run: async () => {
        const bytes = tiny();
        const h = sha256Hex(bytes);
        await uploadBytes(cluster.api(), bytes, h);
        return call(cluster.api(), 'CreateStudy', {
          spec: JSON.stringify({ ...spec(), cv: { k: 5 } }),
          datasetSha256: h,
        });
      },
      code: status.INVALID_ARGUMENT,
      message: /positive class has 3 rows, fewer than the 5/,
    },
    {
      name: 'unknown study',
      run: () => call(cluster.api(), 'GetStudy', { studyId: 'nope' }),
      code: status.NOT_FOUND,
      message: /study 'nope' not found/,
    },
    {
      name: 'missing study id',
      run: () => call(cluster.api(), 'GetStudy', {}),
      code: status.INVALID_ARGUMENT,
      message: /study_id: is required/,
    },
    {
      name: 'bad trial state filter',
      run: () => call(cluster.api(), 'ListTrials', { studyId: 'taken', states: ['done'] }),
      code: status.INVALID_ARGUMENT,
      message: /'done' is not one of/,
    },
    {
      name: 'cancel an unknown study',
      run: () => call(cluster.api(), 'CancelStudy', { studyId: 'ghost' }),
      code: status.NOT_FOUND,
      message: /ghost/,
    },
    {
      name: 'export before the model exists',
      run: () => exportAll('taken'),
      code: status.FAILED_PRECONDITION,
      message: /has no model yet/,
    },
    {
      name: 'export an unknown study',
      run: () => exportAll('ghost'),
      code: status.NOT_FOUND,
      message: /ghost/,
    },
    {
      name: 'watch an unknown study',
      run: () => watchOnce('ghost'),
      code: status.NOT_FOUND,
      message: /ghost/,
    },
    {
      name: 'upload with a wrong checksum',
      run: () => uploadBytes(cluster.api(), tiny(), 'a'.repeat(64)),
      code: status.FAILED_PRECONDITION,
      message: /sha256 mismatch/,
    },
    {
      name: 'upload over the size limit',
      run: () => {
        const big = randomBytes(2 * 1024 * 1024);
        return uploadBytes(cluster.api(), big, sha256Hex(big));
      },
      code: status.RESOURCE_EXHAUSTED,
      message: /over the upload limit/,
    },
    {
      name: 'upload of bytes that are not a dataset',
      run: () => {
        const junk = randomBytes(1000);
        return uploadBytes(cluster.api(), junk, sha256Hex(junk));
      },
      code: status.INVALID_ARGUMENT,
      message: /not an hpo dataset blob/,
    },
    {
      name: 'upload without a checksum',
      run: () => uploadBytes(cluster.api(), tiny(), ''),
      code: status.INVALID_ARGUMENT,
      message: /first chunk must carry/,
    },
    {
      name: 'upload shorter than declared',
      run: () => {
        const bytes = tiny(1); // bytes the server does not have yet
        return uploadBytes(cluster.api(), bytes, sha256Hex(bytes), bytes.length + 100);
      },
      code: status.INVALID_ARGUMENT,
      message: /declared \d+ bytes, received/,
    },
    {
      name: 'has-dataset with a bad hash',
      run: () => call(cluster.api(), 'HasDataset', { sha256: 'xyz' }),
      code: status.INVALID_ARGUMENT,
      message: /sha256/,
    },
  ];

  function exportAll(studyId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = cluster.api().ExportModel({ studyId });
      stream.on('data', () => undefined);
      stream.on('end', resolve);
      stream.on('error', reject);
    });
  }
  function watchOnce(studyId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = cluster.api().WatchStudy({ studyId });
      stream.on('data', () => {
        stream.cancel();
        resolve();
      });
      stream.on('error', reject);
    });
  }

  it(`answers ${cases.length} malformed requests with the right code, and keeps serving`, async () => {
    assert.ok(cases.length >= 20);
    for (const c of cases) {
      if (process.env.HPO_TEST_DEBUG) process.stderr.write(`case: ${c.name}\n`);
      await assert.rejects(
        c.run(),
        (err: { code?: number; details?: string }) => {
          assert.equal(
            err.code,
            c.code,
            `${c.name}: code ${status[err.code ?? 0]} (${err.details}), expected ${status[c.code]}`,
          );
          assert.match(err.details ?? '', c.message, `${c.name}: message '${err.details}'`);
          return true;
        },
        c.name,
      );
    }
    const list = await call<object, { studies: { studyId: string }[] }>(cluster.api(), 'ListStudies', {});
    assert.deepEqual(
      list.studies.map((s) => s.studyId),
      ['taken'],
      'no malformed request created a study',
    );
    assert.equal(cluster.coordinator!.proc.exitCode, null, 'the coordinator is still running');
  });
});
