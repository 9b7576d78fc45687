import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CancelStudyRequest as _hpo_v1_CancelStudyRequest, CancelStudyRequest__Output as _hpo_v1_CancelStudyRequest__Output } from './hpo/v1/CancelStudyRequest.js';
import type { CreateStudyRequest as _hpo_v1_CreateStudyRequest, CreateStudyRequest__Output as _hpo_v1_CreateStudyRequest__Output } from './hpo/v1/CreateStudyRequest.js';
import type { EventRecord as _hpo_v1_EventRecord, EventRecord__Output as _hpo_v1_EventRecord__Output } from './hpo/v1/EventRecord.js';
import type { ExportEventsRequest as _hpo_v1_ExportEventsRequest, ExportEventsRequest__Output as _hpo_v1_ExportEventsRequest__Output } from './hpo/v1/ExportEventsRequest.js';
import type { ExportModelRequest as _hpo_v1_ExportModelRequest, ExportModelRequest__Output as _hpo_v1_ExportModelRequest__Output } from './hpo/v1/ExportModelRequest.js';
import type { FileChunk as _hpo_v1_FileChunk, FileChunk__Output as _hpo_v1_FileChunk__Output } from './hpo/v1/FileChunk.js';
import type { GetLeaderboardRequest as _hpo_v1_GetLeaderboardRequest, GetLeaderboardRequest__Output as _hpo_v1_GetLeaderboardRequest__Output } from './hpo/v1/GetLeaderboardRequest.js';
import type { GetStudyRequest as _hpo_v1_GetStudyRequest, GetStudyRequest__Output as _hpo_v1_GetStudyRequest__Output } from './hpo/v1/GetStudyRequest.js';
import type { HasDatasetRequest as _hpo_v1_HasDatasetRequest, HasDatasetRequest__Output as _hpo_v1_HasDatasetRequest__Output } from './hpo/v1/HasDatasetRequest.js';
import type { HasDatasetResponse as _hpo_v1_HasDatasetResponse, HasDatasetResponse__Output as _hpo_v1_HasDatasetResponse__Output } from './hpo/v1/HasDatasetResponse.js';
import type { ListStudiesRequest as _hpo_v1_ListStudiesRequest, ListStudiesRequest__Output as _hpo_v1_ListStudiesRequest__Output } from './hpo/v1/ListStudiesRequest.js';
import type { ListStudiesResponse as _hpo_v1_ListStudiesResponse, ListStudiesResponse__Output as _hpo_v1_ListStudiesResponse__Output } from './hpo/v1/ListStudiesResponse.js';
import type { ListTrialsRequest as _hpo_v1_ListTrialsRequest, ListTrialsRequest__Output as _hpo_v1_ListTrialsRequest__Output } from './hpo/v1/ListTrialsRequest.js';
import type { ListTrialsResponse as _hpo_v1_ListTrialsResponse, ListTrialsResponse__Output as _hpo_v1_ListTrialsResponse__Output } from './hpo/v1/ListTrialsResponse.js';
import type { MetricSummary as _hpo_v1_MetricSummary, MetricSummary__Output as _hpo_v1_MetricSummary__Output } from './hpo/v1/MetricSummary.js';
import type { ModelEstimate as _hpo_v1_ModelEstimate, ModelEstimate__Output as _hpo_v1_ModelEstimate__Output } from './hpo/v1/ModelEstimate.js';
import type { Study as _hpo_v1_Study, Study__Output as _hpo_v1_Study__Output } from './hpo/v1/Study.js';
import type { StudyEvent as _hpo_v1_StudyEvent, StudyEvent__Output as _hpo_v1_StudyEvent__Output } from './hpo/v1/StudyEvent.js';
import type { StudyServiceClient as _hpo_v1_StudyServiceClient, StudyServiceDefinition as _hpo_v1_StudyServiceDefinition } from './hpo/v1/StudyService.js';
import type { Trial as _hpo_v1_Trial, Trial__Output as _hpo_v1_Trial__Output } from './hpo/v1/Trial.js';
import type { UploadDatasetRequest as _hpo_v1_UploadDatasetRequest, UploadDatasetRequest__Output as _hpo_v1_UploadDatasetRequest__Output } from './hpo/v1/UploadDatasetRequest.js';
import type { UploadDatasetResponse as _hpo_v1_UploadDatasetResponse, UploadDatasetResponse__Output as _hpo_v1_UploadDatasetResponse__Output } from './hpo/v1/UploadDatasetResponse.js';
import type { WatchStudyRequest as _hpo_v1_WatchStudyRequest, WatchStudyRequest__Output as _hpo_v1_WatchStudyRequest__Output } from './hpo/v1/WatchStudyRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  hpo: {
    v1: {
      CancelStudyRequest: MessageTypeDefinition<_hpo_v1_CancelStudyRequest, _hpo_v1_CancelStudyRequest__Output>
      CreateStudyRequest: MessageTypeDefinition<_hpo_v1_CreateStudyRequest, _hpo_v1_CreateStudyRequest__Output>
      DatasetFormat: EnumTypeDefinition
      EventRecord: MessageTypeDefinition<_hpo_v1_EventRecord, _hpo_v1_EventRecord__Output>
      ExportEventsRequest: MessageTypeDefinition<_hpo_v1_ExportEventsRequest, _hpo_v1_ExportEventsRequest__Output>
      ExportModelRequest: MessageTypeDefinition<_hpo_v1_ExportModelRequest, _hpo_v1_ExportModelRequest__Output>
      FileChunk: MessageTypeDefinition<_hpo_v1_FileChunk, _hpo_v1_FileChunk__Output>
      GetLeaderboardRequest: MessageTypeDefinition<_hpo_v1_GetLeaderboardRequest, _hpo_v1_GetLeaderboardRequest__Output>
      GetStudyRequest: MessageTypeDefinition<_hpo_v1_GetStudyRequest, _hpo_v1_GetStudyRequest__Output>
      HasDatasetRequest: MessageTypeDefinition<_hpo_v1_HasDatasetRequest, _hpo_v1_HasDatasetRequest__Output>
      HasDatasetResponse: MessageTypeDefinition<_hpo_v1_HasDatasetResponse, _hpo_v1_HasDatasetResponse__Output>
      ListStudiesRequest: MessageTypeDefinition<_hpo_v1_ListStudiesRequest, _hpo_v1_ListStudiesRequest__Output>
      ListStudiesResponse: MessageTypeDefinition<_hpo_v1_ListStudiesResponse, _hpo_v1_ListStudiesResponse__Output>
      ListTrialsRequest: MessageTypeDefinition<_hpo_v1_ListTrialsRequest, _hpo_v1_ListTrialsRequest__Output>
      ListTrialsResponse: MessageTypeDefinition<_hpo_v1_ListTrialsResponse, _hpo_v1_ListTrialsResponse__Output>
      MetricSummary: MessageTypeDefinition<_hpo_v1_MetricSummary, _hpo_v1_MetricSummary__Output>
      ModelEstimate: MessageTypeDefinition<_hpo_v1_ModelEstimate, _hpo_v1_ModelEstimate__Output>
      Study: MessageTypeDefinition<_hpo_v1_Study, _hpo_v1_Study__Output>
      StudyEvent: MessageTypeDefinition<_hpo_v1_StudyEvent, _hpo_v1_StudyEvent__Output>
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
      StudyService: SubtypeConstructor<typeof grpc.Client, _hpo_v1_StudyServiceClient> & { service: _hpo_v1_StudyServiceDefinition }
      Trial: MessageTypeDefinition<_hpo_v1_Trial, _hpo_v1_Trial__Output>
      UploadDatasetRequest: MessageTypeDefinition<_hpo_v1_UploadDatasetRequest, _hpo_v1_UploadDatasetRequest__Output>
      UploadDatasetResponse: MessageTypeDefinition<_hpo_v1_UploadDatasetResponse, _hpo_v1_UploadDatasetResponse__Output>
      WatchStudyRequest: MessageTypeDefinition<_hpo_v1_WatchStudyRequest, _hpo_v1_WatchStudyRequest__Output>
    }
  }
}

