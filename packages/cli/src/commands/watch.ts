import * as grpc from '@grpc/grpc-js';
import type { Study__Output, StudyEventMessage__Output, Trial__Output } from '@hpo/protocol';
import cliProgress from 'cli-progress';
import { CliError, UsageError } from '../errors.js';
import { leaderboardTable } from '../output/leaderboard.js';
import { fmt, useColor } from '../output/style.js';
import { fromGrpc, type Remote, unary } from '../remote/client.js';
import { studySummary } from '../remote/convert.js';

/** How long a follower keeps trying to reach a coordinator that went away (HPO_RECONNECT_SECONDS). */
export function reconnectSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.HPO_RECONNECT_SECONDS;
  if (raw === undefined || raw === '') return 300;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new UsageError(`HPO_RECONNECT_SECONDS must be a number of seconds ≥ 0, got '${raw}'`);
  return n;
}

/** Errors after which the coordinator may come back (a restart, a dropped connection). */
const TRANSIENT = new Set([grpc.status.UNAVAILABLE, grpc.status.CANCELLED]);

/**
 * Follows a study through WatchStudy until it ends: a progress bar with best-so-far on a TTY
 * (one line per finished trial otherwise), then the final leaderboard. Exit code 0 when the
 * study finished, 1 when it failed or was cancelled.
 *
 * When the coordinator goes away (a restart), it reconnects with backoff for up to
 * HPO_RECONNECT_SECONDS (default 300) and resumes after the last event position it saw, so no
 * event is missed or shown twice.
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
              'trials {bar} {value}/{total} | running {running} | best {best} | {duration_formatted} | {status}',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  let started = false;
  let position = 0;
  let ended = false;
  const limitMs = reconnectSeconds() * 1000;
  const note = (text: string) => {
    if (!opts.json && !opts.quiet && !bar) process.stderr.write(`${text}\n`);
  };
  // Followed only after the coordinator answered (connect, CreateStudy): a coordinator never
  // reached fails there, so every loss here is worth waiting out.
  let heard = false;
  let lost = false;
  const onEvent = (e: StudyEventMessage__Output) => {
    heard = true;
    if (lost) {
      lost = false;
      if (started) bar?.update({ status: 'live' });
      note('reconnected');
    }
    const p = Number(e.position ?? 0);
    // A resumed stream starts with a snapshot; any event at or before the last position seen is
    // old. (A coordinator that sends no positions, an older one, gets no such check.)
    if (p > 0 && e.type !== 'snapshot' && e.type !== 'study_ended' && p <= position) return;
    position = Math.max(position, p);
    last = e.study ?? last;
    if (e.type === 'study_ended' || (e.type === 'snapshot' && last && last.state !== 'running')) ended = true;
    if (!last) return;
    const best = last.best ? `${fmt(Number(last.best.value))} (trial ${last.best.number})` : '—';
    if (bar) {
      const payload = { best, running: last.trialsRunning, status: 'live' };
      if (!started) bar.start(last.trialsTotal, last.trialsDone, payload);
      else bar.update(last.trialsDone, payload);
      started = true;
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
  };
  /** One WatchStudy call: resolves when it ends (cleanly or not), rejects on a lasting error. */
  const watchOnce = () =>
    new Promise<void>((resolve, reject) => {
      const stream = remote.client.WatchStudy({ studyId, afterPosition: position });
      stream.on('data', onEvent);
      stream.on('end', () => resolve());
      stream.on('error', (err: grpc.ServiceError) =>
        TRANSIENT.has(err.code) ? resolve() : reject(fromGrpc(err, remote)),
      );
    });
  const { study, trials } = await withReconnect(
    async () => {
      await watchOnce();
      if (!ended) throw new Interrupted();
      await drawing;
      const s = await unary<Study__Output>(remote, 'GetStudy', { studyId });
      const t = await unary<{ trials: Trial__Output[] }>(remote, 'GetLeaderboard', { studyId });
      return { study: s, trials: t.trials };
    },
    limitMs,
    () => {
      const h = heard;
      heard = false;
      return h;
    },
    () => {
      if (lost) return;
      lost = true;
      if (started) bar?.update({ status: 'reconnecting…' });
      note(`lost the coordinator at ${remote.address}; reconnecting (for up to ${limitMs / 1000} s)…`);
    },
  );
  bar?.stop();
  const summary = studySummary(study, trials);
  if (opts.json) process.stdout.write(`${JSON.stringify({ ...summary, state: study.state }, null, 2)}\n`);
  else if (!opts.redraw) {
    process.stdout.write(`${leaderboardTable(summary, opts.top ?? 15)}\n`);
    process.stdout.write(
      `study ${studyId}: ${study.state}${study.endReason ? ` (${study.endReason})` : ''}${study.modelReady ? `; model ready: hpo export ${studyId} --out DIR` : ''}\n`,
    );
  } else await redraw(remote, study, opts.top).catch(() => undefined);
  if (study.message) process.stderr.write(`${study.message}\n`);
  return study.state === 'finished' ? 0 : 1;
}

/** The stream ended before the study did: the coordinator went away. */
class Interrupted extends Error {}

/**
 * Runs `attempt` until it succeeds; an interruption or an unavailable coordinator is retried with
 * backoff (0.5 s doubling to 10 s) until `limitMs` has passed without reaching it.
 */
async function withReconnect<T>(
  attempt: () => Promise<T>,
  limitMs: number,
  /** Whether the coordinator answered since the last call (then the clock starts again). */
  answered: () => boolean,
  onLost: () => void,
): Promise<T> {
  let lostSince: number | undefined;
  let pause = 500;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      const transient = err instanceof Interrupted || (err instanceof CliError && err.kind === 'unavailable');
      if (!transient) throw err;
      if (lostSince !== undefined && answered()) {
        // It came back, then went away again: the clock starts again.
        lostSince = undefined;
        pause = 500;
      }
      if (lostSince === undefined) {
        answered();
        lostSince = Date.now();
        onLost();
      } else if (Date.now() - lostSince > limitMs)
        throw err instanceof CliError
          ? err
          : new CliError(
              `the coordinator stayed unreachable for ${Math.round(limitMs / 1000)} s while following the study`,
              'the study keeps running on the coordinator: follow it again with `hpo leaderboard STUDY --watch`; HPO_RECONNECT_SECONDS sets how long to keep trying',
              'unavailable',
            );
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 10_000);
    }
  }
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
