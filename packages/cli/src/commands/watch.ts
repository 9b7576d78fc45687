import type { Study__Output, StudyEventMessage__Output, Trial__Output } from '@hpo/protocol';
import cliProgress from 'cli-progress';
import { leaderboardTable } from '../output/leaderboard.js';
import { fmt, useColor } from '../output/style.js';
import { fromGrpc, type Remote, unary } from '../remote/client.js';
import { studySummary } from '../remote/convert.js';

/**
 * Follows a study through WatchStudy until it ends: a progress bar with best-so-far on a TTY
 * (one line per finished trial otherwise), then the final leaderboard. Exit code 0 when the
 * study finished, 1 when it failed or was cancelled.
 */
export async function followStudy(
  remote: Remote,
  studyId: string,
  opts: { json: boolean; quiet: boolean; redraw?: boolean; top?: number },
): Promise<number> {
  let last: Study__Output | undefined;
  let drawing: Promise<void> = Promise.resolve();
  const bar =
    !opts.json && !opts.quiet && process.stderr.isTTY && !opts.redraw
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format:
              'trials {bar} {value}/{total} | running {running} | best {best} | {duration_formatted} | ETA {eta_formatted}',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  await new Promise<void>((resolve, reject) => {
    const stream = remote.client.WatchStudy({ studyId });
    stream.on('data', (e: StudyEventMessage__Output) => {
      last = e.study ?? last;
      if (!last) return;
      const best = last.best ? `${fmt(Number(last.best.value))} (trial ${last.best.number})` : '—';
      if (bar) {
        if (e.type === 'snapshot')
          bar.start(last.trialsTotal, last.trialsDone, { best, running: last.trialsRunning });
        else bar.update(last.trialsDone, { best, running: last.trialsRunning });
      } else if (
        opts.redraw &&
        !opts.json &&
        (e.type === 'snapshot' || e.type === 'trial_finished' || e.type === 'study_ended')
      ) {
        // One redraw at a time; a failed one is skipped (the final fetch below reports errors).
        const study = last;
        drawing = drawing.then(() => redraw(remote, study, opts.top)).catch(() => undefined);
      } else if (!opts.json && !opts.quiet && e.type === 'trial_finished') {
        process.stderr.write(
          `trial ${e.trial} ${e.state} ${e.value !== undefined && e.value !== null ? fmt(Number(e.value)) : ''} (${last.trialsDone}/${last.trialsTotal}, best ${best})\n`,
        );
      }
    });
    stream.on('end', () => resolve());
    stream.on('error', (err) => reject(fromGrpc(err as never, remote)));
  });
  bar?.stop();
  await drawing;
  const study = await unary<Study__Output>(remote, 'GetStudy', { studyId });
  const { trials } = await unary<{ trials: Trial__Output[] }>(remote, 'GetLeaderboard', { studyId });
  const summary = studySummary(study, trials);
  if (opts.json) process.stdout.write(`${JSON.stringify({ ...summary, state: study.state }, null, 2)}\n`);
  else if (!opts.redraw) {
    process.stdout.write(`${leaderboardTable(summary, opts.top ?? 15)}\n`);
    process.stdout.write(
      `study ${studyId}: ${study.state}${study.endReason ? ` (${study.endReason})` : ''}${study.modelReady ? `; model ready: hpo export ${studyId} --out DIR` : ''}\n`,
    );
  }
  if (study.message) process.stderr.write(`${study.message}\n`);
  return study.state === 'finished' ? 0 : 1;
}

async function redraw(remote: Remote, study: Study__Output, top = 15): Promise<void> {
  const { trials } = await unary<{ trials: Trial__Output[] }>(remote, 'GetLeaderboard', {
    studyId: study.studyId,
  });
  const head = `${study.trialsDone}/${study.trialsTotal} trials, ${study.trialsRunning} running, state ${study.state}`;
  // Clear the screen and redraw from the top, like `watch`.
  const clear = process.stdout.isTTY ? '\u001b[2J\u001b[H' : '';
  process.stdout.write(
    `${clear}${leaderboardTable(studySummary(study, trials), top, useColor())}\n${head}\n`,
  );
}
