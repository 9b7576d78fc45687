// Original file: proto/hpo/v1/study_service.proto

import type { MetricSummary as _hpo_v1_MetricSummary, MetricSummary__Output as _hpo_v1_MetricSummary__Output } from '../../hpo/v1/MetricSummary.js';

export interface Trial {
  'number'?: (number);
  /**
   * running, complete, pruned, failed, or unfinished (left running when its study stopped).
   */
  'state'?: (string);
  /**
   * Parameter values as JSON (an object of name to number, string or boolean).
   */
  'paramsJson'?: (string);
  /**
   * Objective mean over the folds seen; absent while running or when failed.
   */
  'value'?: (number | string);
  'metrics'?: ({[key: string]: _hpo_v1_MetricSummary});
  'foldsDone'?: (number);
  'error'?: (string);
  'durationSeconds'?: (number | string);
  '_value'?: "value";
}

export interface Trial__Output {
  'number': (number);
  /**
   * running, complete, pruned, failed, or unfinished (left running when its study stopped).
   */
  'state': (string);
  /**
   * Parameter values as JSON (an object of name to number, string or boolean).
   */
  'paramsJson': (string);
  /**
   * Objective mean over the folds seen; absent while running or when failed.
   */
  'value'?: (number);
  'metrics': ({[key: string]: _hpo_v1_MetricSummary__Output});
  'foldsDone': (number);
  'error': (string);
  'durationSeconds': (number);
  '_value'?: "value";
}
