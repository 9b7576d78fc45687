// Original file: proto/hpo/v1/study_service.proto

import type { Long } from '@grpc/proto-loader';

export interface WatchStudyRequest {
  'studyId'?: (string);
  /**
   * Resume: send the study's events after this position (StudyEvent.position of the last event
   * seen) before the live ones. 0: only what happens from now on.
   */
  'afterPosition'?: (number | string | Long);
}

export interface WatchStudyRequest__Output {
  'studyId': (string);
  /**
   * Resume: send the study's events after this position (StudyEvent.position of the last event
   * seen) before the live ones. 0: only what happens from now on.
   */
  'afterPosition': (number);
}
