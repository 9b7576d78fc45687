/**
 * Helpers for the worker tests: the churn dataset in the object store, task envelopes, worker
 * processes whose JSON log lines can be awaited, and a reader of the results stream.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { encodeDataset, readCsvDataset, sha256Hex } from '@hpo/core';
import {
  BUCKETS,
  decodeResult,
  encodeJson,
  type ResultEnvelope,
  STREAMS,
  SUBJECTS,
  studyNonce,
  taskId,
  taskNonce,
} from '@hpo/protocol';
import { CHURN, ROOT } from '@hpo/testing/processes';
import type { ConsumerMessages, JetStreamClient } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';

export const WORKER = join(ROOT, 'services/worker/dist/main.js');

/** Uploads the churn dataset's canonical blob to the datasets bucket; returns its hash. */
export async function uploadChurn(nc: NatsConnection): Promise<string> {
  const ds = readCsvDataset(CHURN, { label: 'churn', positive: 'yes', columns: { customer_id: 'ignore' } });
  const bytes = encodeDataset(ds);
  const hash = sha256Hex(bytes);
  const store = await new Objm(nc).open(BUCKETS.datasets);
  await store.putBlob({ name: hash }, bytes);
  return hash;
}

/** A fold task envelope for (study, trial, fold) with `params`. */
export function foldTask(
  study: string,
  trial: number,
  fold: number,
  hash: string,
  params: Record<string, unknown>,
) {
  const id = taskId(study, trial, fold);
  return {
    id,
    study,
    task: {
      kind: 'fold',
      trial,
      datasetHash: hash,
      cv: { k: 3, seed: 1, repeat: 0, fold },
      params,
      seed: 7,
      threshold: 0.5,
    },
    ...proofs(study, id),
  };
}

/** The secret the tests play coordinator with (workers never see it; they echo what tasks carry). */
export const TEST_SECRET = new Uint8Array(32).fill(42);
export const TEST_EPOCH = 'test1';

/** The proofs a coordinator would put on task `id` of `study`. */
export function proofs(study: string, id: string) {
  return {
    epoch: TEST_EPOCH,
    nonce: taskNonce(TEST_SECRET, id, TEST_EPOCH),
    studyNonce: studyNonce(TEST_SECRET, study, TEST_EPOCH),
  };
}

/** A refit task envelope for `study` with the metadata a study's refit carries. */
export function refitTask(study: string, trial: number, hash: string, params: Record<string, unknown>) {
  const id = taskId(study, trial, 'refit');
  return {
    id,
    study,
    ...proofs(study, id),
    task: {
      kind: 'refit',
      trial,
      datasetHash: hash,
      params,
      seed: 3,
      metadata: {
        study,
        trial,
        params,
        objective: { metric: 'rocAuc', direction: 'maximize', value: 0.8 },
        cv: { k: 3, repeats: 1, seed: 1, metrics: {} },
        thresholds: { default: 0.5, bestF1: 0.4 },
        datasetHash: hash,
        seed: 0,
      },
    },
  };
}

/** Publishes an envelope (or raw bytes) to a study's task subject; returns its stream sequence. */
export async function publishTask(
  js: JetStreamClient,
  study: string,
  task: object | Uint8Array,
): Promise<number> {
  const ack = await js.publish(SUBJECTS.task(study), task instanceof Uint8Array ? task : encodeJson(task));
  return ack.seq;
}

/** One log line of a worker (pino JSON). */
export type LogLine = Record<string, unknown> & { msg?: string };

/** A worker process; `lines` grows as it logs, `waitForLog` waits for a matching line. */
export class WorkerProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(readonly child: ChildProcess) {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const text = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          line = { msg: text, unparsed: true };
        }
        this.lines.push(line);
        this.waiters = this.waiters.filter((w) => {
          if (!w.pred(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Starts `node services/worker/dist/main.js args`. */
  static start(args: string[], env: Record<string, string> = {}): WorkerProcess {
    return new WorkerProcess(
      spawn(process.execPath, [WORKER, ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
  }

  /** Resolves with the first (past or future) log line matching `pred`. */
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const seen = this.lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no matching log line within ${timeoutMs} ms; log:\n${this.dump()}`));
      }, timeoutMs);
      // Losing waiters of a Promise.any must not keep the test process alive.
      timer.unref();
      this.waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  dump(): string {
    return `${this.lines.map((l) => JSON.stringify(l)).join('\n')}\nstderr: ${this.stderr}`;
  }

  /** SIGKILLs the process unless it has exited; waits for the exit. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Reads every result published to the results stream (an ordered consumer, nothing durable). */
export class ResultReader {
  readonly results: ResultEnvelope[] = [];
  private messages: ConsumerMessages | undefined;
  private waiters: (() => void)[] = [];

  static async open(js: JetStreamClient): Promise<ResultReader> {
    const reader = new ResultReader();
    const consumer = await js.consumers.get(STREAMS.results);
    reader.messages = await consumer.consume();
    (async () => {
      for await (const m of reader.messages!) {
        reader.results.push(decodeResult(m.data));
        for (const w of reader.waiters.splice(0)) w();
      }
    })().catch(() => {});
    return reader;
  }

  /** Results of one study, in arrival order. */
  of(study: string): ResultEnvelope[] {
    return this.results.filter((r) => r.study === study);
  }

  /** Waits until `pred` holds over the results so far. */
  async until(pred: (all: ResultEnvelope[]) => boolean, timeoutMs = 60_000, what = 'results'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.results)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; have ${JSON.stringify(this.results.map((r) => r.id))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.messages?.stop();
  }
}
