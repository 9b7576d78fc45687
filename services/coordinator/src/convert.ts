import {
  durationSeconds,
  foldsDone,
  type MetricSummary,
  type SavedModel,
  type TrialView,
  testSummary,
  unfinishedNote,
} from '@hpo/orchestrator';
import type { MetricSummaryMessage, ModelEstimate, Study, Trial } from '@hpo/protocol';
import type { ActiveStudy, StudyEntry } from './study-manager.js';

/**
 * Whether the study still runs trials: its record says running and its log has not ended (it
 * ends before the refit, and on a coordinator shutdown, while the record still says running).
 */
export function isActive(s: ActiveStudy): boolean {
  return s.record.state === 'running' && s.runner.ending() === undefined;
}

/** A trial as the API returns it. */
export function trialMessage(s: ActiveStudy, t: TrialView): Trial {
  const metrics: Record<string, MetricSummaryMessage> = {};
  for (const [k, v] of Object.entries(t.metrics ?? {}) as [string, MetricSummary][]) {
    metrics[k] = { mean: v.mean, std: v.std, ci95Low: v.ci95[0], ci95High: v.ci95[1] };
  }
  return {
    number: t.number,
    state: s.runner.log.shownState(t),
    paramsJson: JSON.stringify(t.params),
    ...(t.value !== undefined ? { value: t.value } : {}),
    metrics,
    foldsDone: foldsDone(t),
    error: t.error ?? '',
    durationSeconds: durationSeconds(t) ?? 0,
  };
}

/** Each spec's JSON, made once: a watched study is sent with every event. */
const specJson = new WeakMap<object, string>();

function specJsonOf(spec: object): string {
  let json = specJson.get(spec);
  if (json === undefined) {
    json = JSON.stringify(spec);
    specJson.set(spec, json);
  }
  return json;
}

/** A study as the API returns it (sent with every watched event: nothing here walks the trials). */
export function studyMessage(s: ActiveStudy): Study {
  const log = s.runner.log;
  const best = s.runner.best();
  const active = isActive(s);
  const left = unfinishedNote(s.runner.log.unfinishedCount());
  const model = s.runner.savedModel();
  const notes = [s.record.message, left && `${left} when the study stopped`].filter(Boolean);
  return {
    studyId: s.record.id,
    name: s.record.name,
    state: s.record.state,
    specJson: specJsonOf(s.record.spec),
    datasetSha256: s.record.datasetHash,
    trialsTotal: s.record.spec.budget.trials,
    trialsDone: log.finished,
    trialsRunning: active ? log.running : 0,
    ...(best ? { best: trialMessage(s, best) } : {}),
    objectiveMetric: s.record.spec.objective.metric,
    objectiveDirection: s.runner.objectiveDirection,
    endReason: s.record.endReason ?? '',
    message: notes.join('; '),
    modelReady: s.record.modelReady,
    createdAt: s.record.createdAt,
    tenant: s.record.tenant,
    ...(s.record.testDatasetHash ? { testDatasetSha256: s.record.testDatasetHash } : {}),
    ...(model && model.trial === best?.number ? { modelEstimate: modelEstimate(model) } : {}),
  };
}

/**
 * A study as ListStudies shows it: from its runner when loaded, else from the summary saved when
 * it ended (a restart replays no ended study's log), else from its record alone.
 */
export function listedStudy(e: StudyEntry): Study {
  if (e.study) return studyMessage(e.study);
  const r = e.record;
  if (r.summary && r.state !== 'running') return r.summary;
  return {
    studyId: r.id,
    name: r.name,
    state: r.state,
    specJson: JSON.stringify(r.spec),
    datasetSha256: r.datasetHash,
    trialsTotal: r.spec.budget.trials,
    trialsDone: 0,
    trialsRunning: 0,
    objectiveMetric: r.spec.objective.metric,
    objectiveDirection: '',
    endReason: r.endReason ?? '',
    message: [r.message, r.state === 'running' ? 'resuming after a coordinator restart' : '']
      .filter(Boolean)
      .join('; '),
    modelReady: r.modelReady,
    createdAt: r.createdAt,
    tenant: r.tenant,
    ...(r.testDatasetHash ? { testDatasetSha256: r.testDatasetHash } : {}),
  };
}

/** The saved model's decision, calibration and test metrics as the API returns them. */
export function modelEstimate(m: SavedModel): ModelEstimate {
  const cal = (c: { brier: { before: number; after: number }; ece: { before: number; after: number } }) => ({
    brierBefore: c.brier.before,
    brierAfter: c.brier.after,
    eceBefore: c.ece.before,
    eceAfter: c.ece.after,
  });
  const test = m.test ? testSummary(m.test) : undefined;
  return {
    decisionThreshold: m.decision?.threshold ?? m.threshold.default,
    decisionRule: m.decision?.rule ?? '',
    decisionReached: m.decision?.reached ?? false,
    calibration: m.calibration?.method ?? 'none',
    outOfFold: m.outOfFold
      ? {
          rows: m.outOfFold.rows,
          rocAuc: m.outOfFold.rocAuc,
          ...cal(m.outOfFold.calibration),
          ...(m.decision
            ? {
                decisionPrecision: m.decision.precision,
                decisionRecall: m.decision.recall,
                decisionF1: m.decision.f1,
              }
            : {}),
        }
      : {},
    test: test ? { ...test.metrics, ...cal(test.calibration) } : {},
    testRows: test?.rows ?? 0,
    testThreshold: test?.threshold ?? 0,
  };
}
