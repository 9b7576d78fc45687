// The public API of @hpo/protocol. Other packages import only from here.
export { DEFAULT_QUEUE, ensureInfrastructure, type QueueSettings } from './jetstream.js';
export {
  BUCKETS,
  CodecError,
  COORDINATOR_RESULTS_CONSUMER,
  decodeResult,
  decodeTask,
  encodeJson,
  type RemoteFoldTask,
  type RemoteRefitResult,
  type RemoteRefitTask,
  type ResultEnvelope,
  STREAMS,
  STUDY_ID,
  SUBJECTS,
  type TaskEnvelope,
  taskId,
  WORKER_CONSUMER,
} from './nats.js';
