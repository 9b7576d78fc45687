/**
 * A small `kustomize build` for the features deploy/k8s uses, and nothing more: `resources`
 * (files and directories), `namespace`, `images`, and `patches` given by `path` holding
 * strategic-merge patches (merge by name, `$patch: delete` of a whole object or of one item of
 * a merged list). Anything else in a kustomization or a patch throws, so a new feature cannot
 * be silently ignored here while `kubectl apply -k` applies it.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** One Kubernetes object as parsed from YAML. */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form until validated.
  [key: string]: any;
};

/** A part of a manifest (a container, a selector), free-form until validated. */
// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form until validated.
export type Loose = any;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every YAML document in a file, empty ones dropped. */
export function readYamlDocs(file: string): K8sObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  return docs.flatMap((d) => {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0]!.message}`);
    const value = d.toJS();
    return value == null ? [] : [value as K8sObject];
  });
}

const KUSTOMIZATION_KEYS = new Set(['apiVersion', 'kind', 'namespace', 'resources', 'patches', 'images']);

/** Kinds deploy/k8s uses that are not namespaced (kustomize leaves them without a namespace). */
export const CLUSTER_SCOPED = new Set(['Namespace', 'PriorityClass']);

/** The objects `kubectl apply -k dir` would send, for the subset of kustomize described above. */
export function kustomizeBuild(dir: string): K8sObject[] {
  const k = readYamlDocs(join(dir, 'kustomization.yaml'))[0] as Record<string, unknown>;
  for (const key of Object.keys(k)) {
    if (!KUSTOMIZATION_KEYS.has(key))
      throw new Error(`${dir}: kustomization field '${key}' is not supported`);
  }
  let objects: K8sObject[] = [];
  for (const r of (k.resources as string[] | undefined) ?? []) {
    const path = join(dir, r);
    objects.push(...(statSync(path).isDirectory() ? kustomizeBuild(path) : readYamlDocs(path)));
  }
  for (const p of (k.patches as Record<string, unknown>[] | undefined) ?? []) {
    if (Object.keys(p).join() !== 'path') throw new Error(`${dir}: only 'patches: - path:' is supported`);
    for (const patch of readYamlDocs(join(dir, p.path as string))) objects = applyPatch(objects, patch, dir);
  }
  for (const image of (k.images as Record<string, string>[] | undefined) ?? []) setImage(objects, image);
  if (typeof k.namespace === 'string') {
    for (const o of objects) {
      if (o.kind === 'Namespace') {
        if (o.metadata.name !== k.namespace) throw new Error(`${dir}: renaming a Namespace is not supported`);
      } else if (!CLUSTER_SCOPED.has(o.kind)) {
        o.metadata.namespace = k.namespace;
      }
    }
  }
  assertUniqueIds(objects, dir);
  return objects;
}

/** `group/version Kind namespace/name`, the identity kustomize keys objects by. */
export function objectId(o: K8sObject): string {
  return `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function assertUniqueIds(objects: K8sObject[], dir: string): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = objectId(o);
    if (seen.has(id)) throw new Error(`${dir}: ${id} is defined twice`);
    seen.add(id);
  }
}

function applyPatch(objects: K8sObject[], patch: K8sObject, dir: string): K8sObject[] {
  const matches = objects.filter(
    (o) =>
      o.apiVersion === patch.apiVersion &&
      o.kind === patch.kind &&
      o.metadata.name === patch.metadata.name &&
      (patch.metadata.namespace === undefined || patch.metadata.namespace === o.metadata.namespace),
  );
  if (matches.length !== 1) {
    throw new Error(`${dir}: patch ${patch.kind}/${patch.metadata.name} matches ${matches.length} objects`);
  }
  const target = matches[0]!;
  const { $patch, ...body } = patch;
  if ($patch === 'delete') return objects.filter((o) => o !== target);
  if ($patch !== undefined) throw new Error(`${dir}: $patch: ${$patch} is not supported`);
  mergeInto(
    target,
    body,
    BUILT_IN.test(target.apiVersion),
    [],
    `${dir}: ${target.kind}/${target.metadata.name}`,
  );
  return objects;
}

