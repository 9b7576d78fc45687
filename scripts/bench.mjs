// Runs every benchmark one after another (they would disturb each other's timings in
// parallel) and prints one JSON object: { optimizer, trainer, orchestrator, pruning, zeroconfig, distributed, serve, memory }.
// Usage: npm run bench [-- --quick]. Each part alone: node bench/dist/<part>/run.js.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const parts = {
  optimizer: ['bench/dist/optimizer/run.js'],
  trainer: ['bench/dist/trainer/run.js'],
  orchestrator: ['bench/dist/orchestrator/run.js'],
  pruning: ['bench/dist/pruning/run.js'],
  zeroconfig: ['bench/dist/zeroconfig/run.js'],
  distributed: ['bench/dist/distributed/run.js'],
  serve: ['bench/dist/serve/run.js'],
  memory: ['bench/dist/memory/run.js'],
};
const out = { startedAt: new Date().toISOString(), quick };
for (const [name, [script]] of Object.entries(parts)) {
  process.stderr.write(`bench: ${name}…\n`);
  const started = Date.now();
  const stdout = execFileSync(process.execPath, [join(root, script), ...(quick ? ['--quick'] : [])], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
  out[name] = JSON.parse(stdout);
  process.stderr.write(`bench: ${name} took ${Math.round((Date.now() - started) / 1000)} s\n`);
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
