/**
 * Soak at a size that fits CI (npm run bench runs a larger one): studies through killed and
 * replaced workers and a coordinator restart. See packages/testing/src/processes/soak.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { soak } from '@hpo/testing/processes';

describe('soak (CI size)', () => {
  it('six studies through killed and replaced workers and one coordinator restart: all finish, nothing lost or doubled', async (t) => {
    const report = await soak({ studies: 6, trials: 4, killEveryMs: 2500 });
    t.diagnostic(JSON.stringify(report));
    assert.ok(report.workerKills >= 1, 'workers were killed while the studies ran');
    assert.equal(report.coordinatorRestarts, 1, 'the coordinator was restarted while the studies ran');
  });
});
