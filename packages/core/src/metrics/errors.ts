import { HpoError } from '../errors.js';

/** Which argument of a metrics call was rejected. */
export type MetricsArgument = 'yTrue' | 'yProb' | 'threshold' | 'maxPoints';

/**
 * Inputs a metric cannot be computed from (length mismatch, empty fold, a label that is not 0/1,
 * a probability outside [0, 1] or NaN, a bad option). Thrown instead of returning NaN so a broken
 * fold is reported where it happened, not averaged into a leaderboard.
 */
export class MetricsError extends HpoError {
  override name = 'MetricsError';
  /** The argument that was rejected. */
  readonly argument: MetricsArgument;
  /** 0-based position of the offending element, when one element is to blame. */
  readonly index: number | undefined;

  constructor(argument: MetricsArgument, problem: string, index?: number) {
    super('metrics', index === undefined ? `${argument}: ${problem}` : `${argument}[${index}]: ${problem}`, {
      details: { argument, ...(index === undefined ? {} : { index }) },
    });
    this.argument = argument;
    this.index = index;
  }
}
