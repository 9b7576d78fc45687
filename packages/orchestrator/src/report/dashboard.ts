/**
 * The live dashboard: one page (the report's charts, a study list, the running tasks) kept up to
 * date over server-sent events. The coordinator serves it from its running studies
 * (`--dashboard-port`, behind the API's tokens and tenants) and `hpo dashboard` from study
 * directories it follows as their logs grow; both hand it a `DashboardSource`.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { errorText, HpoError } from '@hpo/core';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { StudyLog } from '../study/study-log.js';
import { dashboardPage, loginPage } from './dashboard-page.js';
import { reportData } from './data.js';

/** A study as the list shows it. */
export interface StudyListing {
  id: string;
  name: string;
  state: string;
  createdAt: string;
  /** Trials finished (complete, pruned or failed) and the budget. */
  finished: number;
  budget: number;
  metric: string;
  best: number | null;
}

/** A fold or refit task of a study that is queued or being trained. */
export interface RunningTask {
  trial: number;
  /** Fold index, or 'refit'. */
  fold: number | 'refit';
  /**
   * 'queued': sent, no worker said it started; 'running': `worker` trains it; 'open': a study
   * directory's log says the fold has no result yet (it cannot say more).
   */
  state: 'queued' | 'running' | 'open';
  worker: string | null;
  /** When it was sent, or when its worker started it (ISO). */
  since: string;
}

/**
 * Where the dashboard's studies come from. `V` is whoever looks (the coordinator's identity);
 * a source that does not authenticate gives every caller the same viewer.
 */
export interface DashboardSource<V> {
  /** The viewer a bearer token stands for; throws HpoError 'unauthenticated' when it stands for none. */
  authenticate(token: string | undefined): V;
  /** Whether callers must log in (false: `authenticate(undefined)` always succeeds). */
  readonly authRequired: boolean;
  list(viewer: V): StudyListing[];
  /**
   * Makes a study's log ready for `log` (a coordinator loads an ended study's log on demand);
   * throws 'not_found' for a study the viewer may not see. Optional: a source whose logs are
   * always at hand has none.
   */
  prepare?(viewer: V, id: string): Promise<void>;
  /** A study's log; throws 'not_found' for a study the viewer may not see. */
  log(viewer: V, id: string): StudyLog;
  running(viewer: V, id: string): RunningTask[];
  /** Calls back with a study id when anything about that study changes (or it appears). */
  subscribe(listener: (study: string) => void): () => void;
}

export interface DashboardOptions {
  host: string;
  port: number;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  /** Shortest time between two updates of one page (ms). */
  throttleMs?: number;
  /** Logs a failure the page cannot show (defaults to nothing). */
  onError?: (message: string) => void;
}

