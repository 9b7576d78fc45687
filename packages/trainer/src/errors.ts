/** A trial configuration the trainer cannot run; `param` names the offending parameter. */
export class TrialError extends Error {
  override readonly name = 'TrialError';
  readonly param: string | undefined;
  constructor(message: string, param?: string) {
    super(param ? `params.${param}: ${message}` : message);
    this.param = param;
  }
}

/** A saved model directory that cannot be loaded. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
  readonly dir: string;
  constructor(dir: string, message: string) {
    super(`${dir}: ${message}`);
    this.dir = dir;
  }
}

/** Training stopped on request (the fold's result is no longer wanted): not a trial failure. */
export class TrainingStopped extends Error {
  override readonly name = 'TrainingStopped';
  constructor() {
    super('training stopped: the result is no longer wanted');
  }
}
