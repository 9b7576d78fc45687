/** Preprocessing of tabular features; fitted on a training fold, applied to any rows after. */
export interface PreprocessOptions {
  /** How missing numeric values are filled; default 'median'. */
  numericImputer: 'mean' | 'median' | 'most_frequent' | 'knn';
  /** Neighbours for the kNN imputer; default 5. */
  knnK: number;
  /** Missing categoricals: their own 'Unknown' category ('constant') or the most frequent; default 'constant'. */
  categoricalImputer: 'constant' | 'most_frequent';
  /** Scaling of numeric features; one-hot columns are left as 0/1. Default 'standard'. */
  scaler: 'standard' | 'minmax' | 'none';
}

export const DEFAULT_PREPROCESS: PreprocessOptions = {
  numericImputer: 'median',
  knnK: 5,
  categoricalImputer: 'constant',
  scaler: 'standard',
};

/** The category that missing categoricals become under the 'constant' imputer. */
export const UNKNOWN_CATEGORY = 'Unknown';

/** Fills defaults and validates; throws RangeError naming the field. */
export function resolvePreprocessOptions(partial: Partial<PreprocessOptions> = {}): PreprocessOptions {
  const o = { ...DEFAULT_PREPROCESS, ...stripUndefined(partial) };
  if (!['mean', 'median', 'most_frequent', 'knn'].includes(o.numericImputer)) {
    throw new RangeError(
      `preprocess.numericImputer must be mean, median, most_frequent or knn, got '${o.numericImputer}'`,
    );
  }
  if (!['constant', 'most_frequent'].includes(o.categoricalImputer)) {
    throw new RangeError(
      `preprocess.categoricalImputer must be constant or most_frequent, got '${o.categoricalImputer}'`,
    );
  }
  if (!['standard', 'minmax', 'none'].includes(o.scaler)) {
    throw new RangeError(`preprocess.scaler must be standard, minmax or none, got '${o.scaler}'`);
  }
  if (!(Number.isInteger(o.knnK) && o.knnK >= 1))
    throw new RangeError(`preprocess.knnK must be an integer >= 1, got ${o.knnK}`);
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