/** Lists merged item by item on this key in built-in kinds (their patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  topologySpreadConstraints: 'topologyKey',
};
/** Lists a strategic-merge patch replaces whole in built-in kinds (no merge key). */
const ATOMIC_LISTS = new Set(['args', 'command', 'volumeClaimTemplates']);
/** Built-in kinds; custom resources are patched as JSON merge patches (lists replaced). */
const BUILT_IN = /^(v1|apps\/v1|batch\/v1|policy\/v1|networking\.k8s\.io\/v1)$/;

function isMap(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeInto(
  target: Record<string, Json>,
  patch: Record<string, Json>,
  builtIn: boolean,
  path: string[],
  where: string,
): void {
  for (const [key, value] of Object.entries(patch)) {
    const at = [...path, key];
    if (key.startsWith('$')) throw new Error(`${where}: ${at.join('.')} is not supported`);
    const current = target[key];
    if (value === null) {
      delete target[key];
    } else if (isMap(value) && isMap(current)) {
      mergeInto(current, value, builtIn, at, where);
    } else if (Array.isArray(value) && Array.isArray(current)) {
      const mergeKey = MERGE_KEYS[key];
      if (!builtIn || ATOMIC_LISTS.has(key)) target[key] = structuredClone(value);
      else if (mergeKey) target[key] = mergeList(current, value, mergeKey, builtIn, at, where);
      else throw new Error(`${where}: patching the list ${at.join('.')} is not supported`);
    } else {
      target[key] = structuredClone(value);
    }
  }
}

/**
 * Items named in the patch come first, in the patch's order (merged into their originals), then
 * the other original items: the order `kubectl kustomize` (kyaml) produces, which matters for
 * env entries that refer to earlier ones through $(NAME).
 */
function mergeList(
  current: Json[],
  patch: Json[],
  mergeKey: string,
  builtIn: boolean,
  path: string[],
  where: string,
): Json[] {
  const rest = structuredClone(current);
  const out: Json[] = [];
  for (const item of patch) {
    if (!isMap(item) || typeof item[mergeKey] !== 'string') {
      throw new Error(`${where}: items of ${path.join('.')} need '${mergeKey}'`);
    }
    const i = rest.findIndex((o) => isMap(o) && o[mergeKey] === item[mergeKey]);
    const existing = i >= 0 ? rest.splice(i, 1)[0] : undefined;
    const { $patch, ...body } = item;
    if ($patch !== undefined) {
      // `{<key>: x, $patch: delete}` removes item x; nothing else is supported.
      if ($patch !== 'delete' || Object.keys(body).length !== 1 || !existing) {
        throw new Error(
          `${where}: ${path.join('.')}: only '$patch: delete' of an existing item is supported`,
        );
      }
      continue;
    }
    if (isMap(existing)) {
      mergeInto(existing, item, builtIn, [...path, String(item[mergeKey])], where);
      out.push(existing);
    } else {
      out.push(structuredClone(item));
    }
  }
  return [...out, ...rest];
}

/** Every container of every pod template (and the object itself, for a bare Pod). */
export function containersOf(o: K8sObject): Loose[] {
  const spec = podSpecOf(o);
  return spec ? [...(spec.initContainers ?? []), ...(spec.containers ?? [])] : [];
}

/** The pod spec of a workload, or undefined for other kinds. */
export function podSpecOf(o: K8sObject): Loose {
  return o.kind === 'Pod' ? o.spec : podTemplateOf(o)?.spec;
}

/** The pod template (metadata and spec) of a workload, or undefined for a bare Pod and other kinds. */
export function podTemplateOf(o: K8sObject): Loose {
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind))
    return o.spec?.template;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template;
  return undefined;
}

/** `name[:tag][@digest]` split the way kustomize's image transformer reads it. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const ref = at >= 0 ? image.slice(0, at) : image;
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const named = colon > slash ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { name: ref };
  return digest === undefined ? named : { ...named, digest };
}

function setImage(objects: K8sObject[], rule: Record<string, string>): void {
  for (const key of Object.keys(rule)) {
    if (!['name', 'newName', 'newTag'].includes(key)) throw new Error(`images: '${key}' is not supported`);
  }
  for (const o of objects) {
    for (const c of containersOf(o)) {
      const { name, tag, digest } = parseImage(String(c.image));
      if (name !== rule.name) continue;
      if (digest !== undefined)
        throw new Error(`images: retagging ${c.image}, pinned by digest, is not supported`);
      const newTag = rule.newTag ?? tag;
      c.image = `${rule.newName ?? name}${newTag ? `:${newTag}` : ''}`;
    }
  }
}
