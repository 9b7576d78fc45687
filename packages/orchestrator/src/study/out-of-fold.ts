/**
 * What a study decides from its best trial's pooled out-of-fold predictions: the calibration
 * (fitted on them) and the decision threshold (chosen on the calibrated ones by the spec's
 * rule), both stored with the refit model.
 */
import {
  applyCalibration,
  type Calibration,
  calibrationReport,
  chooseThreshold,
  type Decision,
  fitCalibration,
  type OutOfFoldReport,
  poolOof,
  rocAuc,
  type StudySpec,
} from '@hpo/core';
import type { TrialView } from './study-log.js';

export interface OutOfFoldChoices {
  decision?: Decision;
  calibration?: Calibration;
  outOfFold?: OutOfFoldReport;
}

/**
 * The calibration and decision of `trial` from its folds' out-of-fold blocks; nothing when its
 * folds carry none (logs written before they were kept) or the pool holds one class only.
 */
export function outOfFoldChoices(spec: StudySpec, trial: TrialView): OutOfFoldChoices {
  const blocks = trial.folds.flatMap((f) => (f?.oof ? [f.oof] : []));
  if (blocks.length === 0) return {};
  const { y, p } = poolOof(blocks);
  const positives = y.reduce((s, v) => s + v, 0);
  if (positives === 0 || positives === y.length) return {};
  // Specs logged before these fields existed have neither: their defaults.
  const calibration = fitCalibration(spec.calibration ?? 'none', y, p);
  const decision = chooseThreshold(spec.decision ?? { rule: 'bestF1' }, y, applyCalibration(calibration, p));
  return {
    decision,
    calibration,
    outOfFold: { rows: y.length, rocAuc: rocAuc(y, p), calibration: calibrationReport(calibration, y, p) },
  };
}
