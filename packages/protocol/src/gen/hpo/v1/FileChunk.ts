// Original file: proto/hpo/v1/study_service.proto

import type { Long } from '@grpc/proto-loader';

export interface FileChunk {
  /**
   * Path of the file inside the model directory, e.g. model.json.
   */
  'path'?: (string);
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  /**
   * True on the last chunk of a file.
   */
  'eof'?: (boolean);
}

export interface FileChunk__Output {
  /**
   * Path of the file inside the model directory, e.g. model.json.
   */
  'path': (string);
  'offset': (number);
  'data': (Buffer);
  /**
   * True on the last chunk of a file.
   */
  'eof': (boolean);
}
