/**
 * `hpo dashboard DIR`: the live dashboard for study directories on this machine (a study
 * written by `hpo tune --out`, or a folder of them), following each events.jsonl as it grows.
 */

import { LocalSource, startDashboard } from '@hpo/orchestrator/report';
import { isLoopback } from '@hpo/protocol/grpc';

export interface DashboardCommandOptions {
  port: number;
  host: string;
}

/** Serves until SIGINT/SIGTERM. */
export async function dashboardCommand(dir: string, opts: DashboardCommandOptions): Promise<number> {
  const source = new LocalSource(dir);
  if (!isLoopback(`${opts.host}:0`))
    process.stderr.write(
      `warning: --host ${opts.host} shows these studies to anyone who can reach this machine (there is no login in hpo dashboard)\n`,
    );
  const dashboard = await startDashboard(source, {
    host: opts.host,
    port: opts.port,
    onError: (message) => process.stderr.write(`dashboard: ${message}\n`),
  });
  process.stderr.write(`dashboard for ${dir} on ${dashboard.url} (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  source.close();
  await dashboard.close();
  process.stderr.write('stopped\n');
  return 0;
}
