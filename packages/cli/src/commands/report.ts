import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEventLines, type StudyEvent } from '@hpo/orchestrator';
import { renderReport, reportData } from '@hpo/orchestrator/report';
import { CliError } from '../errors.js';
import { collect, connectRemote, type ServerOptions } from '../remote/client.js';

/**
 * `hpo report STUDY|DIR --out report.html`: a study directory of `hpo tune` (it has
 * events.jsonl) is read locally; anything else is a study id on the coordinator.
 */
export async function reportCommand(target: string, opts: ServerOptions & { out: string }): Promise<number> {
  const events = existsSync(join(target, 'events.jsonl'))
    ? localEvents(target)
    : await remoteEvents(target, opts);
  const html = renderReport(reportData(events));
  writeFileSync(opts.out, html);
  process.stderr.write(
    `wrote ${resolve(opts.out)} (${(html.length / 1024).toFixed(0)} KiB, self-contained)\n`,
  );
  return 0;
}

function localEvents(dir: string): StudyEvent[] {
  const file = join(dir, 'events.jsonl');
  // A torn last line (a killed study) is left out; the report reads the log, never writes it.
  return parseEventLines(readFileSync(file, 'utf8'), file).events;
}

async function remoteEvents(studyId: string, opts: ServerOptions): Promise<StudyEvent[]> {
  if (studyId.includes('/'))
    throw new CliError(
      `${studyId} is not a study directory (no events.jsonl)`,
      'pass a directory written by `hpo tune`, or a study id on the coordinator',
    );
  const remote = await connectRemote(opts);
  try {
    const records = await collect<{ json: string }>(remote.client.ExportEvents({ studyId }), remote);
    return records.map((r) => JSON.parse(r.json) as StudyEvent);
  } finally {
    remote.close();
  }
}