export interface Dashboard {
  /** The URL it listens on. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const COOKIE = 'hpo_dashboard';
const SESSION_HOURS = 12;
const MAX_SESSIONS = 10_000;
/** Failed logins per client address per minute before it is told to wait. */
const LOGIN_FAILURES_PER_MINUTE = 10;
const TOKEN = /^[A-Za-z0-9._~+/=-]{1,4096}$/;
/** Event streams open at once, over all pages. */
const MAX_STREAMS = 200;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Whether a POST comes from another site: the browser says so (Sec-Fetch-Site), or its Origin is
 * not this Host. Requests with neither header (curl) pass: cookies are SameSite=Strict anyway.
 */
function crossSite(req: FastifyRequest): boolean {
  // Browsers that send Sec-Fetch-Site are believed (with Referrer-Policy: no-referrer, Chromium
  // posts this page's own form with Origin: null); older ones are judged by Origin.
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/** Every response: no framing, no sniffing, no referrer, and nothing loaded from anywhere else. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

/** A study's line in the list, from its log and its state. */
export function studyListing(id: string, log: StudyLog, state: string): StudyListing {
  const created = log.created;
  if (!created) throw new HpoError('internal', `study '${id}' has no study_created event`);
  const best = log.best();
  return {
    id,
    name: created.spec.name,
    state,
    createdAt: created.at,
    finished: log.all().filter((t) => t.state !== 'running').length,
    budget: created.spec.budget.trials,
    metric: created.spec.objective.metric,
    best: best?.value ?? null,
  };
}

/** Starts the dashboard's HTTP(S) server. */
export async function startDashboard<V>(
  source: DashboardSource<V>,
  opts: DashboardOptions,
): Promise<Dashboard> {
  const throttleMs = opts.throttleMs ?? 250;
  // A session stands for the token it was opened with: every request checks the token again,
  // so a revoked or expired token ends its sessions at once.
  const sessions = new Map<string, { token: string; expires: number }>();
  const failures = new Map<string, { count: number; since: number }>();
  const streams = new Set<ServerResponse>();
  /** Per study: its report as JSON, for the log (and its number of events) it was built from. */
  const reports = new Map<string, { events: number; log: StudyLog; json: string }>();
  const app: FastifyInstance = Fastify({
    logger: false,
    bodyLimit: 8 * 1024,
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 8 * 1024 },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addHook('onSend', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  // Without logins, on loopback: only requests addressed to this host and port are answered, so
  // a web page that rebinds its own name to 127.0.0.1 cannot read the studies (DNS rebinding).
  const guardHost = !source.authRequired && LOOPBACK.has(opts.host);
  app.addHook('onRequest', async (req, reply) => {
    if (guardHost) {
      // The name is what matters (a tunnel may arrive on another port: ssh -L, port-forward).
      const host = String(req.headers.host ?? '');
      const name = host.replace(/:\d+$/, '');
      const ok = name === '127.0.0.1' || name === 'localhost' || name === '[::1]';
      if (!ok) return reply.code(403).send({ error: `unexpected Host header '${host.slice(0, 100)}'` });
    }
    // Forms are posted from this page only (no cross-site login or logout).
    if (req.method === 'POST' && crossSite(req))
      return reply.code(403).send({ error: 'cross-site request refused' });
    return undefined;
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) opts.onError?.(err.message);
    void reply.code(status).send({ error: status === 500 ? 'internal error' : err.message });
  });

  const secure = opts.tls !== undefined;
  const tokenOf = (req: FastifyRequest): string | undefined => {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer (.+)$/.exec(header);
      if (!m || !TOKEN.test(m[1]!))
        throw new HpoError('unauthenticated', "the authorization header is not 'Bearer <token>'");
      return m[1];
    }
    const id = cookie(req.headers.cookie, COOKIE);
    if (id === undefined) return undefined;
    const s = findSession(sessions, id);
    if (!s || s.expires < Date.now()) {
      if (s) sessions.delete(id);
      return undefined;
    }
    return s.token;
  };
  /** Whether this client address failed too many logins (or bearer tokens) in the last minute. */
  const throttled = (address: string) => {
    const f = failures.get(address);
    return f !== undefined && Date.now() - f.since < 60_000 && f.count >= LOGIN_FAILURES_PER_MINUTE;
  };
  const failed = (address: string) => {
    const now = Date.now();
    const f = failures.get(address);
    const entry = f && now - f.since < 60_000 ? f : { count: 0, since: now };
    entry.count++;
    failures.delete(address);
    failures.set(address, entry);
    if (failures.size > MAX_SESSIONS) failures.delete(failures.keys().next().value!);
  };
  /** The viewer of a request, or undefined after answering 401 (or 429 after many bad tokens). */
  const viewerOf = (req: FastifyRequest, reply: FastifyReply): V | undefined => {
    const bearer = req.headers.authorization !== undefined;
    if (bearer && throttled(req.ip)) {
      void reply.code(429).send({ error: 'too many failed tokens from this address: wait a minute' });
      return undefined;
    }
    try {
      const token = tokenOf(req);
      if (token === undefined && source.authRequired)
        throw new HpoError('unauthenticated', 'log in first: no session and no authorization header');
      return source.authenticate(token);
    } catch (err) {
      if (bearer) failed(req.ip);
      void reply.code(401).send({ error: errorText(err) });
      return undefined;
    }
  };
  const answer = (reply: FastifyReply, err: unknown) => {
    const kind = err instanceof HpoError ? err.kind : 'internal';
    // Anything but these is the study's own problem (e.g. a log that cannot be read): 409 says why.
    const status =
      (
        { not_found: 404, unauthenticated: 401, permission_denied: 403, internal: 500 } as Record<
          string,
          number
        >
      )[kind] ?? 409;
    if (status === 500) opts.onError?.(errorText(err));
    void reply.code(status).send({ error: status === 500 ? 'internal error' : errorText(err) });
  };
  /**
   * A study's view as JSON: the viewer's right to see it is checked each time. The report is
   * rebuilt only when the study's log grew (the same JSON is shared by every page showing it);
   * the running tasks, which change without a log event and cost little, are read each time.
   */
  const studyView = (viewer: V, id: string): string => {
    const log = source.log(viewer, id);
    const cached = reports.get(id);
    let report = cached?.events === log.eventCount && cached.log === log ? cached.json : undefined;
    if (report === undefined) {
      report = JSON.stringify(reportData(log));
      reports.set(id, { events: log.eventCount, log, json: report });
      if (reports.size > 1000) reports.delete(reports.keys().next().value!);
    }
    return `{"report":${report},"running":${JSON.stringify(source.running(viewer, id))}}`;
  };

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/', async (req, reply) => {
    let loggedIn = !source.authRequired;
    if (!loggedIn) {
      try {
        const token = tokenOf(req);
        if (token !== undefined) {
          source.authenticate(token);
          loggedIn = true;
        }
      } catch {
        loggedIn = false;
      }
    }
    void reply.type('text/html; charset=utf-8');
    return loggedIn ? dashboardPage({ logout: source.authRequired }) : loginPage();
  });
  app.post('/login', async (req, reply) => {
    const address = req.ip;
    const now = Date.now();
    if (throttled(address)) {
      void reply.code(429).type('text/html; charset=utf-8');
      return loginPage('too many failed logins from this address: wait a minute');
    }
    const token = String((req.body as Record<string, unknown> | undefined)?.token ?? '').trim();
    try {
      if (!TOKEN.test(token))
        throw new HpoError('unauthenticated', 'the token is empty or has characters no token has');
      source.authenticate(token);
    } catch (err) {
      failed(address);
      void reply.code(401).type('text/html; charset=utf-8');
      return loginPage(errorText(err));
    }
    const id = randomBytes(32).toString('base64url');
    sessions.set(id, { token, expires: now + SESSION_HOURS * 3600_000 });
    if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    void reply
      .header(
        'set-cookie',
        `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_HOURS * 3600}${secure ? '; Secure' : ''}`,
      )
      .redirect('/', 303);
  });
  app.post('/logout', async (req, reply) => {
    const id = cookie(req.headers.cookie, COOKIE);
    if (id) sessions.delete(id);
    void reply
      .header('set-cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`)
      .redirect('/', 303);
  });
  app.get('/api/studies', async (req, reply) => {
    const viewer = viewerOf(req, reply);
    if (viewer === undefined) return reply;
    return { studies: source.list(viewer) };
  });
  app.get<{ Params: { id: string } }>('/api/studies/:id', async (req, reply) => {
    const viewer = viewerOf(req, reply);
    if (viewer === undefined) return reply;
    try {
      await source.prepare?.(viewer, req.params.id);
      void reply.type('application/json; charset=utf-8');
      return studyView(viewer, req.params.id);
    } catch (err) {
      answer(reply, err);
      return reply;
    }
  });
  /**
   * Server-sent events: `studies` (the list) and, with ?study=ID, `study` (its report data and
   * running tasks), each sent at once and again after every change, at most every throttleMs.
   */
  app.get<{ Querystring: { study?: string } }>('/api/stream', async (req, reply) => {
    const viewer = viewerOf(req, reply);
    if (viewer === undefined) return reply;
    const watched = req.query.study || undefined;
    if (watched !== undefined) {
      try {
        await source.prepare?.(viewer, watched);
        source.log(viewer, watched);
      } catch (err) {
        answer(reply, err);
        return reply;
      }
    }
    if (streams.size >= MAX_STREAMS) {
      void reply.code(503).send({ error: `${MAX_STREAMS} pages follow this dashboard already; close some` });
      return reply;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    streams.add(res);
    let lastList = '';
    let studyDirty = watched !== undefined;
    let listDirty = true;
    let timer: NodeJS.Timeout | undefined;
    let lastSent = 0;
    let waitingForDrain = false;
    const send = (event: string, data: string) => res.write(`event: ${event}\ndata: ${data}\n\n`);
    const flush = () => {
      timer = undefined;
      // A client that does not read fast enough gets the newest state once it has caught up,
      // not every state in between (nothing piles up in memory for it).
      if (res.writableNeedDrain) {
        if (!waitingForDrain) {
          waitingForDrain = true;
          res.once('drain', () => {
            waitingForDrain = false;
            schedule();
          });
        }
        return;
      }
      lastSent = Date.now();
      try {
        // The token is checked again: a revoked one stops the stream.
        const current = source.authenticate(tokenOf(req));
        if (listDirty) {
          listDirty = false;
          const list = JSON.stringify(source.list(current));
          if (list !== lastList) send('studies', list);
          lastList = list;
        }
        if (studyDirty && watched !== undefined) {
          studyDirty = false;
          send('study', studyView(current, watched));
        }
      } catch (err) {
        send('failure', JSON.stringify({ error: errorText(err) }));
        if (err instanceof HpoError && (err.kind === 'unauthenticated' || err.kind === 'not_found'))
          res.end();
        else opts.onError?.(errorText(err));
      }
    };
    function schedule() {
      if (timer || res.writableEnded) return;
      timer = setTimeout(flush, Math.max(0, lastSent + throttleMs - Date.now()));
    }
    const unsubscribe = source.subscribe((study) => {
      listDirty = true;
      if (study === watched) studyDirty = true;
      schedule();
    });
    // A comment now and then keeps proxies from closing an idle stream.
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    res.on('close', () => {
      unsubscribe();
      clearInterval(keepAlive);
      if (timer) clearTimeout(timer);
      streams.delete(res);
    });
    flush();
  });

  const address = await app.listen({ host: opts.host, port: opts.port });
  const port = (app.server.address() as { port: number }).port;
  return {
    url: address.replace(/:\d+$/, `:${port}`),
    port,
    async close() {
      for (const res of streams) res.end();
      await app.close();
    },
  };
}

/** The value of cookie `name` in a Cookie header. */
function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** A session by its id (random, 32 bytes base64url); anything else is no session. */
function findSession<T>(sessions: Map<string, T>, id: string): T | undefined {
  return /^[A-Za-z0-9_-]{43}$/.test(id) ? sessions.get(id) : undefined;
}
