/**
 * Schema validation of manifests with kubernetes-models (the Kubernetes OpenAPI schemas),
 * @kubernetes-models/keda and @kubernetes-models/cert-manager (their CRD schemas): each object is built with the model class of
 * its apiVersion and kind, then validated. A kind missing here fails, never passes unchecked.
 *
 * The Prometheus operator's kinds (deploy/k8s/monitoring) have no model package in the
 * project's dependencies (@kubernetes-models/prometheus-operator would be one): they are checked
 * here by hand for the fields hpo uses, and any other field is refused, so a typo cannot pass.
 */
import { Certificate, Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { CronJob, Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1';
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import type { K8sObject, Loose } from './k8s-kustomize.js';

// biome-ignore lint/suspicious/noExplicitAny: each model class takes its own data type.
type ModelClass = new (data: any) => { validate(): void };

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'scheduling.k8s.io/v1/PriorityClass': PriorityClass,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'cert-manager.io/v1/Issuer': Issuer,
  'cert-manager.io/v1/Certificate': Certificate,
};

/** Hand-written checks of the monitoring.coreos.com/v1 kinds hpo uses (see the file comment). */
const CHECKS: Record<string, (o: K8sObject) => void> = {
  'monitoring.coreos.com/v1/ServiceMonitor': (o) => {
    fields(o, 'ServiceMonitor', ['apiVersion', 'kind', 'metadata', 'spec']);
    fields(o.spec, 'spec', ['selector', 'endpoints', 'namespaceSelector', 'jobLabel']);
    labelSelector(o.spec.selector, 'spec.selector');
    list(o.spec.endpoints, 'spec.endpoints').forEach((e, i) => {
      const at = `spec.endpoints[${i}]`;
      fields(e, at, ['port', 'path', 'interval', 'scrapeTimeout', 'scheme']);
      text(e.port, `${at}.port`);
      if (e.path !== undefined && !String(e.path).startsWith('/'))
        throw new Error(`${at}.path must start with /`);
      for (const d of ['interval', 'scrapeTimeout'])
        if (e[d] !== undefined && !/^([0-9]+(ms|s|m|h))+$/.test(e[d]))
          throw new Error(`${at}.${d}: not a duration`);
    });
  },
  'monitoring.coreos.com/v1/PrometheusRule': (o) => {
    fields(o, 'PrometheusRule', ['apiVersion', 'kind', 'metadata', 'spec']);
    fields(o.spec, 'spec', ['groups']);
    list(o.spec.groups, 'spec.groups').forEach((g, i) => {
      const at = `spec.groups[${i}]`;
      fields(g, at, ['name', 'interval', 'rules']);
      text(g.name, `${at}.name`);
      list(g.rules, `${at}.rules`).forEach((r, j) => {
        const rat = `${at}.rules[${j}]`;
        fields(r, rat, ['alert', 'record', 'expr', 'for', 'labels', 'annotations']);
        if ((r.alert === undefined) === (r.record === undefined)) throw new Error(`${rat}: alert or record`);
        text(r.alert ?? r.record, `${rat}.alert`);
        text(r.expr, `${rat}.expr`);
        if (r.for !== undefined && !/^([0-9]+(ms|s|m|h|d))+$/.test(r.for))
          throw new Error(`${rat}.for: not a duration`);
        for (const m of ['labels', 'annotations'] as const)
          for (const [k, v] of Object.entries(r[m] ?? {})) text(v, `${rat}.${m}.${k}`);
      });
    });
  },
};

/** Throws with the object's kind and name when it does not match its schema. */
export function validateObject(o: K8sObject): void {
  const key = `${o.apiVersion}/${o.kind}`;
  const Model = MODELS[key];
  const check = CHECKS[key];
  if (!Model && !check) throw new Error(`no schema for ${o.apiVersion} ${o.kind} (${o.metadata?.name})`);
  try {
    if (!o.metadata?.name) throw new Error('metadata.name is required');
    if (Model) new Model(structuredClone(o)).validate();
    else check!(o);
  } catch (err) {
    throw new Error(`${o.kind}/${o.metadata?.name}: ${(err as Error).message}`);
  }
}

function fields(value: Loose, at: string, allowed: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${at}: an object`);
  for (const k of Object.keys(value))
    if (!allowed.includes(k)) throw new Error(`${at}.${k} is not a known field`);
}

function list(value: Loose, at: string): Loose[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${at}: a non-empty list`);
  return value;
}

function text(value: Loose, at: string): void {
  if (typeof value !== 'string' || value === '') throw new Error(`${at}: a non-empty string`);
}

function labelSelector(value: Loose, at: string): void {
  fields(value, at, ['matchLabels']);
  const labels = Object.entries(value.matchLabels ?? {});
  if (labels.length === 0) throw new Error(`${at}.matchLabels: at least one label`);
  for (const [k, v] of labels) text(v, `${at}.matchLabels.${k}`);
}
