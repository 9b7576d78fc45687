// Original file: proto/hpo/v1/study_service.proto

import type { Study as _hpo_v1_Study, Study__Output as _hpo_v1_Study__Output } from '../../hpo/v1/Study.js';
import type { Long } from '@grpc/proto-loader';

export interface StudyEvent {
  /**
   * snapshot, trial_started, fold_done, trial_finished, study_finished, model_saved.
   */
  'type'?: (string);
  'studyId'?: (string);
  'trial'?: (number);
  'fold'?: (number);
  /**
   * For trial_finished: complete, pruned or failed.
   */
  'state'?: (string);
  'value'?: (number | string);
  /**
   * The study as it is after this event (for events replayed on resume: as it is now).
   */
  'study'?: (_hpo_v1_Study | null);
  'at'?: (string);
  /**
   * The event's position in the study's log (1 = study_created); for snapshot and study_ended,
   * the number of events logged so far. Pass the last one seen as after_position to resume.
   */
  'position'?: (number | string | Long);
  '_value'?: "value";
}

export interface StudyEvent__Output {
  /**
   * snapshot, trial_started, fold_done, trial_finished, study_finished, model_saved.
   */
  'type': (string);
  'studyId': (string);
  'trial': (number);
  'fold': (number);
  /**
   * For trial_finished: complete, pruned or failed.
   */
  'state': (string);
  'value'?: (number);
  /**
   * The study as it is after this event (for events replayed on resume: as it is now).
   */
  'study': (_hpo_v1_Study__Output | null);
  'at': (string);
  /**
   * The event's position in the study's log (1 = study_created); for snapshot and study_ended,
   * the number of events logged so far. Pass the last one seen as after_position to resume.
   */
  'position': (number);
  '_value'?: "value";
}
