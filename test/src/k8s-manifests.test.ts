/**
 * deploy/: every manifest (base, overlays built the way `kubectl apply -k` builds them, each
 * overlay's study Job and backup volume, the monitoring objects, the restore Job) validated
 * against the Kubernetes, KEDA and Prometheus-operator schemas, plus the invariants that tie
 * them to the code and to each other: env names the services read, ports, probes, selectors,
 * the ack wait and the shutdown grace, the NATS users, the store budget against max_file_store
 * and the volumes, the streams backed up against the protocol's STORE_LIMITS, priorities,
 * scraping, the image and its entry points. No cluster is needed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  SETTINGS as COORDINATOR_SETTINGS,
  loadConfig as coordinatorConfig,
} from '@hpo/coordinator/dist/config.js';
import { validateStudySpec } from '@hpo/core';
import {
  BUCKETS,
  kvStream,
  NATS_AUTH_ENV,
  objStream,
  type SettingsTable,
  STORE_LIMITS,
  STREAMS,
} from '@hpo/protocol';
import { SETTINGS as WORKER_SETTINGS, loadConfig as workerConfig } from '@hpo/worker/dist/config.js';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import {
  CLUSTER_SCOPED,
  containersOf,
  type K8sObject,
  kustomizeBuild,
  type Loose,
  objectId,
  parseImage,
  podSpecOf,
  podTemplateOf,
  readYamlDocs,
} from './k8s-kustomize.js';
import { validateObject } from './k8s-models.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const K8S = join(ROOT, 'deploy/k8s');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Each install, by the directory of its platform kustomization, and its companions. */
const INSTALLS = {
  'deploy/k8s': { jobs: 'jobs', backupVolume: 'backup-volume' },
  'overlays/dev': { jobs: 'overlays/dev/jobs', backupVolume: 'overlays/dev/backup-volume' },
  'overlays/production': {
    jobs: 'overlays/production/jobs',
    backupVolume: 'overlays/production/backup-volume',
  },
} as const;
type Install = keyof typeof INSTALLS;
const build = (dir: string) => kustomizeBuild(dir === 'deploy/k8s' ? K8S : join(K8S, dir));
/** `kubectl apply -k <install>`: NATS, coordinator, workers, backups. */
const BUILDS = Object.fromEntries(Object.keys(INSTALLS).map((i) => [i, build(i)])) as Record<
  Install,
  K8sObject[]
>;
/** `kubectl apply -k <install's jobs>`: the study Job as that install runs it. */
const JOB_BUILDS = Object.fromEntries(Object.entries(INSTALLS).map(([i, d]) => [i, build(d.jobs)])) as Record<
  Install,
  K8sObject[]
>;
/** `kubectl apply -k <install's backup-volume>`: applied once, never deleted with the rest. */
const VOLUME_BUILDS = Object.fromEntries(
  Object.entries(INSTALLS).map(([i, d]) => [i, build(d.backupVolume)]),
) as Record<Install, K8sObject[]>;
/** `kubectl apply -k deploy/k8s/monitoring` (optional: Prometheus operator objects). */
const MONITORING = build('monitoring');
const JOB_FILE = JOB_BUILDS['deploy/k8s'];
/** Created by hand for a restore; in no kustomization. */
const RESTORE_FILE = readYamlDocs(join(K8S, 'jobs/restore-job.yaml'));
/** Every kustomization directory under deploy/k8s. */
const KUSTOMIZATIONS = [
  ...Object.keys(INSTALLS),
  ...Object.values(INSTALLS).flatMap((d) => [d.jobs, d.backupVolume]),
  'monitoring',
];
/** Secrets the operator creates out of band, per build (deploy/README.md says how). */
const OPERATOR_SECRETS: Record<string, string[]> = {
  'deploy/k8s': [],
  'overlays/dev': [],
  'overlays/production': ['nats-routes', 'hpo-nats-users', 'hpo-auth', 'hpo-job-token'],
};

/** Env names a service reads: its settings table (shared with the other service) and the NATS credentials. */
function envNamesRead(table: SettingsTable): Set<string> {
  return new Set([...Object.values(table).map((s) => s.env), ...Object.values(NATS_AUTH_ENV)]);
}
const READS: Record<string, Set<string>> = {
  coordinator: envNamesRead(COORDINATOR_SETTINGS),
  worker: envNamesRead(WORKER_SETTINGS),
};

