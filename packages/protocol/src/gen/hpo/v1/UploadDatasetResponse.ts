// Original file: proto/hpo/v1/study_service.proto

import type { Long } from '@grpc/proto-loader';

export interface UploadDatasetResponse {
  'sha256'?: (string);
  'size'?: (number | string | Long);
  /**
   * True when the server already had these bytes (nothing was stored).
   */
  'existed'?: (boolean);
}

export interface UploadDatasetResponse__Output {
  'sha256': (string);
  'size': (number);
  /**
   * True when the server already had these bytes (nothing was stored).
   */
  'existed': (boolean);
}
