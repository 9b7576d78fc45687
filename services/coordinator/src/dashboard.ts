/**
 * The coordinator's live dashboard (`--dashboard-port`): its running studies, behind the API's
 * tokens and tenants (a viewer sees its tenant's studies; an admin every tenant's), over HTTPS
 * with the API's certificate when TLS is on. Workers' started notices (`hpo.progress.<study>`,
 * checked like results) say which worker trains which fold.
 */
import { readFileSync } from 'node:fs';
import { errorText } from '@hpo/core';
import { type Dashboard, type DashboardSource, startDashboard, studyListing } from '@hpo/orchestrator/report';
import { CodecError, decodeStarted, SUBJECTS } from '@hpo/protocol';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { CoordinatorConfig } from './config.js';
import type { Metrics } from './metrics.js';
import type { Identity } from './security/auth-file.js';
import type { Authenticator } from './security/authenticator.js';
import type { StudyManager } from './study-manager.js';
import type { TaskProofs } from './task-proofs.js';

/** The dashboard's view of the study manager, for `who`. */
export function coordinatorSource(manager: StudyManager, auth: Authenticator): DashboardSource<Identity> {
  return {
    authRequired: auth.enabled,
    authenticate: (token) => auth.bearer(token),
    list: (who) =>
      manager.list(who).map(({ record, study }) =>
        study
          ? studyListing(record.id, study.runner.log, record.state)
          : {
              id: record.id,
              name: record.name,
              state: record.state,
              createdAt: record.createdAt,
              finished: record.summary?.trialsDone ?? 0,
              budget: record.spec.budget.trials,
              metric: record.spec.objective.metric,
              best: record.summary?.best?.value !== undefined ? Number(record.summary.best.value) : null,
            },
      ),
    prepare: async (who, id) => {
      await manager.get(id, who);
    },
    log: (who, id) => manager.loaded(id, who).runner.log,
    running: (who, id) => manager.loaded(id, who).executor.running(),
    subscribe: (listener) => manager.onChange(listener),
  };
}

/** Records workers' started notices whose nonce answers a task this coordinator issued. */
export function followStarted(
  nc: NatsConnection,
  manager: StudyManager,
  proofs: TaskProofs,
  metrics: Metrics,
  log: Logger,
): void {
  const sub = nc.subscribe(SUBJECTS.progressAll);
  void (async () => {
    for await (const m of sub) {
      try {
        const started = decodeStarted(m.data);
        const rejection = proofs.check(started, m.subject.slice(SUBJECTS.progress('').length));
        if (rejection) {
          metrics.startedRejected.inc({ reason: rejection });
          log.warn(
            { task: started.id, worker: started.worker, reason: rejection },
            'dropping a forged started notice',
          );
          continue;
        }
        manager.started(started.study, started.id, started.worker);
      } catch (err) {
        metrics.startedRejected.inc({ reason: 'malformed' });
        log.warn(
          { subject: m.subject, err: err instanceof CodecError ? err.message : errorText(err) },
          'dropping a malformed started notice',
        );
      }
    }
  })();
}

/** Starts the dashboard on the API's host when --dashboard-port is set. */
export async function startCoordinatorDashboard(
  config: CoordinatorConfig,
  manager: StudyManager,
  auth: Authenticator,
  log: Logger,
): Promise<Dashboard | undefined> {
  if (config.dashboardPort === undefined) return undefined;
  const host = config.grpcAddress.slice(0, config.grpcAddress.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const dashboard = await startDashboard(coordinatorSource(manager, auth), {
    host,
    port: config.dashboardPort,
    tls: config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : undefined,
    onError: (message) => log.error({ err: message }, 'dashboard error'),
  });
  log.info({ dashboard: dashboard.url }, 'dashboard listening');
  return dashboard;
}
