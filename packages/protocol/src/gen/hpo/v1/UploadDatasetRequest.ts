// Original file: proto/hpo/v1/study_service.proto

import type { Long } from '@grpc/proto-loader';

export interface UploadDatasetRequest {
  /**
   * Lowercase hex SHA-256 of the whole blob; required on the first chunk.
   */
  'sha256'?: (string);
  /**
   * Total size in bytes; required on the first chunk.
   */
  'size'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
}

export interface UploadDatasetRequest__Output {
  /**
   * Lowercase hex SHA-256 of the whole blob; required on the first chunk.
   */
  'sha256': (string);
  /**
   * Total size in bytes; required on the first chunk.
   */
  'size': (number);
  'data': (Buffer);
}
