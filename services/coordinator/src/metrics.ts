import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The coordinator's Prometheus metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly tasksInFlight = new Gauge({
    name: 'hpo_coordinator_tasks_in_flight',
    help: 'Fold tasks published and not yet answered',
    registers: [this.registry],
  });
  readonly foldSeconds = new Histogram({
    name: 'hpo_fold_duration_seconds',
    help: 'Fold task round trip: publish to result (seconds)',
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  readonly studies = new Gauge({
    name: 'hpo_studies',
    help: 'Studies by state',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly queueLag = new Gauge({
    name: 'hpo_task_queue_pending',
    help: 'Tasks waiting in the work queue (consumer lag)',
    registers: [this.registry],
  });
  readonly handbacks = new Counter({
    name: 'hpo_handbacks_total',
    help: 'Tasks stopping workers handed back: requeued as a fresh copy, refused (not wanted here, or a wrong nonce), malformed, error',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'hpo_coordinator_leader',
    help: '1 while this coordinator holds the lease and serves studies, 0 while it stands by',
    registers: [this.registry],
  });
  readonly dispatchLimit = new Gauge({
    name: 'hpo_dispatch_limit',
    help: "Fold tasks the coordinator may have in flight: the live workers' slots plus --prefetch, at most --capacity",
    registers: [this.registry],
  });
  readonly workerSlots = new Gauge({
    name: 'hpo_worker_slots',
    help: 'Training slots of the workers whose heartbeats the coordinator hears',
    registers: [this.registry],
  });
  readonly foldsWaiting = new Gauge({
    name: 'hpo_folds_waiting',
    help: 'Fold tasks the studies want to run that wait for a dispatch slot (the demand beyond the limit)',
    registers: [this.registry],
  });
  readonly foldsDropped = new Counter({
    name: 'hpo_folds_dropped_total',
    help: 'Fold tasks already sent whose trial was pruned or failed: deleted from the queue or stopped on their worker',
    registers: [this.registry],
  });
  readonly foldsAdopted = new Counter({
    name: 'hpo_folds_adopted_total',
    help: 'Tasks found queued or running after a coordinator restart and waited for, not published again',
    labelNames: ['how'],
    registers: [this.registry],
  });
  readonly resultsRejected = new Counter({
    name: 'hpo_results_rejected_total',
    help: 'Results refused because they do not answer a task this coordinator issued (reason: bad_nonce, wrong_study, malformed)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly startedRejected = new Counter({
    name: 'hpo_started_notices_rejected_total',
    help: "Workers' started-task notices and fold reports refused (reason: bad_nonce, wrong_study, malformed)",
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly rpcErrors = new Counter({
    name: 'hpo_rpc_errors_total',
    help: 'gRPC calls answered with an error, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });

  /**
   * Serves /metrics on `port` (0 = off), and /scaling: `{ foldsWanted, foldsInFlight,
   * foldsWaiting, workerSlots, workerSlotsBusy }` as JSON, what KEDA's metrics-api trigger scales the workers on.
   */
  serve(
    port: number,
    collect: () => Promise<void>,
    scaling: () => Record<string, number>,
  ): Server | undefined {
    if (port === 0) return undefined;
    const server = createServer(async (req, res) => {
      if (req.url === '/scaling') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(scaling()));
        return;
      }
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      await collect().catch(() => undefined);
      res.writeHead(200, { 'content-type': this.registry.contentType }).end(await this.registry.metrics());
    });
    server.listen(port);
    return server;
  }
}
