import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SamplerExhaustedError, SamplerStateError } from '../errors.js';
import { SearchSpace } from '../space/search-space.js';
import { GpSampler } from './gp/gp-sampler.js';
import { GridSampler } from './grid.js';
import { RandomSampler } from './random.js';
import type { Sampler, SamplerOptions } from './sampler.js';
import { mixedObjective, mixedSpace, runSequential } from './test-helpers.js';
import { TpeSampler } from './tpe.js';

type Factory = (o: SamplerOptions) => Sampler;
export const factories: Record<string, Factory> = {
  random: (o) => new RandomSampler(mixedSpace, o),
  grid: (o) => new GridSampler(mixedSpace, { ...o, resolution: 4 }),
  tpe: (o) => new TpeSampler(mixedSpace, { ...o, nStartupTrials: 5 }),
  'tpe-univariate': (o) => new TpeSampler(mixedSpace, { ...o, nStartupTrials: 5, multivariate: false }),
  gp: (o) => new GpSampler(mixedSpace, { ...o, nStartupTrials: 5, nCandidates: 256, nLocalSearch: 3 }),
  'gp-ucb-liar': (o) =>
    new GpSampler(mixedSpace, {
      ...o,
      nStartupTrials: 5,
      nCandidates: 256,
      nLocalSearch: 3,
      acquisition: 'ucb',
      pending: 'constant-liar',
    }),
};

for (const [name, make] of Object.entries(factories)) {
  describe(`${name} sampler`, () => {
    it('is deterministic under a seed and differs across seeds', () => {
      const a = runSequential(make({ seed: 7 }), 15);
      const b = runSequential(make({ seed: 7 }), 15);
      const c = runSequential(make({ seed: 8 }), 15);
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
    });
    it('returns valid parameters for the conditional space', () => {
      const space = new SearchSpace(mixedSpace);
      for (const p of runSequential(make({ seed: 1 }), 20)) space.validate(p);
    });
    it('replays recorded trials and continues identically', () => {
      const a = make({ seed: 3 });
      runSequential(a, 20);
      const rec = a.trials();
      const b = make({ seed: 3 });
      b.replay(rec.slice(0, 10));
      const next = b.ask();
      assert.equal(next.number, 10);
      assert.deepEqual(next.params, rec[10]!.params);
    });
    it('replays pending trials so the next ask does not repeat them', () => {
      const a = make({ seed: 4 });
      runSequential(a, 6);
      const p1 = a.ask();
      const p2 = a.ask();
      const b = make({ seed: 4 });
      b.replay(a.trials());
      const next = b.ask();
      assert.equal(next.number, 8);
      assert.deepEqual(next.params, a.ask().params);
      assert.notDeepEqual(next.params, p1.params);
      assert.notDeepEqual(next.params, p2.params);
    });
    it('gives distinct parameters to parallel asks', () => {
      const s = make({ seed: 5 });
      const asked = Array.from({ length: 8 }, () => JSON.stringify(s.ask().params));
      assert.equal(new Set(asked).size, 8);
    });
    it('accepts failed and pruned outcomes', () => {
      const s = make({ seed: 6 });
      for (let i = 0; i < 14; i++) {
        const t = s.ask();
        if (i % 4 === 1) s.tell(t.number, { state: 'failed' });
        else if (i % 4 === 2) s.tell(t.number, { state: 'pruned', value: 50 });
        else s.tell(t.number, { state: 'complete', value: mixedObjective(t.params) });
      }
      assert.doesNotThrow(() => s.ask());
    });
    it('rejects unknown and repeated tells', () => {
      const s = make({ seed: 1 });
      assert.throws(() => s.tell(0, { state: 'failed' }), SamplerStateError);
      const t = s.ask();
      s.tell(t.number, { state: 'failed' });
      assert.throws(() => s.tell(t.number, { state: 'failed' }), SamplerStateError);
      assert.throws(() => s.replay([{ number: t.number, params: t.params }]), SamplerStateError);
    });
  });
}

describe('grid sampler', () => {
  it('enumerates every combination once, then reports exhaustion', () => {
    const g = new GridSampler(
      {
        a: { type: 'categorical', choices: ['x', 'y'] },
        b: { type: 'int', low: 1, high: 3 },
        c: { type: 'float', low: 0, high: 1 },
        d: { type: 'int', low: 0, high: 1, when: { parent: 'a', in: ['y'] } },
      },
      { resolution: 2 },
    );
    // a=x: 3*2 points; a=y: 3*2*2 points.
    assert.equal(g.size, 18);
    const seen = new Set<string>();
    for (let i = 0; i < 18; i++) seen.add(JSON.stringify(g.ask().params));
    assert.equal(seen.size, 18);
    assert.ok(g.isExhausted());
    assert.throws(() => g.ask(), SamplerExhaustedError);
  });
});
