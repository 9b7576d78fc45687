/**
 * A worker thread that reads an uploaded file with core's readers and writes the dataset's
 * canonical bytes to a file (block by block: never all in memory), answering their hash: the
 * coordinator's event loop (gRPC, result routing, every other study) keeps
 * running while a large CSV is parsed, and the thread's heap limit bounds what one file costs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DatasetError, loadDataset, type StudySpec, toWireError, writeDatasetFile } from '@hpo/core';

interface Job {
  options: StudySpec['dataset'];
  path: string;
  /** The upload's name for messages, replacing `path` in a DatasetError's file. */
  name: string;
  /** Where the canonical bytes go. */
  out: string;
}

const { options, path, name, out } = workerData as Job;
try {
  const hash = writeDatasetFile(loadDataset(options, path), out);
  parentPort!.postMessage({ ok: true, hash });
} catch (err) {
  const named =
    err instanceof DatasetError
      ? err.relocated((f) => (f.startsWith(path) ? `${name}${f.slice(path.length)}` : f))
      : err;
  parentPort!.postMessage({ ok: false, error: toWireError(named) });
}
