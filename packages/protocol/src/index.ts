export { NATS_AUTH_ENV, type NatsAuth, natsAuthFromEnv } from './auth.js';
// The public API of @hpo/protocol. Other packages import only from here.

export * from './grpc.js';
export { DEFAULT_QUEUE, ensureInfrastructure, type QueueSettings } from './jetstream.js';
export {
  BUCKETS,
  COORDINATOR_RESULTS_CONSUMER,
  CodecError,
  type DropMessage,
  decodeDrop,
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
