/**
 * A worker thread that reads an uploaded file with core's readers and answers the dataset's
 * canonical bytes: the coordinator's event loop (gRPC, result routing, every other study) keeps
 * running while a large CSV is parsed, and the thread's heap limit bounds what one file costs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DatasetError, encodeDataset, loadDataset, type StudySpec, toWireError } from '@hpo/core';

interface Job {
  options: StudySpec['dataset'];
  path: string;
  /** The upload's name for messages, replacing `path` in a DatasetError's file. */
  name: string;
}

const { options, path, name } = workerData as Job;
try {
  const bytes = encodeDataset(loadDataset(options, path));
  parentPort!.postMessage({ ok: true, bytes }, [bytes.buffer as ArrayBuffer]);
} catch (err) {
  const named =
    err instanceof DatasetError
      ? err.relocated((f) => (f.startsWith(path) ? `${name}${f.slice(path.length)}` : f))
      : err;
  parentPort!.postMessage({ ok: false, error: toWireError(named) });
}
