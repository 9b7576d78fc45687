import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Cluster, call, smallChurnSpec, uploadDataset, watch } from '@hpo/testing/processes';

describe('distributed: a fold nobody answers', () => {
  it('fails after --fold-timeout instead of hanging the study', async () => {
    const cluster = await Cluster.start({ workers: 0 });
    try {
      await cluster.coordinator!.kill('SIGKILL');
      await cluster.startCoordinator({ foldTimeout: 2 });
      const spec = smallChurnSpec({
        name: 'orphan',
        budget: { trials: 2, parallelism: 2, maxFailedTrials: 5 },
      });
      const hash = await uploadDataset(cluster.api(), spec);
      await call(cluster.api(), 'CreateStudy', {
        spec: JSON.stringify(spec),
        datasetSha256: hash,
        studyId: 'orphan',
      });
      await watch(cluster.api(), 'orphan');
      const { trials } = await call<object, { trials: { state: string; error: string }[] }>(
        cluster.api(),
        'ListTrials',
        { studyId: 'orphan' },
      );
      assert.equal(trials.length, 2);
      for (const t of trials) {
        assert.equal(t.state, 'failed');
        assert.match(t.error, /no result within 2 s/);
      }
      const study = await call<object, { state: string; modelReady: boolean; message: string }>(
        cluster.api(),
        'GetStudy',
        { studyId: 'orphan' },
      );
      assert.equal(study.state, 'failed', 'a study where no trial completed has failed');
      assert.match(study.message, /no trial completed; last error: no result within 2 s/);
      assert.equal(study.modelReady, false);
    } finally {
      await cluster.stop();
    }
  });
});
