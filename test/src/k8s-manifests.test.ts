/**
 * deploy/: every manifest (base, overlays built the way `kubectl apply -k` builds them, the
 * study Job) validated against the Kubernetes and KEDA schemas, plus the invariants that tie
 * them to the code: env names the services read, ports, probes, selectors, the ack wait, the
 * NATS names KEDA watches, the image and its entry points. No cluster is needed.
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
import { NATS_AUTH_ENV, type SettingsTable } from '@hpo/protocol';
import { SETTINGS as WORKER_SETTINGS, loadConfig as workerConfig } from '@hpo/worker/dist/config.js';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import {
  containersOf,
  type K8sObject,
  kustomizeBuild,
  type Loose,
  objectId,
  parseImage,
  podSpecOf,
  readYamlDocs,
} from './k8s-kustomize.js';
import { validateObject } from './k8s-models.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const K8S = join(ROOT, 'deploy/k8s');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

const BUILDS: Record<string, K8sObject[]> = {
  'deploy/k8s': kustomizeBuild(K8S),
  'overlays/dev': kustomizeBuild(join(K8S, 'overlays/dev')),
  'overlays/production': kustomizeBuild(join(K8S, 'overlays/production')),
};
const JOB_FILE = readYamlDocs(join(K8S, 'jobs/study-job.yaml'));
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
  return workloads(objects).filter((w) => labelsMatch(selector, w.spec.template.metadata.labels));
}

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
    test('every object matches its Kubernetes / KEDA schema', () => {
      assert.ok(objects.length > 10);
      for (const o of objects) validateObject(o);
    });

    test('every namespaced object lands in the hpo namespace', () => {
      for (const o of objects)
        if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'hpo', o.metadata.name);
    });

    test('selectors match pod labels; Services, PDBs and policies select existing pods', () => {
      for (const w of workloads(objects)) {
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

    test('every container has probes, and CPU and memory requests and limits (NATS: no CPU limit)', () => {
      for (const w of workloads(objects)) {
        for (const c of containersOf(w)) {
          const where = `${w.kind}/${w.metadata.name}/${c.name}`;
          assert.ok(c.readinessProbe && c.livenessProbe, `${where}: readiness and liveness probes`);
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

    test('the coordinator: one replica, Recreate, gRPC probes on its plaintext health listener', () => {
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
      // The kubelet's gRPC probes cannot speak TLS: they target the health-only listener.
      for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe])
        assert.equal(probe?.grpc?.port, health);
      const svc = find(objects, 'Service', 'hpo-coordinator');
      assert.deepEqual(
        svc.spec.ports.map((p: Loose) => p.port),
        [port, 9464],
        'the Service exposes the gRPC port, and the metrics port for KEDA (a NetworkPolicy admits only namespace keda to it)',
      );
    });

    test('the worker: grace period above the ack wait and the shutdown grace, probes on its metrics port', () => {
      const d = find(objects, 'Deployment', 'hpo-worker');
      const c = hpoContainer(objects, 'hpo-worker');
      const env = containerEnv(objects, c);
      const ackWait = Number(env.get('HPO_ACK_WAIT_SECONDS') ?? 30);
      const grace = Number(env.get('HPO_SHUTDOWN_GRACE_SECONDS') ?? 25);
      const period = d.spec.template.spec.terminationGracePeriodSeconds;
      assert.ok(period > ackWait, `terminationGracePeriodSeconds ${period} > ack wait ${ackWait}`);
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
            assert.ok(READS[process]!.has(name) || referenced.has(name), `${process} does not read ${name}`);
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

    test('network policies: NATS clients are the coordinator and workers; only gRPC reaches the coordinator', () => {
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
              // Study Jobs run in the namespace too: a policy admitting them must show here.
              else
                for (const w of selected([...objects, ...JOB_FILE], peer.podSelector))
                  from.add(w.metadata.name);
            }
          }
        }
        return [...from].sort();
      };
      assert.deepEqual(allowed('nats', 4222), ['hpo-coordinator', 'hpo-worker']);
      assert.deepEqual(allowed('nats', 6222), ['nats']);
      assert.deepEqual(allowed('nats', 8222), []);
      assert.deepEqual(allowed('hpo-coordinator', 50051), ['*']);
      assert.deepEqual(allowed('hpo-coordinator', 9464), ['namespace:keda'], 'KEDA reads /scaling');
      assert.deepEqual(allowed('hpo-worker', 9465), []);
    });

    test('NATS: config file matches the pod (ports, store on the volume, one route per replica)', () => {
      const sts = find(objects, 'StatefulSet', 'nats');
      const c = containersOf(sts)[0]!;
      const conf = String(find(objects, 'ConfigMap', 'nats-config').data['nats.conf']);
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
      for (const name of conf.matchAll(/\$([A-Z][A-Z0-9_]*)/g))
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
    });
  });
}

/** `kubectl kustomize` (kustomize built into kubectl) where it is installed; no cluster needed. */
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

describe('k8s layout', () => {
  test('the builds above equal `kubectl kustomize` output', {
    skip: !kubectl && 'kubectl not installed',
  }, () => {
    for (const [name, objects] of Object.entries(BUILDS)) {
      const dir = name === 'deploy/k8s' ? K8S : join(K8S, name);
      const out = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      const real = parseAllDocuments(out.stdout).map((d) => d.toJS() as K8sObject);
      const byId = (list: K8sObject[]) => Object.fromEntries(list.map((o) => [objectId(o), o]));
      assert.deepEqual(byId(objects), byId(real), name);
    }
  });

  test('every manifest under deploy/k8s is part of a kustomization or the Job', () => {
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
    for (const d of ['.', 'overlays/dev', 'overlays/production']) walk(join(K8S, d));
    listed.add('jobs/study-job.yaml');
    listed.add('namespace.yaml');
    const files = readdirSync(K8S, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
    assert.deepEqual(files.filter((f) => !listed.has(f)).sort(), []);
  });

  test('the Namespace is applied on its own (delete -k keeps the data) and enforces Pod Security restricted', () => {
    for (const [name, objects] of Object.entries(BUILDS))
      assert.equal(
        objects.find((o) => o.kind === 'Namespace'),
        undefined,
        `${name}: kubectl delete -k would delete the namespace and the NATS volumes`,
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
      const r = containersOf(sts)[0]!.resources;
      assert.equal(r.requests.memory, r.limits.memory, `${name}: memory request = limit`);
      assert.equal(r.limits.cpu, undefined, `${name}: no CPU limit`);
    }
  });

  test('production uses a registry image; the default build uses the locally built one', () => {
    const image = (b: string) => hpoContainer(BUILDS[b]!, 'hpo-coordinator').image;
    assert.equal(image('deploy/k8s'), image('overlays/dev'));
    assert.match(image('overlays/production'), /^[a-z0-9.-]+\.[a-z]+\/.*hpo:/);
  });
});

describe('study Job (deploy/k8s/jobs/study-job.yaml)', () => {
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

  test('multi-stage on Node 20, npm ci, build, prune to production dependencies', () => {
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    assert.equal([...dockerfile.matchAll(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)].length, 2);
    for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev'])
      assert.ok(dockerfile.includes(step), step);
    for (const dir of ['node_modules', 'packages', 'services', 'proto', 'examples']) {
      assert.match(dockerfile, new RegExp(`^COPY --from=build /app/${dir} \\./${dir}$`, 'm'));
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
