/**
 * Admission: every check a study must pass before anything is stored or trained, in one place.
 * `hpo tune`, `hpo submit` and the coordinator's CreateStudy call these, so a bad study fails
 * the same way, with the field named, wherever it is submitted.
 */
import {
  type Dataset,
  type ParamValue,
  SpecError,
  type SpecIssue,
  type StudySpec,
  stratifiedFold,
} from '@hpo/core';
import { SearchSpaceError } from '@hpo/optimizer';
import { checkParam, DEFAULT_PARAMS, isTrainParam, unknownParam } from '@hpo/trainer/params';
import { makeSampler } from '../sampling.js';

/**
 * The checks that need only the spec: every searched and fixed parameter is a training
 * parameter and each value it can take (fixed values, categorical choices, range ends) is in its
 * domain; the search space and sampler can be built. Throws a SpecError naming every field.
 */
export function admitSpec(spec: StudySpec, source?: string): void {
  const issues: SpecIssue[] = [];
  const check = (path: string, name: string, value: ParamValue): boolean => {
    try {
      checkParam(name, value);
      return true;
    } catch (err) {
      // The trainer's message starts with `params.<name>: `; the spec field is named instead.
      issues.push({ path, message: (err as Error).message.replace(`params.${name}: `, '') });
      return false;
    }
  };
  const known = (path: string, name: string): boolean => {
    if (isTrainParam(name)) return true;
    issues.push({ path, message: unknownParam(name) });
    return false;
  };
  for (const [name, value] of Object.entries(spec.search.fixed)) {
    if (known(`search.fixed.${name}`, name)) check(`search.fixed.${name}`, name, value);
  }
  for (const [name, p] of Object.entries(spec.search.space)) {
    const path = `search.space.${name}`;
    if (!known(path, name)) continue;
    if (p.type === 'categorical') {
      for (const [i, c] of p.choices.entries()) check(`${path}.choices.${i}`, name, c);
    } else if (check(`${path}.low`, name, p.low)) check(`${path}.high`, name, p.high);
  }
  if (spec.model) check('model', 'family', spec.model);
  // ASHA needs a rung below the most epochs a trial can train, or it never stops anything.
  if (spec.pruner.type === 'asha') {
    const searched = spec.search.space.epochs;
    const fixed = spec.search.fixed.epochs;
    const most =
      searched && searched.type !== 'categorical'
        ? searched.high
        : typeof fixed === 'number'
          ? fixed
          : searched?.type === 'categorical'
            ? Math.max(...searched.choices.map(Number))
            : DEFAULT_PARAMS.epochs;
    if (spec.pruner.minEpochs >= most)
      issues.push({
        path: 'pruner.minEpochs',
        message: `${spec.pruner.minEpochs} is not below the most epochs a trial trains (${most}): ASHA would have no rung and stop nothing; lower it or raise epochs`,
      });
  }
  if (issues.length === 0) {
    try {
      makeSampler(spec);
    } catch (err) {
      if (!(err instanceof SearchSpaceError)) throw err;
      // The error's path is relative to the space (`space.lr.low`); the spec nests it in `search`.
      issues.push({ path: `search.${err.path}`, message: err.message.slice(err.path.length + 2) });
    }
  }
  if (issues.length) throw new SpecError(issues, source);
}

/**
 * Every check: `admitSpec`, then the dataset against the spec: its kind, and enough rows of each
 * class for the folds (a DatasetError naming the class otherwise).
 */
export function validateStudy(spec: StudySpec, dataset: Dataset, source?: string): void {
  admitSpec(spec, source);
  const expected = spec.dataset.kind === 'tabular' ? 'tabular' : 'images';
  if (dataset.kind !== expected) {
    throw new SpecError(
      [
        {
          path: 'dataset.kind',
          message: `is ${spec.dataset.kind}, but the dataset holds ${dataset.kind === 'images' ? 'images' : 'a table'}`,
        },
      ],
      source,
    );
  }
  // A class with fewer rows than folds fails here, before anything is stored.
  stratifiedFold(dataset.labels, spec.cv.k, spec.cv.seed, 0, 0);
}
