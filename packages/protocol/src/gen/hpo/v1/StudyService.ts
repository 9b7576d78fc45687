// Original file: proto/hpo/v1/study_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CancelStudyRequest as _hpo_v1_CancelStudyRequest, CancelStudyRequest__Output as _hpo_v1_CancelStudyRequest__Output } from '../../hpo/v1/CancelStudyRequest.js';
import type { CreateStudyRequest as _hpo_v1_CreateStudyRequest, CreateStudyRequest__Output as _hpo_v1_CreateStudyRequest__Output } from '../../hpo/v1/CreateStudyRequest.js';
import type { EventRecord as _hpo_v1_EventRecord, EventRecord__Output as _hpo_v1_EventRecord__Output } from '../../hpo/v1/EventRecord.js';
import type { ExportEventsRequest as _hpo_v1_ExportEventsRequest, ExportEventsRequest__Output as _hpo_v1_ExportEventsRequest__Output } from '../../hpo/v1/ExportEventsRequest.js';
import type { ExportModelRequest as _hpo_v1_ExportModelRequest, ExportModelRequest__Output as _hpo_v1_ExportModelRequest__Output } from '../../hpo/v1/ExportModelRequest.js';
import type { FileChunk as _hpo_v1_FileChunk, FileChunk__Output as _hpo_v1_FileChunk__Output } from '../../hpo/v1/FileChunk.js';
import type { GetLeaderboardRequest as _hpo_v1_GetLeaderboardRequest, GetLeaderboardRequest__Output as _hpo_v1_GetLeaderboardRequest__Output } from '../../hpo/v1/GetLeaderboardRequest.js';
import type { GetStudyRequest as _hpo_v1_GetStudyRequest, GetStudyRequest__Output as _hpo_v1_GetStudyRequest__Output } from '../../hpo/v1/GetStudyRequest.js';
import type { HasDatasetRequest as _hpo_v1_HasDatasetRequest, HasDatasetRequest__Output as _hpo_v1_HasDatasetRequest__Output } from '../../hpo/v1/HasDatasetRequest.js';
import type { HasDatasetResponse as _hpo_v1_HasDatasetResponse, HasDatasetResponse__Output as _hpo_v1_HasDatasetResponse__Output } from '../../hpo/v1/HasDatasetResponse.js';
import type { ListStudiesRequest as _hpo_v1_ListStudiesRequest, ListStudiesRequest__Output as _hpo_v1_ListStudiesRequest__Output } from '../../hpo/v1/ListStudiesRequest.js';
import type { ListStudiesResponse as _hpo_v1_ListStudiesResponse, ListStudiesResponse__Output as _hpo_v1_ListStudiesResponse__Output } from '../../hpo/v1/ListStudiesResponse.js';
import type { ListTrialsRequest as _hpo_v1_ListTrialsRequest, ListTrialsRequest__Output as _hpo_v1_ListTrialsRequest__Output } from '../../hpo/v1/ListTrialsRequest.js';
import type { ListTrialsResponse as _hpo_v1_ListTrialsResponse, ListTrialsResponse__Output as _hpo_v1_ListTrialsResponse__Output } from '../../hpo/v1/ListTrialsResponse.js';
import type { Study as _hpo_v1_Study, Study__Output as _hpo_v1_Study__Output } from '../../hpo/v1/Study.js';
import type { StudyEvent as _hpo_v1_StudyEvent, StudyEvent__Output as _hpo_v1_StudyEvent__Output } from '../../hpo/v1/StudyEvent.js';
import type { UploadDatasetRequest as _hpo_v1_UploadDatasetRequest, UploadDatasetRequest__Output as _hpo_v1_UploadDatasetRequest__Output } from '../../hpo/v1/UploadDatasetRequest.js';
import type { UploadDatasetResponse as _hpo_v1_UploadDatasetResponse, UploadDatasetResponse__Output as _hpo_v1_UploadDatasetResponse__Output } from '../../hpo/v1/UploadDatasetResponse.js';
import type { WatchStudyRequest as _hpo_v1_WatchStudyRequest, WatchStudyRequest__Output as _hpo_v1_WatchStudyRequest__Output } from '../../hpo/v1/WatchStudyRequest.js';

