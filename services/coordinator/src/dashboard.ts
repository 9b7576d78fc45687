/**
 * The coordinator's live dashboard (`--dashboard-port`): its running studies, behind the API's
 * tokens and tenants (a viewer sees its tenant's studies; an admin every tenant's), over HTTPS
 * with the API's certificate when TLS is on. Workers' started notices (`hpo.progress.<study>`,
 * checked like results) say which worker trains which fold.
 */
import { readFileSync } from 'node:fs';
import { errorText } from '@hpo/core';
import { type Dashboard, type DashboardSource, startDashboard, studyListing } from '@hpo/orchestrator/report';
import { CodecError, decodeProgress, SUBJECTS } from '@hpo/protocol';
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

/**
 * Follows the progress subject: workers' started notices (for the dashboard) and folds' reports at
 * ASHA rungs (for their study's runner), each only when its nonce answers a task this coordinator
 * issued; anything else is dropped, logged and counted.
 */
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
        const message = decodeProgress(m.data);
        const rejection = proofs.check(message, m.subject.slice(SUBJECTS.progress('').length));
        const what = 'report' in message ? 'report' : 'started notice';
        if (rejection) {
          metrics.startedRejected.inc({ reason: rejection });
          log.warn(
            { task: message.id, worker: message.worker, reason: rejection },
            `dropping a forged ${what}`,
          );
          continue;
        }
        if ('report' in message) manager.reported(message.study, message.id, message.report);
        else manager.started(message.study, message.id, message.worker);
      } catch (err) {
        metrics.startedRejected.inc({ reason: 'malformed' });
        log.warn(
          { subject: m.subject, err: err instanceof CodecError ? err.message : errorText(err) },
          'dropping a malformed progress message',
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
