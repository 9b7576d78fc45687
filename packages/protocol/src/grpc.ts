import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './gen/study_service.js';

/** Whether a host:port is on this machine only (127.x.x.x, localhost, [::1]). */
export function isLoopback(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The repository's `proto/` folder, the source of truth of the API. */
export const PROTO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../proto');
export const PROTO_FILE = 'hpo/v1/study_service.proto';

/** Loader options; they must match the generator flags in scripts/generate.mjs. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

let cached: protoLoader.PackageDefinition | undefined;

/** The parsed package definition (also what server reflection serves). */
export function packageDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS);
  return cached;
}

/** The typed gRPC package `hpo.v1`: service constructors for clients and servers. */
export function loadHpoProto(): ProtoGrpcType {
  return grpc.loadPackageDefinition(packageDefinition()) as unknown as ProtoGrpcType;
}

export type { FileChunk, FileChunk__Output } from './gen/hpo/v1/FileChunk.js';
export type { MetricSummary as MetricSummaryMessage } from './gen/hpo/v1/MetricSummary.js';
export type { ModelEstimate, ModelEstimate__Output } from './gen/hpo/v1/ModelEstimate.js';
export type { Study, Study__Output } from './gen/hpo/v1/Study.js';
export type {
  StudyEvent as StudyEventMessage,
  StudyEvent__Output as StudyEventMessage__Output,
} from './gen/hpo/v1/StudyEvent.js';
export type { StudyServiceClient, StudyServiceHandlers } from './gen/hpo/v1/StudyService.js';
export type { Trial, Trial__Output } from './gen/hpo/v1/Trial.js';
export type {
  UploadDatasetRequest,
  UploadDatasetRequest__Output,
} from './gen/hpo/v1/UploadDatasetRequest.js';
export type { ProtoGrpcType };
