// Original file: proto/hpo/v1/study_service.proto

import type { DatasetFormat as _hpo_v1_DatasetFormat, DatasetFormat__Output as _hpo_v1_DatasetFormat__Output } from '../../hpo/v1/DatasetFormat.js';
import type { Long } from '@grpc/proto-loader';

export interface UploadDatasetRequest {
  /**
   * Lowercase hex SHA-256 of the whole file; required on the first chunk.
   */
  'sha256'?: (string);
  /**
   * Total size in bytes; required on the first chunk.
   */
  'size'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  /**
   * The file's format; on the first chunk.
   */
  'format'?: (_hpo_v1_DatasetFormat);
}

export interface UploadDatasetRequest__Output {
  /**
   * Lowercase hex SHA-256 of the whole file; required on the first chunk.
   */
  'sha256': (string);
  /**
   * Total size in bytes; required on the first chunk.
   */
  'size': (number);
  'data': (Buffer);
  /**
   * The file's format; on the first chunk.
   */
  'format': (_hpo_v1_DatasetFormat__Output);
}
