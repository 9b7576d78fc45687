import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadHpoProto } from './grpc.js';

const pkg = resolve(fileURLToPath(import.meta.url), '../..');

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.set(relative(dir, join(d, e.name)), readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('generated gRPC code', () => {
  it('is up to date with proto/ (run `npm run generate -w @hpo/protocol` after editing a .proto)', () => {
    const out = mkdtempSync(join(tmpdir(), 'hpo-gen-'));
    execFileSync(process.execPath, [join(pkg, 'scripts/generate.mjs'), out], { stdio: 'pipe' });
    const fresh = files(out);
    const committed = files(join(pkg, 'src/gen'));
    assert.deepEqual([...committed.keys()].sort(), [...fresh.keys()].sort(), 'same generated files');
    for (const [name, text] of fresh) assert.equal(committed.get(name), text, `src/gen/${name} is stale`);
  });

  it('loads the service definition', () => {
    const proto = loadHpoProto();
    assert.equal(typeof proto.hpo.v1.StudyService, 'function');
    assert.ok('CreateStudy' in proto.hpo.v1.StudyService.service);
  });
});
