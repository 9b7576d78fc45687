// Original file: proto/hpo/v1/study_service.proto

import type { Study as _hpo_v1_Study, Study__Output as _hpo_v1_Study__Output } from '../../hpo/v1/Study.js';

export interface ListStudiesResponse {
  'studies'?: (_hpo_v1_Study)[];
}

export interface ListStudiesResponse__Output {
  'studies': (_hpo_v1_Study__Output)[];
}
