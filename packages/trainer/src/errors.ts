import { HpoError } from '@hpo/core/errors';

/** A trial configuration the trainer cannot run; `param` names the offending parameter. */
export class TrialError extends HpoError {
  override name = 'TrialError';
  readonly param: string | undefined;
  constructor(message: string, param?: string) {
    super('params', param ? `params.${param}: ${message}` : message, {
      ...(param ? { details: { param } } : {}),
    });
    this.param = param;
  }
}

/** A saved model directory that cannot be loaded. */
export class ModelError extends HpoError {
  override name = 'ModelError';
  readonly dir: string;
  constructor(dir: string, message: string, hint?: string) {
    super('model', `${dir}: ${message}`, { details: { dir }, ...(hint ? { hint } : {}) });
    this.dir = dir;
  }
}

/** Training stopped on request (the fold's result is no longer wanted): not a trial failure. */
export class TrainingStopped extends HpoError {
  override name = 'TrainingStopped';
  constructor() {
    super('stopped', 'training stopped: the result is no longer wanted');
  }
}
