// Original file: proto/hpo/v1/study_service.proto

import type { Trial as _hpo_v1_Trial, Trial__Output as _hpo_v1_Trial__Output } from '../../hpo/v1/Trial.js';

export interface ListTrialsResponse {
  'trials'?: (_hpo_v1_Trial)[];
}

export interface ListTrialsResponse__Output {
  'trials': (_hpo_v1_Trial__Output)[];
}
