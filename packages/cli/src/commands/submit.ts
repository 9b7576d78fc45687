import {
  encodeDataset,
  loadDataset,
  loadStudySpec,
  readTestDataset,
  sha256Hex,
  studyDatasets,
  validateStudySpec,
} from '@hpo/core';
import { admitSpec, validateStudy } from '@hpo/orchestrator';
import type { Study__Output } from '@hpo/protocol';
import { CliError, UsageError } from '../errors.js';
import { columnSummary } from '../output/columns.js';
import { connectRemote, fromGrpc, type Remote, type ServerOptions, unary } from '../remote/client.js';
import { followStudy, reconnectSeconds } from './watch.js';

export interface SubmitOptions extends ServerOptions {
  wait?: boolean;
  /** The study's share of the workers (budget.weight). */
  weight?: number;
  id?: string;
  json?: boolean;
  quiet?: boolean;
}

const CHUNK = 1024 * 1024;

/**
 * `hpo submit`: validates the spec and dataset locally (the same checks as `hpo tune`), uploads
 * the dataset unless the server already has its hash, and creates the study. With --wait it
 * follows the study and exits non-zero unless it finishes.
 */
export async function submitCommand(specFile: string, opts: SubmitOptions): Promise<number> {
  // Read before anything is sent: a bad value must not surface after the study exists.
  if (opts.wait) reconnectSeconds();
  const loaded = loadStudySpec(specFile);
  // --weight goes through the spec schema, like a budget.weight in the file.
  if (opts.weight !== undefined)
    loaded.spec = validateStudySpec(
      { ...loaded.spec, budget: { ...loaded.spec.budget, weight: opts.weight } },
      specFile,
    );
  // The coordinator runs the same admission; checking here fails before any upload.
  admitSpec(loaded.spec, specFile);
  const ds = loadDataset(loaded.spec.dataset, loaded.datasetPath);
  if (ds.kind === 'tabular' && ds.report && !opts.quiet && !opts.json)
    process.stderr.write(`${columnSummary(ds.report)}\n`);
  // The same split the coordinator will make, checked here (cv.holdout is split there).
  const testFile = loaded.testPath ? readTestDataset(loaded.spec, loaded.testPath, ds) : undefined;
  const { train } = studyDatasets(loaded.spec, ds, testFile);
  validateStudy(loaded.spec, train, specFile);
  const quiet = Boolean(opts.quiet || opts.json);
  const remote = await connectRemote(opts);
  try {
    const sha256 = await ensureUploaded(remote, encodeDataset(ds), 'dataset', quiet);
    const testSha256 = testFile
      ? await ensureUploaded(remote, encodeDataset(testFile), 'test set', quiet)
      : '';
    const request = {
      spec: JSON.stringify(loaded.spec),
      datasetSha256: sha256,
      studyId: opts.id ?? '',
      testDatasetSha256: testSha256,
    };
    let study: Study__Output;
    let attached = false;
    try {
      study = await unary<Study__Output>(remote, 'CreateStudy', request);
    } catch (err) {
      // A rerun of the same submission (a retried Job) follows the study it created before.
      if (!(opts.id && err instanceof CliError && err.kind === 'already_exists')) throw err;
      // Another tenant's study of that id is not ours to follow: the error stands.
      study = await existingSameStudy(remote, opts.id, request).catch((e: unknown) => {
        throw e instanceof CliError && e.kind === 'not_found' ? err : e;
      });
      attached = true;
    }
    if (!opts.wait) {
      if (opts.json)
        process.stdout.write(`${JSON.stringify({ study: study.studyId, state: study.state })}\n`);
      else process.stdout.write(`${study.studyId}\n`);
      if (!opts.quiet && !opts.json)
        process.stderr.write(`follow it with: hpo leaderboard ${study.studyId} --watch\n`);
      return 0;
    }
    if (!opts.quiet && !opts.json)
      process.stderr.write(
        attached
          ? `study ${study.studyId} already exists with this spec and dataset (${study.state}); following it\n`
          : `study ${study.studyId} created; waiting for it to finish\n`,
      );
    return await followStudy(remote, study.studyId, { json: Boolean(opts.json), quiet: Boolean(opts.quiet) });
  } finally {
    remote.close();
  }
}

/**
 * The study `id` when it was created from this same spec and dataset (a rerun of the same
 * submission); any difference is an error naming what differs.
 */
async function existingSameStudy(
  remote: Remote,
  id: string,
  request: { spec: string; datasetSha256: string; testDatasetSha256: string },
): Promise<Study__Output> {
  const study = await unary<Study__Output>(remote, 'GetStudy', { studyId: id });
  // Exit 2 like a bad spec: retrying (a Job's backoff) cannot make it the same study.
  const differs = (what: string) =>
    new UsageError(
      `study '${id}' already exists with ${what} than this submission`,
      'pick another --id, or submit the same spec and dataset to follow the existing study',
    );
  const mine = JSON.parse(request.spec) as { cv?: { holdout?: number } } & Record<string, unknown>;
  // With cv.holdout the coordinator splits the upload and records the two parts' hashes, not the
  // upload's: then the spec (dataset path, holdout, seeds) is what must match.
  if (!mine.cv?.holdout) {
    if (study.datasetSha256 !== request.datasetSha256) throw differs('another dataset');
    if ((study.testDatasetSha256 ?? '') !== request.testDatasetSha256) throw differs('another test set');
  }
  const theirs = JSON.parse(study.specJson) as Record<string, unknown>;
  const field = firstDifference(mine, theirs);
  if (field !== undefined) throw differs(`another spec (${field || 'the whole spec'} differs)`);
  return study;
}

/** The path of the first field where two JSON values differ ('' for the roots), or undefined. */
function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;
  if (Array.isArray(a) !== Array.isArray(b)) return path;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of [...keys].sort()) {
    const d = firstDifference(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      path ? `${path}.${k}` : k,
    );
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Uploads a canonical dataset unless the server has it already; its SHA-256. */
async function ensureUploaded(
  remote: Remote,
  bytes: Uint8Array,
  what: string,
  quiet: boolean,
): Promise<string> {
  const sha256 = sha256Hex(bytes);
  const { exists } = await unary<{ exists: boolean }>(remote, 'HasDataset', { sha256 });
  if (exists) {
    if (!quiet) process.stderr.write(`${what} ${sha256.slice(0, 12)}… is already on the server\n`);
  } else {
    await upload(remote, bytes, sha256, quiet);
  }
  return sha256;
}

function upload(remote: Remote, bytes: Uint8Array, sha256: string, quiet: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = remote.client.UploadDataset((err) => (err ? reject(fromGrpc(err, remote)) : resolve()));
    for (let off = 0; off < bytes.length; off += CHUNK) {
      stream.write({
        ...(off === 0 ? { sha256, size: bytes.length, format: 'DATASET_FORMAT_HPO' as const } : {}),
        data: Buffer.from(bytes.subarray(off, off + CHUNK)),
      });
    }
    stream.end();
    if (!quiet)
      process.stderr.write(
        `uploading dataset ${sha256.slice(0, 12)}… (${(bytes.length / 1024).toFixed(0)} KiB)\n`,
      );
  });
}
