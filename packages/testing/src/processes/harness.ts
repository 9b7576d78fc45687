import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (this file is packages/testing/dist/processes/harness.js). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const CLI = join(ROOT, 'packages/cli/dist/main.js');
export const CHURN = join(ROOT, 'examples/churn/churn.csv');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the hpo CLI to completion (bounded by `timeoutMs`). */
export function runCli(
  args: string[],
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<RunResult> {
  const child = startCli(args, options.env);
  return collect(child, options.timeoutMs ?? 300_000);
}

/** Starts the hpo CLI without waiting (for kill tests). */
export function startCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess, timeoutMs: number): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

const tempDirs: string[] = [];
process.once('exit', () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A temporary folder removed when the test process exits. */
export function tempDir(prefix = 'hpo-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A temporary folder with a study spec (YAML written as JSON, which YAML accepts). */
export function writeStudy(spec: Record<string, unknown>): { dir: string; file: string } {
  const dir = tempDir();
  const file = join(dir, 'study.yaml');
  writeFileSync(file, JSON.stringify(spec, null, 2));
  return { dir, file };
}

/**
 * A small, fast churn study: few epochs, 3 folds. `fixed` replaces the fixed training
 * parameters (e.g. more epochs for folds slow enough to interrupt).
 */
export function smallChurnSpec(
  overrides: Record<string, unknown> = {},
  fixed?: Record<string, unknown>,
): Record<string, unknown> {
  const spec = baseChurnSpec(overrides);
  if (fixed) (spec.search as { fixed: Record<string, unknown> }).fixed = fixed;
  return spec;
}

function baseChurnSpec(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'e2e',
    dataset: { path: CHURN, label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } },
    model: 'mlp',
    cv: { k: 3, seed: 1 },
    search: {
      space: {
        units: { type: 'int', low: 4, high: 32, log: true },
        learningRate: { type: 'float', low: 0.001, high: 0.03, log: true },
        classWeight: { type: 'categorical', choices: ['none', 'balanced'] },
      },
      fixed: { epochs: 3, layers: 1, batchSize: 128 },
    },
    sampler: { type: 'tpe', startupTrials: 3 },
    budget: { trials: 4, parallelism: 1 },
    seed: 3,
    ...overrides,
  };
}

/** Waits, polling every 50 ms, until `done()` holds; fails naming `what` after `timeoutMs`. */
export async function until(
  what: string,
  done: () => boolean | Promise<boolean>,
  timeoutMs = 300_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
