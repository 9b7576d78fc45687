// Regenerates the TypeScript types of proto/hpo/v1/*.proto into src/gen (committed).
// Usage: node scripts/generate.mjs [outDir]   (default: src/gen). The staleness test runs it
// into a temporary folder and compares.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const protoRoot = resolve(here, '../../../proto');
const outDir = resolve(process.argv[2] ?? join(here, '../src/gen'));
const require = createRequire(import.meta.url);
const bin = join(
  dirname(require.resolve('@grpc/proto-loader/package.json')),
  'build/bin/proto-loader-gen-types.js',
);
const files = readdirSync(join(protoRoot, 'hpo/v1'))
  .filter((f) => f.endsWith('.proto'))
  .map((f) => `hpo/v1/${f}`);
rmSync(outDir, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    bin,
    ...LOADER_FLAGS(),
    '--includeComments',
    '--grpcLib=@grpc/grpc-js',
    `-I=${protoRoot}`,
    `-O=${outDir}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
// Generated headers name the absolute .proto path: make them checkout-independent.
for (const file of walk(outDir)) {
  const text = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    text
      .replaceAll(`${protoRoot}/`, 'proto/')
      // ESM (NodeNext) needs explicit extensions on relative imports.
      .replace(/from '(\.\.?\/[^']+?)'/g, (_, spec) => `from '${spec}.js'`),
  );
}

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* walk(join(dir, e.name));
    else yield join(dir, e.name);
  }
}

/** Must match the options the server and clients pass to protoLoader.loadSync (see src/grpc.ts). */
function LOADER_FLAGS() {
  return ['--longs=Number', '--enums=String', '--defaults', '--oneofs'];
}
