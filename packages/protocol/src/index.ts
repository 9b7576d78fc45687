// The public API of @hpo/protocol. Other packages import only from here.

export { NATS_AUTH_ENV, type NatsAuth, natsAuthFromEnv } from './auth.js';
export * from './grpc.js';
export {
  DEFAULT_QUEUE,
  EVENTS_DUPLICATE_WINDOW_SECONDS,
  ensureInfrastructure,
  isMissingStreamOrConsumer,
  permissionViolation,
  type QueueSettings,
} from './jetstream.js';
export {
  BUCKETS,
  type CancelMessage,
  COORDINATOR_RESULTS_CONSUMER,
  CodecError,
  type DropMessage,
  decodeCancel,
  decodeDrop,
  decodeResult,
  decodeTask,
  encodeJson,
  foldResultOf,
  type ResultEnvelope,
  refitResultOf,
  STREAMS,
  STUDY_ID,
  SUBJECTS,
  type TaskEnvelope,
  taskId,
  taskIdOf,
  WORKER_CONSUMER,
  WORKER_INBOX_PREFIX,
} from './nats.js';
export { newSecret, resultMsgId, sameNonce, studyNonce, taskNonce } from './proofs.js';
export {
  ConfigError,
  Expected,
  flag,
  folder,
  hostPort,
  integer,
  matching,
  metricsPortSetting,
  NATS_CREDENTIALS_HELP,
  nameSetting,
  natsUrls,
  oneOf,
  optionalFile,
  readNatsAuth,
  readSettings,
  type Setting,
  type SettingsTable,
  type SettingValues,
  SHARED_SETTINGS,
  seconds,
  settingsHelp,
} from './service-config.js';