/**
 * Studies: the unit of work.
 * 
 * Authentication: with an auth file, every call but the standard health and reflection
 * services carries `authorization: Bearer <token>` in its metadata (or comes over mTLS with a
 * client certificate the auth file lists). A token maps to a tenant and a role: viewer (read),
 * submitter (also upload, create, cancel, export), admin (every tenant). Each tenant sees only
 * its own studies and datasets; another tenant's study is NOT_FOUND. Study ids are unique
 * across tenants (ALREADY_EXISTS says only that the id is taken).
 * 
 * Errors use standard gRPC codes:
 * INVALID_ARGUMENT (bad spec or request; the message names the field path, row or column),
 * NOT_FOUND (unknown study or dataset), ALREADY_EXISTS (a study id in use),
 * FAILED_PRECONDITION (e.g. export before the model exists, or upload checksum mismatch),
 * RESOURCE_EXHAUSTED (an upload over the size limit, a tenant quota, a rate limit),
 * UNAUTHENTICATED (no or bad credentials), PERMISSION_DENIED (the role does not allow the call).
 */
export interface StudyServiceClient extends grpc.Client {
  /**
   * Stops a study: no new trials or folds; running folds are cancelled; results are kept.
   */
  CancelStudy(argument: _hpo_v1_CancelStudyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  CancelStudy(argument: _hpo_v1_CancelStudyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  CancelStudy(argument: _hpo_v1_CancelStudyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  CancelStudy(argument: _hpo_v1_CancelStudyRequest, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  /**
   * Stops a study: no new trials or folds; running folds are cancelled; results are kept.
   */
  cancelStudy(argument: _hpo_v1_CancelStudyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  cancelStudy(argument: _hpo_v1_CancelStudyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  cancelStudy(argument: _hpo_v1_CancelStudyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  cancelStudy(argument: _hpo_v1_CancelStudyRequest, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates a study from a spec (YAML or JSON text) over an uploaded dataset, and starts it.
   */
  CreateStudy(argument: _hpo_v1_CreateStudyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  CreateStudy(argument: _hpo_v1_CreateStudyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  CreateStudy(argument: _hpo_v1_CreateStudyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  CreateStudy(argument: _hpo_v1_CreateStudyRequest, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  /**
   * Creates a study from a spec (YAML or JSON text) over an uploaded dataset, and starts it.
   */
  createStudy(argument: _hpo_v1_CreateStudyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  createStudy(argument: _hpo_v1_CreateStudyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  createStudy(argument: _hpo_v1_CreateStudyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  createStudy(argument: _hpo_v1_CreateStudyRequest, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  
  /**
   * Streams the study's recorded event log (every trial, fold result, ...), in
   * order, as JSON: the same records as an embedded study's events.jsonl. `hpo report` uses it.
   */
  ExportEvents(argument: _hpo_v1_ExportEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_EventRecord__Output>;
  ExportEvents(argument: _hpo_v1_ExportEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_EventRecord__Output>;
  /**
   * Streams the study's recorded event log (every trial, fold result, ...), in
   * order, as JSON: the same records as an embedded study's events.jsonl. `hpo report` uses it.
   */
  exportEvents(argument: _hpo_v1_ExportEventsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_EventRecord__Output>;
  exportEvents(argument: _hpo_v1_ExportEventsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_EventRecord__Output>;
  
  /**
   * Streams the files of the study's saved model.
   */
  ExportModel(argument: _hpo_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_FileChunk__Output>;
  ExportModel(argument: _hpo_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_FileChunk__Output>;
  /**
   * Streams the files of the study's saved model.
   */
  exportModel(argument: _hpo_v1_ExportModelRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_FileChunk__Output>;
  exportModel(argument: _hpo_v1_ExportModelRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_FileChunk__Output>;
  
  /**
   * Trials ranked by the objective (complete, then pruned, running, failed).
   */
  GetLeaderboard(argument: _hpo_v1_GetLeaderboardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  GetLeaderboard(argument: _hpo_v1_GetLeaderboardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  GetLeaderboard(argument: _hpo_v1_GetLeaderboardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  GetLeaderboard(argument: _hpo_v1_GetLeaderboardRequest, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Trials ranked by the objective (complete, then pruned, running, failed).
   */
  getLeaderboard(argument: _hpo_v1_GetLeaderboardRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  getLeaderboard(argument: _hpo_v1_GetLeaderboardRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  getLeaderboard(argument: _hpo_v1_GetLeaderboardRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  getLeaderboard(argument: _hpo_v1_GetLeaderboardRequest, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  
  GetStudy(argument: _hpo_v1_GetStudyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  GetStudy(argument: _hpo_v1_GetStudyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  GetStudy(argument: _hpo_v1_GetStudyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  GetStudy(argument: _hpo_v1_GetStudyRequest, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  getStudy(argument: _hpo_v1_GetStudyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  getStudy(argument: _hpo_v1_GetStudyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  getStudy(argument: _hpo_v1_GetStudyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  getStudy(argument: _hpo_v1_GetStudyRequest, callback: grpc.requestCallback<_hpo_v1_Study__Output>): grpc.ClientUnaryCall;
  
  /**
   * Tells whether the caller's tenant has a dataset, without uploading it.
   */
  HasDataset(argument: _hpo_v1_HasDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_HasDatasetResponse__Output>): grpc.ClientUnaryCall;
  HasDataset(argument: _hpo_v1_HasDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_HasDatasetResponse__Output>): grpc.ClientUnaryCall;
  HasDataset(argument: _hpo_v1_HasDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_HasDatasetResponse__Output>): grpc.ClientUnaryCall;
  HasDataset(argument: _hpo_v1_HasDatasetRequest, callback: grpc.requestCallback<_hpo_v1_HasDatasetResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Tells whether the caller's tenant has a dataset, without uploading it.
   */
  hasDataset(argument: _hpo_v1_HasDatasetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_HasDatasetResponse__Output>): grpc.ClientUnaryCall;
  hasDataset(argument: _hpo_v1_HasDatasetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_HasDatasetResponse__Output>): grpc.ClientUnaryCall;
  hasDataset(argument: _hpo_v1_HasDatasetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_HasDatasetResponse__Output>): grpc.ClientUnaryCall;
  hasDataset(argument: _hpo_v1_HasDatasetRequest, callback: grpc.requestCallback<_hpo_v1_HasDatasetResponse__Output>): grpc.ClientUnaryCall;
  
  ListStudies(argument: _hpo_v1_ListStudiesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListStudiesResponse__Output>): grpc.ClientUnaryCall;
  ListStudies(argument: _hpo_v1_ListStudiesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_ListStudiesResponse__Output>): grpc.ClientUnaryCall;
  ListStudies(argument: _hpo_v1_ListStudiesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListStudiesResponse__Output>): grpc.ClientUnaryCall;
  ListStudies(argument: _hpo_v1_ListStudiesRequest, callback: grpc.requestCallback<_hpo_v1_ListStudiesResponse__Output>): grpc.ClientUnaryCall;
  listStudies(argument: _hpo_v1_ListStudiesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListStudiesResponse__Output>): grpc.ClientUnaryCall;
  listStudies(argument: _hpo_v1_ListStudiesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_ListStudiesResponse__Output>): grpc.ClientUnaryCall;
  listStudies(argument: _hpo_v1_ListStudiesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListStudiesResponse__Output>): grpc.ClientUnaryCall;
  listStudies(argument: _hpo_v1_ListStudiesRequest, callback: grpc.requestCallback<_hpo_v1_ListStudiesResponse__Output>): grpc.ClientUnaryCall;
  
  ListTrials(argument: _hpo_v1_ListTrialsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  ListTrials(argument: _hpo_v1_ListTrialsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  ListTrials(argument: _hpo_v1_ListTrialsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  ListTrials(argument: _hpo_v1_ListTrialsRequest, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  listTrials(argument: _hpo_v1_ListTrialsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  listTrials(argument: _hpo_v1_ListTrialsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  listTrials(argument: _hpo_v1_ListTrialsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  listTrials(argument: _hpo_v1_ListTrialsRequest, callback: grpc.requestCallback<_hpo_v1_ListTrialsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Uploads a dataset file (client stream of chunks). The first chunk carries the file's SHA-256,
   * its size and its format; the server checks both against the bytes received and keeps nothing
   * of an upload that does not match. Uploads are content-addressed per tenant: uploading bytes
   * the tenant already has is free.
   */
  UploadDataset(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_UploadDatasetResponse__Output>): grpc.ClientWritableStream<_hpo_v1_UploadDatasetRequest>;
  UploadDataset(metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_UploadDatasetResponse__Output>): grpc.ClientWritableStream<_hpo_v1_UploadDatasetRequest>;
  UploadDataset(options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_UploadDatasetResponse__Output>): grpc.ClientWritableStream<_hpo_v1_UploadDatasetRequest>;
  UploadDataset(callback: grpc.requestCallback<_hpo_v1_UploadDatasetResponse__Output>): grpc.ClientWritableStream<_hpo_v1_UploadDatasetRequest>;
  /**
   * Uploads a dataset file (client stream of chunks). The first chunk carries the file's SHA-256,
   * its size and its format; the server checks both against the bytes received and keeps nothing
   * of an upload that does not match. Uploads are content-addressed per tenant: uploading bytes
   * the tenant already has is free.
   */
  uploadDataset(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_UploadDatasetResponse__Output>): grpc.ClientWritableStream<_hpo_v1_UploadDatasetRequest>;
  uploadDataset(metadata: grpc.Metadata, callback: grpc.requestCallback<_hpo_v1_UploadDatasetResponse__Output>): grpc.ClientWritableStream<_hpo_v1_UploadDatasetRequest>;
  uploadDataset(options: grpc.CallOptions, callback: grpc.requestCallback<_hpo_v1_UploadDatasetResponse__Output>): grpc.ClientWritableStream<_hpo_v1_UploadDatasetRequest>;
  uploadDataset(callback: grpc.requestCallback<_hpo_v1_UploadDatasetResponse__Output>): grpc.ClientWritableStream<_hpo_v1_UploadDatasetRequest>;
  
  /**
   * Streams what happens to a study from now on (after a snapshot event), until it ends. With
   * after_position, the events logged after that position are sent first (a client resuming
   * after a coordinator restart): no event is missed or sent twice.
   */
  WatchStudy(argument: _hpo_v1_WatchStudyRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_StudyEvent__Output>;
  WatchStudy(argument: _hpo_v1_WatchStudyRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_StudyEvent__Output>;
  /**
   * Streams what happens to a study from now on (after a snapshot event), until it ends. With
   * after_position, the events logged after that position are sent first (a client resuming
   * after a coordinator restart): no event is missed or sent twice.
   */
  watchStudy(argument: _hpo_v1_WatchStudyRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_StudyEvent__Output>;
  watchStudy(argument: _hpo_v1_WatchStudyRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_hpo_v1_StudyEvent__Output>;
  
}

/**
 * Studies: the unit of work.
 * 
 * Authentication: with an auth file, every call but the standard health and reflection
 * services carries `authorization: Bearer <token>` in its metadata (or comes over mTLS with a
 * client certificate the auth file lists). A token maps to a tenant and a role: viewer (read),
 * submitter (also upload, create, cancel, export), admin (every tenant). Each tenant sees only
 * its own studies and datasets; another tenant's study is NOT_FOUND. Study ids are unique
 * across tenants (ALREADY_EXISTS says only that the id is taken).
 * 
 * Errors use standard gRPC codes:
 * INVALID_ARGUMENT (bad spec or request; the message names the field path, row or column),
 * NOT_FOUND (unknown study or dataset), ALREADY_EXISTS (a study id in use),
 * FAILED_PRECONDITION (e.g. export before the model exists, or upload checksum mismatch),
 * RESOURCE_EXHAUSTED (an upload over the size limit, a tenant quota, a rate limit),
 * UNAUTHENTICATED (no or bad credentials), PERMISSION_DENIED (the role does not allow the call).
 */
export interface StudyServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Stops a study: no new trials or folds; running folds are cancelled; results are kept.
   */
  CancelStudy: grpc.handleUnaryCall<_hpo_v1_CancelStudyRequest__Output, _hpo_v1_Study>;
  
  /**
   * Creates a study from a spec (YAML or JSON text) over an uploaded dataset, and starts it.
   */
  CreateStudy: grpc.handleUnaryCall<_hpo_v1_CreateStudyRequest__Output, _hpo_v1_Study>;
  
  /**
   * Streams the study's recorded event log (every trial, fold result, ...), in
   * order, as JSON: the same records as an embedded study's events.jsonl. `hpo report` uses it.
   */
  ExportEvents: grpc.handleServerStreamingCall<_hpo_v1_ExportEventsRequest__Output, _hpo_v1_EventRecord>;
  
  /**
   * Streams the files of the study's saved model.
   */
  ExportModel: grpc.handleServerStreamingCall<_hpo_v1_ExportModelRequest__Output, _hpo_v1_FileChunk>;
  
  /**
   * Trials ranked by the objective (complete, then pruned, running, failed).
   */
  GetLeaderboard: grpc.handleUnaryCall<_hpo_v1_GetLeaderboardRequest__Output, _hpo_v1_ListTrialsResponse>;
  
  GetStudy: grpc.handleUnaryCall<_hpo_v1_GetStudyRequest__Output, _hpo_v1_Study>;
  
  /**
   * Tells whether the caller's tenant has a dataset, without uploading it.
   */
  HasDataset: grpc.handleUnaryCall<_hpo_v1_HasDatasetRequest__Output, _hpo_v1_HasDatasetResponse>;
  
  ListStudies: grpc.handleUnaryCall<_hpo_v1_ListStudiesRequest__Output, _hpo_v1_ListStudiesResponse>;
  
  ListTrials: grpc.handleUnaryCall<_hpo_v1_ListTrialsRequest__Output, _hpo_v1_ListTrialsResponse>;
  
  /**
   * Uploads a dataset file (client stream of chunks). The first chunk carries the file's SHA-256,
   * its size and its format; the server checks both against the bytes received and keeps nothing
   * of an upload that does not match. Uploads are content-addressed per tenant: uploading bytes
   * the tenant already has is free.
   */
  UploadDataset: grpc.handleClientStreamingCall<_hpo_v1_UploadDatasetRequest__Output, _hpo_v1_UploadDatasetResponse>;
  
  /**
   * Streams what happens to a study from now on (after a snapshot event), until it ends. With
   * after_position, the events logged after that position are sent first (a client resuming
   * after a coordinator restart): no event is missed or sent twice.
   */
  WatchStudy: grpc.handleServerStreamingCall<_hpo_v1_WatchStudyRequest__Output, _hpo_v1_StudyEvent>;
  
}

export interface StudyServiceDefinition extends grpc.ServiceDefinition {
  CancelStudy: MethodDefinition<_hpo_v1_CancelStudyRequest, _hpo_v1_Study, _hpo_v1_CancelStudyRequest__Output, _hpo_v1_Study__Output>
  CreateStudy: MethodDefinition<_hpo_v1_CreateStudyRequest, _hpo_v1_Study, _hpo_v1_CreateStudyRequest__Output, _hpo_v1_Study__Output>
  ExportEvents: MethodDefinition<_hpo_v1_ExportEventsRequest, _hpo_v1_EventRecord, _hpo_v1_ExportEventsRequest__Output, _hpo_v1_EventRecord__Output>
  ExportModel: MethodDefinition<_hpo_v1_ExportModelRequest, _hpo_v1_FileChunk, _hpo_v1_ExportModelRequest__Output, _hpo_v1_FileChunk__Output>
  GetLeaderboard: MethodDefinition<_hpo_v1_GetLeaderboardRequest, _hpo_v1_ListTrialsResponse, _hpo_v1_GetLeaderboardRequest__Output, _hpo_v1_ListTrialsResponse__Output>
  GetStudy: MethodDefinition<_hpo_v1_GetStudyRequest, _hpo_v1_Study, _hpo_v1_GetStudyRequest__Output, _hpo_v1_Study__Output>
  HasDataset: MethodDefinition<_hpo_v1_HasDatasetRequest, _hpo_v1_HasDatasetResponse, _hpo_v1_HasDatasetRequest__Output, _hpo_v1_HasDatasetResponse__Output>
  ListStudies: MethodDefinition<_hpo_v1_ListStudiesRequest, _hpo_v1_ListStudiesResponse, _hpo_v1_ListStudiesRequest__Output, _hpo_v1_ListStudiesResponse__Output>
  ListTrials: MethodDefinition<_hpo_v1_ListTrialsRequest, _hpo_v1_ListTrialsResponse, _hpo_v1_ListTrialsRequest__Output, _hpo_v1_ListTrialsResponse__Output>
  UploadDataset: MethodDefinition<_hpo_v1_UploadDatasetRequest, _hpo_v1_UploadDatasetResponse, _hpo_v1_UploadDatasetRequest__Output, _hpo_v1_UploadDatasetResponse__Output>
  WatchStudy: MethodDefinition<_hpo_v1_WatchStudyRequest, _hpo_v1_StudyEvent, _hpo_v1_WatchStudyRequest__Output, _hpo_v1_StudyEvent__Output>
}