/** Env names that Node.js itself reads, not the services' settings. */
const NODE_ENV_NAMES = new Set(['NODE_OPTIONS']);

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} is missing`);
  return o;
}
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const workloads = (objects: K8sObject[]) => objects.filter((o) => podSpecOf(o) !== undefined);

/** The container's environment as the kubelet builds it: envFrom ConfigMaps, then env. */
function containerEnv(objects: K8sObject[], c: Loose): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of c.envFrom ?? []) {
    assert.ok(from.configMapRef, `${c.name}: only envFrom.configMapRef is used`);
    const cm = find(objects, 'ConfigMap', from.configMapRef.name);
    for (const [k, v] of Object.entries(cm.data ?? {})) env.set(k, String(v));
  }
  for (const e of c.env ?? []) env.set(e.name, e.value ?? '<valueFrom>');
  return env;
}

/** CPU in cores, memory in bytes. */
function quantity(q: string | number): number {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(String(q));
  assert.ok(m, `unreadable quantity ${q}`);
  const unit = { m: 1e-3, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9 };
  return Number(m[1]) * (m[2] ? unit[m[2] as keyof typeof unit] : 1);
}

/** A size in nats-server's configuration, in bytes: K/M/G/T are powers of 1000, KB/MB/GB/TB of 1024. */
function natsSize(value: string): number {
  const m = /^([0-9]+)([a-z]*)$/i.exec(value.trim());
  assert.ok(m, `unreadable nats-server size ${value}`);
  const units: Record<string, number> = {
    '': 1,
    k: 1e3,
    kb: 2 ** 10,
    m: 1e6,
    mb: 2 ** 20,
    g: 1e9,
    gb: 2 ** 30,
    t: 1e12,
    tb: 2 ** 40,
  };
  const unit = units[m[2]!.toLowerCase()];
  assert.ok(unit !== undefined, `unknown nats-server size unit in ${value}`);
  return Number(m[1]) * unit;
}

/**
 * The NATS server configuration as the pod reads it: nats.conf with its includes inlined, except
 * auth.conf (the users, checked on their own), whose `$JS...` subjects are not variables.
 */
function natsConf(objects: K8sObject[]): string {
  const files = find(objects, 'ConfigMap', 'nats-config').data as Record<string, string>;
  return String(files['nats.conf']).replace(/^\s*include \.\/(\S+)$/gm, (line, f: string) => {
    assert.ok(files[f] !== undefined, `nats.conf includes ${f}, which the ConfigMap lacks`);
    return f === 'auth.conf' ? line : String(files[f]);
  });
}

/** The V8 heap cap of a container (NODE_OPTIONS --max-old-space-size), in MiB. */
function heapCapMb(env: Map<string, string>): number | undefined {
  const m = /--max-old-space-size=(\d+)/.exec(env.get('NODE_OPTIONS') ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The env value of a container entry set by `value` (not from a Secret). */
function envValue(c: Loose, name: string): string | undefined {
  return (c.env ?? []).find((e: Loose) => e.name === name)?.value;
}

function labelsMatch(selector: Loose, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    assert.equal(e.operator, 'In', 'only In expressions are used');
    if (!e.values.includes(labels[e.key])) return false;
  }
  return true;
}

/** Workloads whose pods a label selector picks. */
function selected(objects: K8sObject[], selector: Loose): K8sObject[] {
  return workloads(objects).filter((w) => labelsMatch(selector, podTemplateOf(w).metadata.labels));
}

/** Batch workloads (Jobs, CronJobs): run to an end, no probes, no selector of their own. */
const isBatch = (w: K8sObject) => w.kind === 'Job' || w.kind === 'CronJob';

/** The hpo process a container runs, from its args: `node <pkg>/dist/main.js`. */
function hpoProcess(c: Loose): 'coordinator' | 'worker' | 'cli' | undefined {
  const entry = c.args?.[1];
  if (entry === 'services/coordinator/dist/main.js') return 'coordinator';
  if (entry === 'services/worker/dist/main.js') return 'worker';
  if (entry === 'packages/cli/dist/main.js') return 'cli';
  return undefined;
}

function hpoContainer(objects: K8sObject[], deployment: string): Loose {
  const c = containersOf(find(objects, 'Deployment', deployment))[0];
  assert.ok(c);
  return c;
}

for (const [buildName, objects] of Object.entries(BUILDS)) {
  describe(`k8s build ${buildName}`, () => {
    const install = buildName as Install;
    const companions = [...JOB_BUILDS[install], ...VOLUME_BUILDS[install]];

    test('every object matches its Kubernetes / KEDA schema (its Job and backup volume too)', () => {
      assert.ok(objects.length > 10);
      for (const o of [...objects, ...companions]) validateObject(o);
    });

    test('every namespaced object lands in the hpo namespace; cluster-scoped ones have none', () => {
      for (const o of [...objects, ...companions]) {
        if (CLUSTER_SCOPED.has(o.kind)) assert.equal(o.metadata.namespace, undefined, o.metadata.name);
        else assert.equal(o.metadata.namespace, 'hpo', o.metadata.name);
      }
    });

    test('selectors match pod labels; Services, PDBs and policies select existing pods', () => {
      for (const w of workloads(objects)) {
        if (isBatch(w)) continue;
        assert.ok(
          labelsMatch(w.spec.selector, w.spec.template.metadata.labels),
          `${w.kind}/${w.metadata.name}`,
        );
      }
      for (const s of ofKind(objects, 'Service')) {
        assert.ok(
          selected(objects, { matchLabels: s.spec.selector }).length > 0,
          `Service/${s.metadata.name}`,
        );
      }
      for (const p of ofKind(objects, 'PodDisruptionBudget')) {
        assert.equal(selected(objects, p.spec.selector).length, 1, `PDB/${p.metadata.name}`);
      }
      for (const np of ofKind(objects, 'NetworkPolicy')) {
        assert.ok(selected(objects, np.spec.podSelector).length > 0, `NetworkPolicy/${np.metadata.name}`);
        for (const rule of np.spec.ingress ?? []) {
          for (const peer of rule.from ?? []) {
            if (peer.podSelector) assert.ok(selected(objects, peer.podSelector).length > 0, np.metadata.name);
          }
        }
      }
    });

    test('Service ports point at container ports of the selected pods', () => {
      for (const s of ofKind(objects, 'Service')) {
        const ports = selected(objects, { matchLabels: s.spec.selector }).flatMap((w) =>
          containersOf(w).flatMap((c) => c.ports ?? []),
        );
        for (const p of s.spec.ports) {
          const hit = ports.find((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort);
          assert.ok(hit, `Service/${s.metadata.name} port ${p.name} -> ${p.targetPort}`);
          assert.equal(
            hit.containerPort,
            p.port,
            `Service/${s.metadata.name} port ${p.name} keeps the number`,
          );
        }
      }
      const sts = find(objects, 'StatefulSet', 'nats');
      assert.equal(find(objects, 'Service', sts.spec.serviceName).spec.clusterIP, 'None');
    });

    test('every container has probes (batch pods none), and CPU and memory requests and limits (NATS: no CPU limit)', () => {
      for (const w of workloads(objects)) {
        for (const c of containersOf(w)) {
          const where = `${w.kind}/${w.metadata.name}/${c.name}`;
          if (isBatch(w))
            assert.ok(!c.readinessProbe && !c.livenessProbe, `${where}: a run to an end needs no probes`);
          else assert.ok(c.readinessProbe && c.livenessProbe, `${where}: readiness and liveness probes`);
          for (const r of ['cpu', 'memory']) {
            const req = c.resources?.requests?.[r];
            const lim = c.resources?.limits?.[r];
            // Throttling a JetStream leader stalls every client: NATS has a CPU request only.
            if (r === 'cpu' && w.metadata.name === 'nats') {
              assert.ok(req !== undefined && lim === undefined, `${where}: a CPU request, no limit`);
              continue;
            }
            assert.ok(req !== undefined && lim !== undefined, `${where}: ${r} request and limit`);
            assert.ok(quantity(req) <= quantity(lim), `${where}: ${r} request <= limit`);
          }
        }
      }
    });

    test('the coordinator: one replica, Recreate, ready = gRPC health, alive = its HTTP port, a lease, a heap cap', () => {
      const d = find(objects, 'Deployment', 'hpo-coordinator');
      assert.equal(d.spec.replicas, 1);
      assert.equal(d.spec.strategy.type, 'Recreate');
      const c = hpoContainer(objects, 'hpo-coordinator');
      const env = containerEnv(objects, c);
      const port = Number(env.get('HPO_GRPC_ADDRESS')?.split(':')[1]);
      const health = Number(env.get('HPO_HEALTH_GRPC_ADDRESS')?.split(':')[1]);
      assert.equal(c.ports.find((p: Loose) => p.name === 'grpc')?.containerPort, port);
      assert.equal(c.ports.find((p: Loose) => p.name === 'health')?.containerPort, health);
      assert.equal(
        c.ports.find((p: Loose) => p.name === 'metrics')?.containerPort,
        Number(env.get('HPO_METRICS_PORT')),
      );
      // Reading an upload at CreateStudy keeps a copy and up to twice its size unpacked.
      const data = d.spec.template.spec.volumes.find((v: Loose) => v.name === 'data');
      const uploadMb = Number(env.get('HPO_MAX_UPLOAD_MB'));
      assert.ok(
        quantity(data.emptyDir.sizeLimit) >= 3 * uploadMb * 1024 * 1024,
        `data volume ${data.emptyDir.sizeLimit} holds 3 × HPO_MAX_UPLOAD_MB (${uploadMb} MiB)`,
      );
      assert.equal(env.get('HPO_DATA_DIR'), c.volumeMounts.find((m: Loose) => m.name === 'data').mountPath);
      // Ready = the gRPC health service, NOT_SERVING without NATS or without the lease; the
      // kubelet's gRPC probes cannot speak TLS: they target the health-only listener.
      assert.equal(c.readinessProbe?.grpc?.port, health);
      // Alive and started = the process answers HTTP: a standby waiting for the lease (NOT_SERVING)
      // must not be restarted for it.
      for (const probe of [c.startupProbe, c.livenessProbe]) {
        assert.equal(probe?.grpc, undefined, 'liveness is not the gRPC health (a standby is NOT_SERVING)');
        assert.equal(probe?.httpGet?.path, '/scaling');
        assert.equal(probe.httpGet.port, 'metrics');
      }
      assert.ok(Number(env.get('HPO_LEASE_SECONDS')) >= 3, 'the coordinator lease time is set');
      // Memory: the main heap cap, the upload-reading thread's heap cap and one upload's typed
      // columns (outside the heaps, up to the upload's size) stay under 90% of the limit, and the
      // reading thread's heap holds an upload of the largest size.
      const heap = heapCapMb(env);
      const readHeap = Number(env.get('HPO_READ_HEAP_MB'));
      const limitMb = quantity(c.resources.limits.memory) / 2 ** 20;
      assert.ok(heap !== undefined, 'NODE_OPTIONS=--max-old-space-size caps the heap');
      assert.ok(readHeap >= uploadMb, `HPO_READ_HEAP_MB ${readHeap} >= HPO_MAX_UPLOAD_MB ${uploadMb}`);
      assert.ok(
        heap + readHeap + uploadMb <= 0.9 * limitMb,
        `heap ${heap} + reading thread ${readHeap} + upload ${uploadMb} MiB <= 90% of the ${limitMb} MiB limit`,
      );
      const svc = find(objects, 'Service', 'hpo-coordinator');
      assert.deepEqual(
        svc.spec.ports.map((p: Loose) => p.port),
        [port, 9464],
        'the Service exposes the gRPC port, and the metrics port for KEDA (a NetworkPolicy admits only namespace keda to it)',
      );
    });

    test('the worker: drain-safe (grace period above the longest fold finish and the ack wait), probes on its metrics port', () => {
      const d = find(objects, 'Deployment', 'hpo-worker');
      const c = hpoContainer(objects, 'hpo-worker');
      const env = containerEnv(objects, c);
      const ackWait = Number(env.get('HPO_ACK_WAIT_SECONDS') ?? 30);
      const grace = Number(env.get('HPO_SHUTDOWN_GRACE_SECONDS') ?? 25);
      const period = d.spec.template.spec.terminationGracePeriodSeconds;
      assert.ok(period > ackWait, `terminationGracePeriodSeconds ${period} > ack wait ${ackWait}`);
      // Folds take minutes: running ones may finish after SIGTERM, and the kubelet waits for it
      // (plus the hand-back and exit) before it kills the pod.
      assert.ok(grace >= 300, `HPO_SHUTDOWN_GRACE_SECONDS ${grace} lets folds of minutes finish`);
      assert.ok(
        period >= grace + 10,
        `terminationGracePeriodSeconds ${period} >= shutdown grace ${grace} + 10`,
      );
      const coordinatorEnv = containerEnv(objects, hpoContainer(objects, 'hpo-coordinator'));
      for (const name of ['HPO_ACK_WAIT_SECONDS', 'HPO_MAX_DELIVER', 'NATS_URL']) {
        assert.equal(env.get(name), coordinatorEnv.get(name), `${name}: coordinator and workers agree`);
      }
      const metricsPort = Number(env.get('HPO_METRICS_PORT'));
      assert.equal(c.ports.find((p: Loose) => p.name === 'metrics')?.containerPort, metricsPort);
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        assert.equal(probe.httpGet.path, '/healthz');
        assert.equal(probe.httpGet.port, 'metrics');
      }
      const threads = Number(env.get('HPO_WORKER_THREADS'));
      assert.ok(threads >= 1 && threads <= quantity(c.resources.limits.cpu), 'one CPU per training thread');
      // The dataset cache evicts before its volume fills (a full emptyDir evicts the pod).
      const cache = d.spec.template.spec.volumes.find((v: Loose) => v.name === 'cache');
      assert.equal(env.get('HPO_CACHE_DIR'), c.volumeMounts.find((m: Loose) => m.name === 'cache').mountPath);
      const cacheMb = Number(env.get('HPO_CACHE_MAX_MB'));
      assert.ok(
        cacheMb > 0 && cacheMb * 1024 * 1024 < quantity(cache.emptyDir.sizeLimit),
        `HPO_CACHE_MAX_MB ${cacheMb} below the cache volume's ${cache.emptyDir.sizeLimit}`,
      );
    });

    test('containers set only env names their service reads (a renamed variable fails here)', () => {
      for (const w of workloads(objects)) {
        for (const c of containersOf(w)) {
          const process = hpoProcess(c);
          if (process === undefined || process === 'cli') continue;
          const env = containerEnv(objects, c);
          // Names only used to build another value through $(NAME) are fine.
          const referenced = new Set(
            [...env.values(), ...(c.args ?? [])].flatMap((v) =>
              [...v.matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1]),
            ),
          );
          for (const name of env.keys()) {
            assert.ok(
              READS[process]!.has(name) || referenced.has(name) || NODE_ENV_NAMES.has(name),
              `${process} does not read ${name}`,
            );
          }
          assert.ok(env.has('NATS_URL'), `${process}: NATS_URL`);
        }
      }
    });

    test('one hpo image everywhere, and each entry point exists in the source tree', () => {
      const images = new Set<string>();
      for (const w of workloads(objects)) {
        for (const c of containersOf(w)) {
          if (parseImage(c.image).name.split('/').pop() !== 'hpo') continue;
          images.add(c.image);
          assert.ok(hpoProcess(c), `${c.name}: args start with node <entry point>`);
          assert.equal(c.args[0], 'node');
          assert.equal(c.command, undefined, 'command would replace tini, the image entry point');
          const source = c.args[1].replace('/dist/', '/src/').replace(/\.js$/, '.ts');
          assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
        }
      }
      assert.equal(images.size, 1, `one image: ${[...images].join(', ')}`);
      assert.ok(parseImage([...images][0]!).tag, 'the image has a tag');
    });

    test('third-party images are pinned: a version tag, and a digest where one is verified', () => {
      for (const w of [...workloads(objects), ...workloads(JOB_BUILDS[install])]) {
        for (const c of containersOf(w)) {
          const { tag, digest } = parseImage(c.image);
          assert.ok(tag && tag !== 'latest', `${w.metadata.name}/${c.name}: ${c.image} names a version`);
          if (digest !== undefined) assert.match(digest, /^sha256:[0-9a-f]{64}$/, c.image);
        }
      }
      const backup = containersOf(find(objects, 'CronJob', 'hpo-backup'))[0]!;
      assert.ok(parseImage(backup.image).digest, `the backup image is pinned by digest: ${backup.image}`);
    });

    test('service accounts exist and mount no token', () => {
      for (const w of workloads(objects)) {
        const spec = podSpecOf(w);
        const sa = find(objects, 'ServiceAccount', spec.serviceAccountName);
        assert.equal(sa.automountServiceAccountToken, false);
        assert.equal(spec.automountServiceAccountToken, false);
        assert.equal(spec.securityContext?.runAsNonRoot, true);
      }
    });

    test('referenced ConfigMaps and Secrets exist (or are created by the operator)', () => {
      for (const w of workloads(objects)) {
        for (const c of containersOf(w)) {
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
            if (!ref) continue;
            const kind = e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
            if (kind === 'Secret' && OPERATOR_SECRETS[buildName]!.includes(ref.name)) continue;
            const o = find(objects, kind, ref.name);
            assert.ok(
              ref.key in (o.data ?? {}) || ref.key in (o.stringData ?? {}),
              `${kind}/${ref.name} has ${ref.key}`,
            );
          }
        }
        for (const v of podSpecOf(w).volumes ?? []) {
          if (v.configMap) find(objects, 'ConfigMap', v.configMap.name);
          // Claims live outside this kustomization (delete -k keeps them): the backup volume's.
          if (v.persistentVolumeClaim) {
            assert.equal(
              objects.find((o) => o.kind === 'PersistentVolumeClaim'),
              undefined,
              'no volume in the workloads kustomization (kubectl delete -k would delete it)',
            );
            find(VOLUME_BUILDS[install], 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName);
          }
          if (v.secret) {
            const name = v.secret.secretName;
            const issued = objects.some((o) => o.kind === 'Certificate' && o.spec.secretName === name);
            const known =
              issued ||
              v.secret.optional === true ||
              OPERATOR_SECRETS[buildName]!.includes(name) ||
              objects.some((o) => o.kind === 'Secret' && o.metadata.name === name);
            assert.ok(
              known,
              `${w.metadata.name}: Secret ${name} exists, is issued or is created by the operator`,
            );
          }
        }
      }
      for (const name of OPERATOR_SECRETS[buildName]!) {
        assert.ok(!objects.some((o) => o.kind === 'Secret' && o.metadata.name === name));
        assert.match(read('deploy/README.md'), new RegExp(`create secret generic ${name}`));
      }
    });

    test('network policies: NATS clients are the coordinator, workers and backups; only gRPC reaches the coordinator; scrapers reach the metrics ports', () => {
      const policies = ofKind(objects, 'NetworkPolicy');
      const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0);
      assert.ok(deny && !deny.spec.ingress, 'a default deny of ingress');
      /** Names of the pods allowed to reach `app` on `port`, '*' for anyone. */
      const allowed = (app: string, port: number) => {
        const from = new Set<string>();
        for (const p of policies) {
          if (!labelsMatch(p.spec.podSelector, { 'app.kubernetes.io/name': app })) continue;
          for (const rule of p.spec.ingress ?? []) {
            if (rule.ports && !rule.ports.some((rp: Loose) => rp.port === port)) continue;
            if (!rule.from) from.add('*');
            for (const peer of rule.from ?? []) {
              if (peer.namespaceSelector)
                from.add(`namespace:${peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name']}`);
              // Study and restore Jobs run in the namespace too: a policy admitting them must show here.
              else
                for (const w of selected(
                  [...objects, ...JOB_BUILDS[install], ...RESTORE_FILE],
                  peer.podSelector,
                ))
                  from.add(w.metadata.name);
            }
          }
        }
        return [...from].sort();
      };
      assert.deepEqual(allowed('nats', 4222), ['hpo-backup', 'hpo-coordinator', 'hpo-restore', 'hpo-worker']);
      assert.deepEqual(allowed('nats', 6222), ['nats']);
      assert.deepEqual(allowed('nats', 8222), [], 'the exporter reads the monitoring port on localhost');
      assert.deepEqual(allowed('nats', 7777), ['namespace:monitoring']);
      assert.deepEqual(allowed('hpo-coordinator', 50051), ['*']);
      assert.deepEqual(
        allowed('hpo-coordinator', 9464),
        ['namespace:keda', 'namespace:monitoring'],
        'KEDA reads /scaling, Prometheus /metrics',
      );
      assert.deepEqual(allowed('hpo-worker', 9465), ['namespace:monitoring']);
    });

    test('NATS: config file matches the pod (ports, store on the volume, one route per replica)', () => {
      const sts = find(objects, 'StatefulSet', 'nats');
      const c = containersOf(sts)[0]!;
      assert.equal(c.name, 'nats', 'the server is the first container');
      const conf = natsConf(objects);
      const port = (name: string) => c.ports.find((p: Loose) => p.name === name)?.containerPort;
      assert.match(conf, new RegExp(`^listen: 0\\.0\\.0\\.0:${port('client')}$`, 'm'));
      assert.match(conf, new RegExp(`^http: 0\\.0\\.0\\.0:${port('monitor')}$`, 'm'));
      assert.match(
        conf,
        /^server_name: \$POD_NAME$/m,
        'KEDA finds the consumer leader by server name = pod name',
      );
      const store = /store_dir: (\S+)/.exec(conf)?.[1];
      const data = c.volumeMounts.find((m: Loose) => m.name === 'data');
      assert.ok(
        store === data.mountPath || store?.startsWith(`${data.mountPath}/`),
        'JetStream store on the volume',
      );
      assert.equal(sts.spec.volumeClaimTemplates[0].metadata.name, 'data');
      const env = new Map<string, string>(c.env.map((e: Loose) => [e.name, e.value ?? '<valueFrom>']));
      for (const name of conf.replace(/#.*$/gm, '').matchAll(/\$([A-Z][A-Z0-9_]*)/g))
        assert.ok(env.has(name[1]!), `nats env ${name[1]}`);
      const routes = [...conf.matchAll(/\$(NATS_ROUTE_\d+)/g)].map((m) => env.get(m[1]!));
      if (sts.spec.replicas === 1) {
        assert.doesNotMatch(conf, /cluster \{/, 'a lone node has no cluster block');
      } else {
        assert.match(conf, new RegExp(`^\\s+listen: 0\\.0\\.0\\.0:${port('cluster')}$`, 'm'));
        assert.deepEqual(
          routes,
          Array.from(
            { length: sts.spec.replicas },
            (_, i) =>
              `nats://$(NATS_ROUTE_USER):$(NATS_ROUTE_PASSWORD)@nats-${i}.${sts.spec.serviceName}:${port('cluster')}`,
          ),
        );
      }
    });

    test('NATS runs deploy/nats/auth.conf; coordinator and workers connect as their own users, passwords from Secrets', () => {
      const cm = find(objects, 'ConfigMap', 'nats-config');
      assert.equal(
        cm.data['auth.conf'],
        read('deploy/nats/auth.conf'),
        'the ConfigMap copy of auth.conf is the file',
      );
      assert.match(String(cm.data['nats.conf']), /^\s*include \.\/auth\.conf$/m);
      const sts = find(objects, 'StatefulSet', 'nats');
      const natsEnv = new Set(containersOf(sts)[0]!.env.map((e: Loose) => e.name));
      const authConf = String(cm.data['auth.conf']).replace(/#.*$/gm, '');
      for (const name of authConf.matchAll(/\$(HPO_[A-Z0-9_]+)/g))
        assert.ok(natsEnv.has(name[1]!), `nats env ${name[1]}`);
      const users = [...String(cm.data['auth.conf']).matchAll(/user: ([\w-]+)/g)].map((m) => m[1]);
      // The backup CronJob connects as hpo-backup, with replies under the inbox prefix its
      // permissions allow (and no other).
      const backup = containersOf(find(objects, 'CronJob', 'hpo-backup'))[0]!;
      assert.equal(envValue(backup, 'NATS_USER'), 'hpo-backup');
      assert.ok(users.includes('hpo-backup'), 'hpo-backup is a user of auth.conf');
      assert.ok(
        (backup.env as Loose[]).find((e) => e.name === 'NATS_PASSWORD')?.valueFrom?.secretKeyRef,
        'the backup password comes from a Secret',
      );
      const prefixes = new Set([...String(backup.args).matchAll(/--inbox-prefix (\S+)/g)].map((m) => m[1]));
      assert.equal(prefixes.size, 1, 'every nats call of the backup uses one inbox prefix');
      const backupPerms = /BACKUP = \{([\s\S]*?)\n {2}\}/.exec(authConf)?.[1] ?? '';
      assert.match(backupPerms, new RegExp(`subscribe = \\{\\s*allow = \\["${[...prefixes][0]}\\.>"\\]`));
      for (const [app, user] of [
        ['hpo-coordinator', 'hpo-coordinator'],
        ['hpo-worker', 'hpo-worker'],
      ] as const) {
        const c = hpoContainer(objects, app);
        const env = new Map<string, Loose>((c.env ?? []).map((e: Loose) => [e.name, e]));
        assert.equal(env.get('NATS_USER')?.value, user, `${app} connects as ${user}`);
        assert.ok(users.includes(user), `${user} is a user of auth.conf`);
        assert.ok(
          env.get('NATS_PASSWORD')?.valueFrom?.secretKeyRef,
          `${app}: the password comes from a Secret`,
        );
        assert.ok(
          !(c.args ?? []).some((a: string) => /pass|token/i.test(a)),
          `${app}: no credentials in args`,
        );
      }
    });

    test("the services' settings pass their own validation (TLS and auth beyond loopback, or HPO_INSECURE)", () => {
      // Values from Secrets and the downward API stand in as a plausible value.
      const flat = (app: string) =>
        Object.fromEntries(
          [...containerEnv(objects, hpoContainer(objects, app))].map(([k, v]) => [
            k,
            v === '<valueFrom>' ? 'from-k8s' : v,
          ]),
        );
      const coordinator = coordinatorConfig([], flat('hpo-coordinator'))!;
      workerConfig([], flat('hpo-worker'));
      const c = hpoContainer(objects, 'hpo-coordinator');
      if (buildName === 'overlays/dev') {
        assert.equal(coordinator.tls, undefined);
        assert.equal(coordinator.insecure, true, 'dev serves plaintext, and says so');
      } else {
        assert.ok(coordinator.tls, 'TLS on the API');
        const mounted = (path: string) =>
          c.volumeMounts.some((m: Loose) => path.startsWith(`${m.mountPath}/`));
        assert.ok(mounted(coordinator.tls.cert) && mounted(coordinator.tls.key), 'the TLS files are mounted');
        const cert = find(objects, 'Certificate', 'hpo-coordinator-tls');
        assert.ok(cert.spec.dnsNames.includes('hpo-coordinator'), 'the certificate names the Service');
      }
      assert.ok(coordinator.authFile, 'tokens are checked');
      assert.ok(
        c.volumeMounts.some((m: Loose) => coordinator.authFile!.startsWith(`${m.mountPath}/`)),
        'the auth file is mounted',
      );
    });

    test("KEDA scales the workers on the coordinator's demand (/scaling), with a fallback", () => {
      const so = objects.find((o) => o.kind === 'ScaledObject');
      if (buildName === 'overlays/dev') {
        assert.equal(so, undefined, 'dev runs without KEDA');
        assert.equal(find(objects, 'Deployment', 'hpo-worker').spec.replicas, 1);
        assert.equal(find(objects, 'StatefulSet', 'nats').spec.replicas, 1);
        return;
      }
      assert.ok(so);
      assert.equal(find(objects, 'Deployment', 'hpo-worker').spec.replicas, undefined, 'KEDA owns replicas');
      assert.equal(so.spec.scaleTargetRef.name, 'hpo-worker');
      const [trigger] = so.spec.triggers;
      assert.equal(trigger.type, 'metrics-api');
      assert.equal(trigger.metricType, 'AverageValue', 'a fallback needs AverageValue');
      const svc = find(objects, 'Service', 'hpo-coordinator');
      const port = svc.spec.ports.find((p: Loose) => p.name === 'metrics');
      assert.equal(
        trigger.metadata.url,
        `http://${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local:${port.port}/scaling`,
      );
      const deployment = find(objects, 'Deployment', 'hpo-coordinator');
      assert.ok(
        hpoContainer(objects, 'hpo-coordinator').ports.some(
          (p: Loose) => p.name === port.targetPort && p.containerPort === port.port,
        ),
        'the Service reaches the metrics port',
      );
      assert.ok(deployment);
      assert.equal(trigger.metadata.valueLocation, 'foldsWanted');
      const threads = Number(
        containerEnv(objects, hpoContainer(objects, 'hpo-worker')).get('HPO_WORKER_THREADS'),
      );
      assert.equal(Number(trigger.metadata.targetValue), threads, 'a pod per threads-worth of folds wanted');
      assert.ok(so.spec.fallback?.replicas >= 1 && so.spec.fallback.failureThreshold >= 1);
      assert.ok(so.spec.minReplicaCount >= 1 && so.spec.maxReplicaCount > so.spec.minReplicaCount);
      // Scale-down prefers idle pods: only after demand stayed low for a while (so most pods are
      // idle by then), and a few pods at a time.
      const down = so.spec.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown;
      assert.ok(down?.stabilizationWindowSeconds >= 300, 'a long scale-down stabilisation window');
      for (const p of down.policies as Loose[]) {
        assert.ok(p.periodSeconds >= 60, 'scale-down acts at most once a minute');
        assert.ok(
          p.type === 'Pods' ? p.value <= 2 : p.type === 'Percent' && p.value <= 25,
          'a slow scale-down policy',
        );
      }
    });

    test('every pod has a priority class: NATS above the coordinator above the workers', () => {
      const classes = new Map(ofKind(objects, 'PriorityClass').map((p) => [p.metadata.name, p]));
      const pods = [...workloads(objects), ...workloads(JOB_BUILDS[install]), ...workloads(RESTORE_FILE)];
      for (const w of pods) {
        const name = podSpecOf(w).priorityClassName;
        assert.ok(classes.has(name), `${w.kind}/${w.metadata.name}: priorityClassName ${name} is defined`);
      }
      const value = (kind: string, name: string) =>
        classes.get(podSpecOf(find(objects, kind, name)).priorityClassName)!.value as number;
      const nats = value('StatefulSet', 'nats');
      const coordinator = value('Deployment', 'hpo-coordinator');
      const worker = value('Deployment', 'hpo-worker');
      assert.ok(nats > coordinator && coordinator > worker, `${nats} > ${coordinator} > ${worker}`);
      for (const p of classes.values()) {
        assert.ok(
          Number.isInteger(p.value) && p.value > 0 && p.value <= 1e9,
          `${p.metadata.name}: a user priority`,
        );
        assert.notEqual(p.globalDefault, true, `${p.metadata.name} is not every pod's default`);
      }
      const batch = classes.get(podSpecOf(find(objects, 'Deployment', 'hpo-worker')).priorityClassName)!;
      assert.equal(batch.preemptionPolicy, 'Never', 'scaling workers out never evicts other pods');
    });

    test('scraping: coordinator, workers and NATS (exporter sidecar) by annotation and by ServiceMonitor', () => {
      for (const [kind, name] of [
        ['Deployment', 'hpo-coordinator'],
        ['Deployment', 'hpo-worker'],
        ['StatefulSet', 'nats'],
      ] as const) {
        const w = find(objects, kind, name);
        const port = containersOf(w)
          .flatMap((c) => c.ports ?? [])
          .find((p: Loose) => p.name === 'metrics');
        assert.ok(port, `${name}: a container port named metrics`);
        const a = podTemplateOf(w).metadata.annotations ?? {};
        assert.equal(a['prometheus.io/scrape'], 'true', `${name}: prometheus.io/scrape`);
        assert.equal(Number(a['prometheus.io/port']), port.containerPort, `${name}: prometheus.io/port`);
        assert.equal(a['prometheus.io/path'], '/metrics');
        // A ServiceMonitor (deploy/k8s/monitoring) -> a Service here -> these pods' metrics port.
        const hits = ofKind(MONITORING, 'ServiceMonitor').flatMap((sm) =>
          ofKind(objects, 'Service')
            .filter((svc) => labelsMatch(sm.spec.selector, svc.metadata.labels))
            .filter((svc) =>
              labelsMatch({ matchLabels: svc.spec.selector }, podTemplateOf(w).metadata.labels),
            )
            .flatMap((svc) =>
              (sm.spec.endpoints as Loose[]).map((e) => ({
                e,
                svcPort: svc.spec.ports.find((p: Loose) => p.name === e.port),
              })),
            ),
        );
        assert.equal(hits.length, 1, `${name}: scraped by exactly one ServiceMonitor endpoint`);
        const [{ e, svcPort }] = hits as [{ e: Loose; svcPort: Loose }];
        assert.ok(
          svcPort && svcPort.targetPort === 'metrics',
          `${name}: the Service port ${e.port} targets metrics`,
        );
        assert.equal(e.path, '/metrics');
      }
      // The exporter reads this server's monitoring port, which the server opens.
      const sts = find(objects, 'StatefulSet', 'nats');
      const exporter = containersOf(sts).find((c) => c.ports?.some((p: Loose) => p.name === 'metrics'));
      const monitor = containersOf(sts)[0]!.ports.find((p: Loose) => p.name === 'monitor').containerPort;
      assert.equal(exporter.args.at(-1), `http://localhost:${monitor}`);
      assert.ok(
        exporter.args.includes('-jsz=all'),
        'JetStream metrics, per stream (the store alerts use them)',
      );
      assert.match(natsConf(objects), new RegExp(`^http: 0\\.0\\.0\\.0:${monitor}$`, 'm'));
    });

    test("store: HPO_STORE_MAX_MB < max_file_store < the NATS volume; uploads fit the uploads' share", () => {
      const env = containerEnv(objects, hpoContainer(objects, 'hpo-coordinator'));
      const storeMb = Number(env.get('HPO_STORE_MAX_MB'));
      assert.ok(storeMb > 0, 'HPO_STORE_MAX_MB is set');
      const maxFileStore = /^\s*max_file_store:\s*(\S+)\s*$/m.exec(natsConf(objects))?.[1];
      assert.ok(maxFileStore, 'max_file_store is set');
      const volume = find(objects, 'StatefulSet', 'nats').spec.volumeClaimTemplates.find(
        (t: Loose) => t.metadata.name === 'data',
      ).spec.resources.requests.storage;
      // NATS reserves each stream's max_bytes on every server holding a replica.
      assert.ok(
        storeMb * 2 ** 20 < natsSize(maxFileStore),
        `HPO_STORE_MAX_MB ${storeMb} MiB < max_file_store ${maxFileStore}`,
      );
      assert.ok(
        natsSize(maxFileStore) < quantity(volume),
        `max_file_store ${maxFileStore} < volume ${volume}`,
      );
      const uploadMb = Number(env.get('HPO_MAX_UPLOAD_MB'));
      const uploadsShare = STORE_LIMITS[objStream(BUCKETS.uploads)]!.share;
      assert.ok(
        uploadsShare * storeMb >= 3 * uploadMb,
        `the uploads' share (${uploadsShare} x ${storeMb} MiB) holds three uploads of ${uploadMb} MiB`,
      );
      assert.ok(Number(env.get('HPO_RETAIN_DAYS')) >= 0, 'HPO_RETAIN_DAYS is set');
    });

    test('backups: a daily CronJob snapshots every stream to a volume that holds them', () => {
      const cron = find(objects, 'CronJob', 'hpo-backup');
      assert.equal(cron.spec.concurrencyPolicy, 'Forbid');
      const c = containersOf(cron)[0]!;
      const streams = String(envValue(c, 'HPO_BACKUP_STREAMS')).split(/\s+/).filter(Boolean).sort();
      assert.deepEqual(
        streams,
        Object.keys(STORE_LIMITS).sort(),
        'every stream and bucket hpo creates is backed up',
      );
      assert.match(String(c.args), /nats --inbox-prefix \S+ stream backup /);
      const keep = Number(envValue(c, 'HPO_BACKUP_KEEP'));
      assert.ok(keep >= 1);
      const claim = podSpecOf(cron).volumes.find((v: Loose) => v.persistentVolumeClaim).persistentVolumeClaim;
      const pvc = find(VOLUME_BUILDS[install], 'PersistentVolumeClaim', claim.claimName);
      const storeMb = Number(
        containerEnv(objects, hpoContainer(objects, 'hpo-coordinator')).get('HPO_STORE_MAX_MB'),
      );
      // Old backups go once a new one is complete: the volume holds keep + 1 of them.
      assert.ok(
        quantity(pvc.spec.resources.requests.storage) >= (keep + 1) * storeMb * 2 ** 20,
        `${pvc.spec.resources.requests.storage} holds ${keep + 1} backups of ${storeMb} MiB`,
      );
      // The restore Job reads the same volume, read-only, with the same CLI.
      const restore = find(RESTORE_FILE, 'Job', 'hpo-restore');
      const rc = containersOf(restore)[0]!;
      assert.equal(rc.image, c.image);
      const rclaim = podSpecOf(restore).volumes.find(
        (v: Loose) => v.persistentVolumeClaim,
      ).persistentVolumeClaim;
      assert.equal(rclaim.claimName, claim.claimName);
      assert.equal(rclaim.readOnly, true);
      assert.match(String(rc.args), /nats stream restore /);
      assert.equal(envValue(rc, 'NATS_USER'), 'hpo-coordinator', 'only the coordinator may create streams');
    });

    test("the study Job runs this install's image, and speaks TLS exactly where the coordinator does", () => {
      const job = find(JOB_BUILDS[install], 'Job', 'hpo-study-churn');
      validateObject(job);
      const c = containersOf(job)[0]!;
      assert.equal(c.image, hpoContainer(objects, 'hpo-coordinator').image, 'the image the deployments run');
      const insecure =
        containerEnv(objects, hpoContainer(objects, 'hpo-coordinator')).get('HPO_INSECURE') === 'true';
      assert.equal(c.args.includes('--tls'), !insecure);
      assert.equal(c.args.includes('--ca'), !insecure);
      const ca = podSpecOf(job).volumes.some((v: Loose) => v.secret?.secretName === 'hpo-coordinator-tls');
      assert.equal(ca, !insecure, 'the CA volume is there exactly when the Job checks the certificate');
      for (const m of c.volumeMounts)
        assert.ok(
          podSpecOf(job).volumes.some((v: Loose) => v.name === m.name),
          `volume ${m.name}`,
        );
    });
  });
}

/** `kubectl kustomize` (kustomize built into kubectl) where it is installed; no cluster needed. */
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe('k8s layout', () => {
  test('the builds above equal `kubectl kustomize` output', {
    skip: !kubectl && 'kubectl not installed',
  }, () => {
    for (const name of KUSTOMIZATIONS) {
      const dir = name === 'deploy/k8s' ? K8S : join(K8S, name);
      const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      const real = parseAllDocuments(out.stdout).map((d) => d.toJS() as K8sObject);
      const byId = (list: K8sObject[]) => Object.fromEntries(list.map((o) => [objectId(o), o]));
      assert.deepEqual(byId(build(name)), byId(real), name);
    }
  });

  test('every manifest under deploy/k8s is part of a kustomization, or the namespace or the restore Job', () => {
    const listed = new Set<string>();
    const walk = (dir: string) => {
      const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'));
      for (const r of k.resources ?? []) {
        const path = join(dir, r);
        if (existsSync(join(path, 'kustomization.yaml'))) walk(path);
        else listed.add(relative(K8S, path));
      }
      for (const p of k.patches ?? []) listed.add(relative(K8S, join(dir, p.path)));
      listed.add(relative(K8S, join(dir, 'kustomization.yaml')));
    };
    for (const d of KUSTOMIZATIONS) walk(d === 'deploy/k8s' ? K8S : join(K8S, d));
    listed.add('namespace.yaml');
    listed.add('jobs/restore-job.yaml');
    const files = readdirSync(K8S, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual(files.filter((f) => !listed.has(f)).sort(), []);
  });

  test('the Namespace is applied on its own (delete -k keeps the data) and enforces Pod Security restricted', () => {
    for (const name of KUSTOMIZATIONS)
      assert.equal(
        build(name).find((o) => o.kind === 'Namespace'),
        undefined,
        `${name}: kubectl delete -k would delete the namespace and the NATS volumes`,
      );
    // The backups' volume is only in its own kustomization, applied once.
    for (const [name, objects] of Object.entries({ ...BUILDS, ...JOB_BUILDS, monitoring: MONITORING }))
      assert.equal(
        objects.find((o) => o.kind === 'PersistentVolumeClaim'),
        undefined,
        name,
      );
    const ns = readYamlDocs(join(K8S, 'namespace.yaml'))[0] as K8sObject;
    validateObject(ns);
    assert.equal(ns.metadata.name, 'hpo');
    assert.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
  });

  test('NATS: spread over nodes (DoNotSchedule), over zones too in production, memory requested = limit, no CPU limit', () => {
    for (const [name, objects] of Object.entries(BUILDS)) {
      const sts = find(objects, 'StatefulSet', 'nats');
      const spread = sts.spec.template.spec.topologySpreadConstraints as Loose[];
      // Zones only in production: DoNotSchedule skips nodes without the label (laptop clusters).
      const zone = spread.some((c) => c.topologyKey === 'topology.kubernetes.io/zone');
      assert.equal(zone, name === 'overlays/production', `${name}: zone spread only where zones exist`);
      const keys = ['kubernetes.io/hostname', ...(zone ? ['topology.kubernetes.io/zone'] : [])];
      for (const key of keys)
        assert.ok(
          spread.some(
            (c) => c.topologyKey === key && c.whenUnsatisfiable === 'DoNotSchedule' && c.maxSkew === 1,
          ),
          `${name}: spread over ${key}`,
        );
      for (const c of containersOf(sts)) {
        const r = c.resources;
        assert.equal(r.requests.memory, r.limits.memory, `${name}/${c.name}: memory request = limit`);
        assert.equal(r.limits.cpu, undefined, `${name}/${c.name}: no CPU limit`);
      }
    }
  });

  test('production uses a registry image; the default build uses the locally built one', () => {
    const image = (b: Install) => hpoContainer(BUILDS[b], 'hpo-coordinator').image;
    assert.equal(image('deploy/k8s'), image('overlays/dev'));
    assert.match(image('overlays/production'), /^[a-z0-9.-]+\.[a-z]+\/.*hpo:/);
  });

  test('retention: every stream and bucket the code creates has a store limit; the shares fit the budget', () => {
    const streams = new Set([
      ...Object.values(STREAMS),
      ...Object.values(BUCKETS).flatMap((b) => [kvStream(b), objStream(b)].filter((s) => s in STORE_LIMITS)),
    ]);
    for (const s of Object.values(STREAMS)) assert.ok(s in STORE_LIMITS, `${s} has a STORE_LIMITS entry`);
    for (const b of Object.values(BUCKETS)) {
      const entries = [kvStream(b), objStream(b)].filter((s) => s in STORE_LIMITS);
      assert.equal(entries.length, 1, `bucket ${b}: one KV_ or OBJ_ entry in STORE_LIMITS`);
    }
    assert.deepEqual(
      Object.keys(STORE_LIMITS).sort(),
      [...streams].sort(),
      'no entry for a stream nothing creates',
    );
    let total = 0;
    for (const [s, l] of Object.entries(STORE_LIMITS)) {
      assert.ok(l.share > 0 && l.share < 1, `${s}: a share of the budget`);
      total += l.share;
    }
    assert.ok(total <= 1 + 1e-9, `the shares add up to ${total} <= 1`);
  });
});

describe('study Job (deploy/k8s/jobs/study-job.yaml, as deploy/k8s/jobs applies it)', () => {
  const job = find(JOB_FILE, 'Job', 'hpo-study-churn');
  const base = BUILDS['deploy/k8s']!;

  test('matches the schemas and lives in the hpo namespace', () => {
    for (const o of JOB_FILE) {
      validateObject(o);
      assert.equal(o.metadata.namespace, 'hpo');
    }
  });

  test('runs `hpo submit --wait --id` against the coordinator Service, restart-safe; its exit status is the outcome', () => {
    const spec = job.spec.template.spec;
    assert.equal(spec.restartPolicy, 'Never');
    const c = containersOf(job)[0]!;
    assert.equal(hpoProcess(c), 'cli');
    assert.deepEqual(c.args.slice(2, 3), ['submit']);
    assert.ok(c.args.includes('--wait'));
    // Retries follow the same study (a fixed id); disruptions do not use them up; an outcome ends the Job.
    assert.match(c.args[c.args.indexOf('--id') + 1], /^[a-z0-9-]+$/, 'a fixed study id');
    assert.ok(job.spec.backoffLimit > 0);
    const rules = job.spec.podFailurePolicy.rules;
    assert.ok(
      rules.some(
        (r: Loose) =>
          r.action === 'Ignore' && r.onPodConditions?.some((p: Loose) => p.type === 'DisruptionTarget'),
      ),
    );
    assert.ok(
      rules.some(
        (r: Loose) =>
          r.action === 'FailJob' &&
          r.onExitCodes?.containerName === c.name &&
          r.onExitCodes.values.includes(2) &&
          // 1 may be a coordinator that could not be reached: that is retried.
          !r.onExitCodes.values.includes(1),
      ),
    );
    assert.equal(job.spec.activeDeadlineSeconds, undefined, 'a Job deadline would orphan the study');
    assert.ok(Number(c.env.find((e: Loose) => e.name === 'HPO_RECONNECT_SECONDS')?.value) >= 300);
    const server = c.args[c.args.indexOf('--server') + 1];
    const [host, port] = server.split(':');
    const svc = find(base, 'Service', host);
    assert.ok(
      svc.spec.ports.some((p: Loose) => p.port === Number(port)),
      `${server} is the coordinator's port`,
    );
    assert.equal(host, 'hpo-coordinator');
    assert.equal(c.image, hpoContainer(base, 'hpo-coordinator').image, 'the same image as the deployment');
    assert.ok(c.readinessProbe === undefined, 'a Job needs no probes');
    for (const r of ['cpu', 'memory']) assert.ok(c.resources.requests[r] && c.resources.limits[r]);
    find(base, 'ServiceAccount', spec.serviceAccountName);
    assert.equal(spec.automountServiceAccountToken, false);
  });

  test('authenticates with a token from a Secret and checks the coordinator certificate against its CA only', () => {
    const c = containersOf(job)[0]!;
    const token = c.env.find((e: Loose) => e.name === 'HPO_TOKEN');
    assert.equal(token.valueFrom.secretKeyRef.name, 'hpo-job-token');
    assert.ok(find(base, 'Secret', 'hpo-job-token').stringData.token, 'the base ships a dev token');
    assert.ok(!c.args.includes('--token'), 'never on the command line');
    assert.ok(c.args.includes('--tls'));
    const ca = c.args[c.args.indexOf('--ca') + 1];
    const mount = c.volumeMounts.find((m: Loose) => ca.startsWith(`${m.mountPath}/`));
    const volume = job.spec.template.spec.volumes.find((v: Loose) => v.name === mount.name);
    const cert = find(base, 'Certificate', 'hpo-coordinator-tls');
    assert.equal(volume.secret.secretName, cert.spec.secretName);
    assert.deepEqual(volume.secret.items, [{ key: 'ca.crt', path: 'ca.crt' }], 'not the private key');
    // The dev token in the Job is one the dev auth file knows.
    const authYaml = String(find(base, 'Secret', 'hpo-auth').stringData['auth.yaml']);
    const hash = createHash('sha256')
      .update(find(base, 'Secret', 'hpo-job-token').stringData.token)
      .digest('hex');
    assert.ok(authYaml.includes(hash));
  });

  test('the study spec in the ConfigMap is valid and its dataset ships in the image', () => {
    const c = containersOf(job)[0]!;
    const specPath = c.args.at(-1);
    const mount = c.volumeMounts.find((m: Loose) => specPath.startsWith(`${m.mountPath}/`));
    const volume = job.spec.template.spec.volumes.find((v: Loose) => v.name === mount.name);
    const cm = find(JOB_FILE, 'ConfigMap', volume.configMap.name);
    const text = cm.data[specPath.slice(mount.mountPath.length + 1)];
    const spec = validateStudySpec(parseYaml(text), 'study-job.yaml');
    assert.ok(spec.budget.timeLimitSeconds, "the study's own time limit is the Job's deadline");
    const workdir = /^WORKDIR (\S+)$/m.exec(read('deploy/docker/Dockerfile'))?.[1];
    assert.ok(spec.dataset.path.startsWith(`${workdir}/examples/`), 'a dataset copied into the image');
    assert.ok(existsSync(join(ROOT, relative(workdir!, spec.dataset.path))));
  });
});

describe('image (deploy/docker/Dockerfile, .dockerignore)', () => {
  const dockerfile = read('deploy/docker/Dockerfile');
  const ignore = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  test('multi-stage on Node 20 pinned by digest, npm ci, build, prune to production dependencies', () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-bookworm-slim@sha256:[0-9a-f]{64}$/m);
    assert.equal([...dockerfile.matchAll(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)].length, 2);
    for (const step of ['npm ci', 'npm run build', 'omit="--omit=dev"', 'npm prune $omit'])
      assert.ok(dockerfile.includes(step), step);
    for (const dir of ['node_modules', 'packages', 'services', 'proto', 'examples']) {
      assert.match(dockerfile, new RegExp(`^COPY --from=build /app/${dir} \\./${dir}$`, 'm'));
    }
  });

  test('the training backend is a build argument: wasm installs no tfjs-node; the image says which it has', () => {
    assert.match(dockerfile, /^ARG HPO_BACKEND=wasm$/m);
    // The wasm branch omits optional dependencies (tfjs-node is one), in the install and the prune.
    assert.match(dockerfile, /wasm\) npm ci --omit=optional /);
    assert.match(dockerfile, /\[ "\$HPO_BACKEND" = wasm \] && omit="\$omit --omit=optional"/);
    assert.match(
      dockerfile,
      /tfjs-node\) npm ci [^\n]*\\\n\s*&& node -e "require\('@tensorflow\/tfjs-node'\)"/,
    );
    assert.match(dockerfile, /^LABEL io\.hpo\.training-backend=\$\{HPO_BACKEND\}$/m);
    assert.match(dockerfile, /^RUN hpo --version .*grep -q -- "\^backend: \$HPO_BACKEND "$/m);
    const trainer = JSON.parse(read('packages/trainer/package.json'));
    assert.ok(trainer.optionalDependencies?.['@tensorflow/tfjs-node'], 'tfjs-node is an optional dependency');
    for (const pkg of [
      'package.json',
      ...['core', 'optimizer', 'protocol', 'orchestrator', 'cli'].map((p) => `packages/${p}/package.json`),
    ]) {
      const deps = JSON.parse(read(pkg)).dependencies ?? {};
      assert.equal(
        deps['@tensorflow/tfjs-node'],
        undefined,
        `${pkg}: tfjs-node only as the trainer's optional dependency`,
      );
    }
  });

  test('runs as the non-root uid the pods run as', () => {
    const uid = Number(/^USER (\d+)(?::\d+)?$/m.exec(dockerfile)?.[1]);
    assert.ok(uid > 0);
    for (const w of workloads([...BUILDS['deploy/k8s']!, ...JOB_FILE])) {
      const runAs = podSpecOf(w).securityContext.runAsUser;
      if (containersOf(w).some((c) => parseImage(c.image).name.endsWith('hpo')))
        assert.equal(runAs, uid, w.metadata.name);
    }
  });

  test('the build context keeps what the build and the runtime need', () => {
    for (const kept of [
      'proto',
      'examples',
      'packages',
      'services',
      'test',
      'package-lock.json',
      'tsconfig.json',
    ]) {
      assert.ok(!ignore.includes(kept) && existsSync(join(ROOT, kept)), `${kept} is in the build context`);
    }
    assert.ok(ignore.includes('**/node_modules') && ignore.includes('**/dist'));
    assert.ok(existsSync(join(ROOT, 'proto/hpo/v1/study_service.proto')));
  });
});
