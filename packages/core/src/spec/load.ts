import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SpecError } from '../errors.js';
import { type StudySpec, studySpecSchema } from './study-spec.js';

/**
 * Validates a study spec object; every problem becomes one SpecError issue with its dotted
 * field path (e.g. `budget.trials`). Cross-field rules (a dataset kind needs its options, a CNN
 * needs images) are checked after the schema.
 */
export function validateStudySpec(input: unknown, source?: string): StudySpec {
  const parsed = studySpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new SpecError(
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      source,
    );
  }
  const spec = parsed.data;
  const issues: { path: string; message: string }[] = [];
  const ds = spec.dataset;
  if (ds.kind !== 'images' && !ds.label)
    issues.push({ path: 'dataset.label', message: `is required for ${ds.kind} datasets` });
  if (ds.kind === 'pixels' && !ds.shape)
    issues.push({ path: 'dataset.shape', message: 'is required for pixel CSVs: [height, width, channels]' });
  const familyChoices = spec.search.space.family;
  const families = new Set<string>();
  if (spec.model) families.add(spec.model);
  if (typeof spec.search.fixed.family === 'string') families.add(spec.search.fixed.family);
  if (familyChoices?.type === 'categorical') for (const c of familyChoices.choices) families.add(String(c));
  if (families.size === 0) families.add('mlp');
  if (ds.kind === 'tabular' && families.has('cnn')) {
    issues.push({
      path: spec.model ? 'model' : 'search.space.family',
      message: "a CNN needs an image dataset (dataset.kind 'images' or 'pixels')",
    });
  }
  if (spec.model && (spec.search.space.family || spec.search.fixed.family !== undefined)) {
    issues.push({ path: 'model', message: "set either model or a 'family' parameter, not both" });
  }
  for (const name of Object.keys(spec.search.fixed)) {
    if (name in spec.search.space)
      issues.push({ path: `search.fixed.${name}`, message: 'is also in search.space; keep one' });
  }
  if (spec.cv.holdout !== undefined && ds.test !== undefined) {
    issues.push({ path: 'cv.holdout', message: 'give either cv.holdout or dataset.test, not both' });
  }
  if (spec.budget.parallelism > spec.budget.trials) {
    issues.push({
      path: 'budget.parallelism',
      message: `is ${spec.budget.parallelism}, more than budget.trials (${spec.budget.trials})`,
    });
  }
  if (issues.length) throw new SpecError(issues, source);
  return spec;
}

/** Parses YAML (or JSON, which is YAML); a syntax error is a SpecError naming `source` and the problem. */
export function parseYamlText(text: string, source?: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new SpecError(
      [{ path: '', message: `not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}` }],
      source,
    );
  }
}

/**
 * Reads a YAML or JSON study spec file, validates it, and resolves `dataset.path` and `output`
 * against the file's folder. Returns the spec and the resolved paths.
 */
export function loadStudySpec(file: string): {
  spec: StudySpec;
  datasetPath: string;
  /** `dataset.test` resolved, when given. */
  testPath: string | undefined;
  outputDir: string;
} {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new SpecError([{ path: '', message: 'file not found or unreadable' }], file);
  }
  const spec = validateStudySpec(parseYamlText(text, file), file);
  const base = dirname(resolve(file));
  return {
    spec,
    datasetPath: resolve(base, spec.dataset.path),
    testPath: spec.dataset.test === undefined ? undefined : resolve(base, spec.dataset.test),
    outputDir: resolve(base, spec.output ?? `runs/${spec.name}`),
  };
}

/** The JSON Schema of the study spec, for editors (`hpo schema`). */
export function studySpecJsonSchema(): unknown {
  return z.toJSONSchema(studySpecSchema, { io: 'input' });
}
