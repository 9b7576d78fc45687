// Original file: proto/hpo/v1/study_service.proto


export interface EventRecord {
  /**
   * One event as JSON (see packages/orchestrator/src/events.ts for the shapes).
   */
  'json'?: (string);
}

export interface EventRecord__Output {
  /**
   * One event as JSON (see packages/orchestrator/src/events.ts for the shapes).
   */
  'json': (string);
}
