import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SearchSpaceError } from '../errors.js';
import { FloatDistribution, IntDistribution } from './distributions.js';
import { UnitEncoding } from './encoding.js';
import { SearchSpace, type SpaceSpec } from './search-space.js';

function throwsAt(spec: unknown, path: string, re?: RegExp): void {
  assert.throws(
    () => new SearchSpace(spec as SpaceSpec),
    (e: unknown) => {
      assert.ok(e instanceof SearchSpaceError, String(e));
      assert.equal(e.path, path);
      if (re) assert.match(e.message, re);
      return true;
    },
  );
}

const cnnSpace: SpaceSpec = {
  family: { type: 'categorical', choices: ['mlp', 'cnn'] },
  lr: { type: 'float', low: 1e-5, high: 1e-1, log: true },
  layers: { type: 'int', low: 1, high: 3 },
  units2: { type: 'int', low: 8, high: 256, log: true, when: { parent: 'layers', in: [2, 3] } },
  units3: { type: 'int', low: 8, high: 256, log: true, when: { parent: 'layers', in: [3] } },
  kernel: { type: 'int', low: 3, high: 7, step: 2, when: { parent: 'family', in: ['cnn'] } },
  pool: { type: 'categorical', choices: ['max', 'avg'], when: { parent: 'family', in: ['cnn'] } },
  poolSize: { type: 'int', low: 2, high: 3, when: { parent: 'pool', in: ['max'] } },
};

describe('search space validation', () => {
  it('rejects low >= high', () =>
    throwsAt({ lr: { type: 'float', low: 1, high: 1 } }, 'space.lr.low', /< high/));
  it('rejects log with low <= 0', () =>
    throwsAt({ lr: { type: 'float', low: 0, high: 1, log: true } }, 'space.lr.low', /log/));
  it('rejects int log with low <= 0', () =>
    throwsAt({ n: { type: 'int', low: 0, high: 8, log: true } }, 'space.n.low'));
  it('rejects empty choices', () => throwsAt({ c: { type: 'categorical', choices: [] } }, 'space.c.choices'));
  it('rejects duplicate choices', () =>
    throwsAt({ c: { type: 'categorical', choices: ['a', 'b', 'a'] } }, 'space.c.choices[2]', /duplicate/));
  it('keeps 1 and "1" apart', () =>
    assert.doesNotThrow(() => new SearchSpace({ c: { type: 'categorical', choices: [1, '1', true] } })));
  it('rejects a step that does not fit', () =>
    throwsAt({ x: { type: 'float', low: 0, high: 1, step: 0.3 } }, 'space.x.step', /does not divide/));
  it('rejects a non-positive step', () =>
    throwsAt({ n: { type: 'int', low: 0, high: 10, step: 0 } }, 'space.n.step'));
  it('rejects non-integer int bounds', () =>
    throwsAt({ n: { type: 'int', low: 0.5, high: 10 } }, 'space.n.low'));
  it('rejects an unknown type', () => throwsAt({ n: { type: 'complex', low: 0, high: 1 } }, 'space.n.type'));
  it('rejects an unknown parent', () =>
    throwsAt(
      { a: { type: 'float', low: 0, high: 1, when: { parent: 'nope', in: ['x'] } } },
      'space.a.when.parent',
      /unknown parent/,
    ));
  it('rejects a condition on a value the parent cannot take', () =>
    throwsAt(
      {
        family: { type: 'categorical', choices: ['mlp', 'cnn'] },
        k: { type: 'int', low: 1, high: 3, when: { parent: 'family', in: ['cnn', 'rnn'] } },
      },
      'space.k.when.in[1]',
      /cannot take "rnn"/,
    ));
  it('rejects a float parent', () =>
    throwsAt(
      {
        x: { type: 'float', low: 0, high: 1 },
        y: { type: 'float', low: 0, high: 1, when: { parent: 'x', in: [0.5] } },
      },
      'space.y.when.parent',
    ));
  it('rejects condition cycles', () =>
    throwsAt(
      {
        a: { type: 'categorical', choices: [1, 2], when: { parent: 'b', in: [1] } },
        b: { type: 'categorical', choices: [1, 2], when: { parent: 'a', in: [1] } },
      },
      'space.a.when.parent',
      /cycle/,
    ));
  it('uses a custom root in paths', () => {
    assert.throws(
      () => new SearchSpace({ lr: { type: 'float', low: 2, high: 1 } }, 'study.space'),
      /study\.space\.lr\.low/,
    );
  });
});

describe('conditional spaces', () => {
  const space = new SearchSpace(cnnSpace);
  it('orders parents before children', () => {
    const names = space.params.map((p) => p.name);
    assert.ok(names.indexOf('pool') < names.indexOf('poolSize'));
    assert.ok(names.indexOf('family') < names.indexOf('kernel'));
  });
  it('activates parameters by parent value, transitively', () => {
    assert.equal(space.isActive('kernel', { family: 'mlp' }), false);
    assert.equal(space.isActive('kernel', { family: 'cnn' }), true);
    assert.equal(space.isActive('units3', { layers: 2 }), false);
    assert.equal(space.isActive('units2', { layers: 2 }), true);
    assert.equal(space.isActive('poolSize', { family: 'mlp', pool: 'max' }), false);
  });
  it('fromUnit drops inactive parameters', () => {
    const p = space.fromUnit(space.params.map(() => 0.01));
    assert.equal(p.family, 'mlp');
    assert.equal(p.layers, 1);
    assert.deepEqual(Object.keys(p).sort(), ['family', 'layers', 'lr']);
    space.validate(p);
  });
  it('validate names the offending parameter', () => {
    assert.throws(
      () => space.validate({ family: 'mlp', lr: 0.01, layers: 1, kernel: 3 }),
      /params\.kernel: .*condition/,
    );
    assert.throws(() => space.validate({ family: 'mlp', lr: 1, layers: 1 }), /params\.lr/);
    assert.throws(
      () => space.validate({ family: 'cnn', lr: 0.01, layers: 1 }),
      /params\.kernel: is active but missing/,
    );
  });
  it('encodes to the unit cube and back', () => {
    const enc = new UnitEncoding(space);
    const p = { family: 'cnn', lr: 1e-3, layers: 3, units2: 32, units3: 100, kernel: 5, pool: 'avg' };
    const x = enc.encode(p);
    for (const v of x) assert.ok(v >= 0 && v <= 1);
    const back = enc.decode(x);
    assert.ok(Math.abs((back.lr as number) - 1e-3) < 1e-15);
    assert.deepEqual({ ...back, lr: 1e-3 }, p);
    const y = enc.canonical(x.map((v) => Math.min(1, v + 0.01)));
    assert.deepEqual(enc.encode(enc.decode(y)), y);
  });
});

describe('distributions', () => {
  it('maps log floats through the unit interval', () => {
    const d = new FloatDistribution(1e-4, 1, true);
    assert.ok(Math.abs(d.toUnit(1e-2) - 0.5) < 1e-12);
    assert.ok(Math.abs(d.fromUnit(0.5) - 1e-2) < 1e-12);
  });
  it('gives ints equal slices of the unit interval', () => {
    const d = new IntDistribution(0, 3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[d.fromUnit((i + 0.5) / 400)]! += 1;
    assert.deepEqual(counts, [100, 100, 100, 100]);
  });
  it('rounds stepped floats onto the grid', () => {
    const d = new FloatDistribution(0, 1, false, 0.25);
    assert.equal(d.fromUnit(0.55), 0.5);
    assert.ok(d.contains(0.75));
    assert.ok(!d.contains(0.7));
  });
});
