// Original file: proto/hpo/v1/study_service.proto

import type { Trial as _hpo_v1_Trial, Trial__Output as _hpo_v1_Trial__Output } from '../../hpo/v1/Trial.js';
import type { ModelEstimate as _hpo_v1_ModelEstimate, ModelEstimate__Output as _hpo_v1_ModelEstimate__Output } from '../../hpo/v1/ModelEstimate.js';

export interface Study {
  'studyId'?: (string);
  'name'?: (string);
  /**
   * created, running, finished, cancelled, failed.
   */
  'state'?: (string);
  /**
   * The validated spec with defaults filled, as JSON.
   */
  'specJson'?: (string);
  /**
   * SHA-256 of the dataset's canonical form the study trains on.
   */
  'datasetSha256'?: (string);
  'trialsTotal'?: (number);
  'trialsDone'?: (number);
  'trialsRunning'?: (number);
  /**
   * Best trial so far, if any.
   */
  'best'?: (_hpo_v1_Trial | null);
  'objectiveMetric'?: (string);
  /**
   * maximize or minimize.
   */
  'objectiveDirection'?: (string);
  /**
   * Why the study ended (budget, time_limit, cancelled, too_many_failures, exhausted) and details.
   */
  'endReason'?: (string);
  'message'?: (string);
  'modelReady'?: (boolean);
  'createdAt'?: (string);
  /**
   * The tenant the study belongs to.
   */
  'tenant'?: (string);
  /**
   * The refit model's decision threshold, calibration and held-out test metrics; absent until
   * the model is saved.
   */
  'modelEstimate'?: (_hpo_v1_ModelEstimate | null);
  /**
   * SHA-256 of the held-out test set's canonical form, when the study has one.
   */
  'testDatasetSha256'?: (string);
}

export interface Study__Output {
  'studyId': (string);
  'name': (string);
  /**
   * created, running, finished, cancelled, failed.
   */
  'state': (string);
  /**
   * The validated spec with defaults filled, as JSON.
   */
  'specJson': (string);
  /**
   * SHA-256 of the dataset's canonical form the study trains on.
   */
  'datasetSha256': (string);
  'trialsTotal': (number);
  'trialsDone': (number);
  'trialsRunning': (number);
  /**
   * Best trial so far, if any.
   */
  'best': (_hpo_v1_Trial__Output | null);
  'objectiveMetric': (string);
  /**
   * maximize or minimize.
   */
  'objectiveDirection': (string);
  /**
   * Why the study ended (budget, time_limit, cancelled, too_many_failures, exhausted) and details.
   */
  'endReason': (string);
  'message': (string);
  'modelReady': (boolean);
  'createdAt': (string);
  /**
   * The tenant the study belongs to.
   */
  'tenant': (string);
  /**
   * The refit model's decision threshold, calibration and held-out test metrics; absent until
   * the model is saved.
   */
  'modelEstimate': (_hpo_v1_ModelEstimate__Output | null);
  /**
   * SHA-256 of the held-out test set's canonical form, when the study has one.
   */
  'testDatasetSha256': (string);
}
