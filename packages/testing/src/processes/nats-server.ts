import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMissingStreamOrConsumer } from '@hpo/protocol';
import { ROOT } from './harness.js';

/** NATS credentials. */
export interface NatsUser {
  user: string;
  password: string;
}

/** The users of deploy/nats/auth.conf, with the passwords a test server gives them. */
export const PERMISSION_USERS = {
  coordinator: { user: 'hpo-coordinator', password: 'coordinator-test-pw' },
  worker: { user: 'hpo-worker', password: 'worker-test-pw' },
  backup: { user: 'hpo-backup', password: 'backup-test-pw' },
} as const satisfies Record<string, NatsUser>;

/**
 * A real `nats-server -js` on a free loopback port with its own temporary store. With `auth`
 * one user may do everything; with `permissions` the server runs deploy/nats/auth.conf as
 * shipped (a coordinator and a worker user, nobody else).
 */
export class NatsServer {
  private proc: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    /** Client credentials the server requires, if any. */
    readonly auth?: NatsUser,
    /** Whether the server enforces deploy/nats/auth.conf. */
    readonly permissions = false,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The server's process id while it runs (benchmarks read its CPU time). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts a server and waits until it accepts connections. */
  static async start(options?: NatsUser | { permissions: true }): Promise<NatsServer> {
    const dir = mkdtempSync(join(tmpdir(), 'hpo-nats-'));
    const permissions = options !== undefined && 'permissions' in options;
    const auth = options !== undefined && 'user' in options ? options : undefined;
    const server = new NatsServer(await freePort(), dir, auth, permissions);
    await server.spawn();
    return server;
  }

  /** The credentials a service of this kind uses on this server (none on an open server). */
  credentials(kind: keyof typeof PERMISSION_USERS): NatsUser | undefined {
    return this.permissions ? PERMISSION_USERS[kind] : this.auth;
  }

  /** Stops the server (SIGTERM, or SIGKILL after 30 s); the store stays for a restart. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
      p.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      p.kill('SIGTERM');
    });
  }

  /** Starts the server again on the same port and store (file storage survives). */
  async restart(): Promise<void> {
    await this.stop();
    await this.spawn();
  }

  /** Stops the server and deletes its store. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private async spawn(): Promise<void> {
    const authArgs = this.auth ? ['--user', this.auth.user, '--pass', this.auth.password] : [];
    let configArgs: string[] = [];
    if (this.permissions) {
      // The shipped file, included as is; includes are relative to the including file.
      copyFileSync(join(ROOT, 'deploy/nats/auth.conf'), join(this.storeDir, 'auth.conf'));
      writeFileSync(join(this.storeDir, 'nats.conf'), 'include ./auth.conf\n');
      configArgs = ['-c', join(this.storeDir, 'nats.conf')];
    }
    const proc = spawn(
      'nats-server',
      [
        ...configArgs,
        '-js',
        '-a',
        '127.0.0.1',
        '-p',
        String(this.port),
        '-sd',
        join(this.storeDir, 'js'),
        ...authArgs,
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          ...process.env,
          HPO_NATS_COORDINATOR_PASSWORD: PERMISSION_USERS.coordinator.password,
          HPO_NATS_WORKER_PASSWORD: PERMISSION_USERS.worker.password,
          HPO_NATS_BACKUP_PASSWORD: PERMISSION_USERS.backup.password,
        },
      },
    );
    this.proc = proc;
    let log = '';
    proc.stderr?.on('data', (d) => {
      log += d;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`nats-server did not start within 60 s:\n${log}`)),
        60_000,
      );
      const check = setInterval(() => {
        if (log.includes('Server is ready')) {
          clearInterval(check);
          clearTimeout(timer);
          resolve();
        }
      }, 20);
      proc.once('error', (err) => {
        clearInterval(check);
        clearTimeout(timer);
        reject(
          new Error(
            `cannot start nats-server (is it installed? apt-get install nats-server): ${err.message}`,
          ),
        );
      });
      proc.once('exit', (code) => {
        clearInterval(check);
        clearTimeout(timer);
        reject(new Error(`nats-server exited with ${code}:\n${log}`));
      });
    });
    proc.removeAllListeners('exit');
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** The part of a JetStream manager that {@link deleteConsumer} uses. */
export interface ConsumerAdmin {
  consumers: {
    delete(stream: string, name: string): Promise<boolean>;
    info(stream: string, name: string): Promise<{ created: string }>;
  };
}

/**
 * Deletes a consumer, as a test that deletes one under a client means to. nats-server 2.9.10 can
 * answer a delete with "unlinkat …: directory not empty" (code 10051; seen in CI right after an
 * ack): the consumer's state flusher wrote its file while the directory was being removed. By
 * then the server has released the waiting pulls (409) and dropped the consumer (`stopWithFlags`
 * removes it before deleting its store): only files are left on disk, and a consumer created
 * again under the same name reads the state left there (its delivered and acked sequences: on a
 * work queue, where acked tasks are gone, nothing is delivered twice). Such an error counts as a
 * delete once the consumer is gone or is another one (a client may create it again at once, as a
 * worker does); any other error, or the same consumer still there, throws.
 */
export async function deleteConsumer(jsm: ConsumerAdmin, stream: string, name: string): Promise<void> {
  const { created } = await jsm.consumers.info(stream, name);
  try {
    await jsm.consumers.delete(stream, name);
  } catch (err) {
    const race =
      (err as { code?: unknown }).code === 10051 &&
      String((err as Error).message).includes('directory not empty');
    if (!race) throw err;
    const now = await jsm.consumers.info(stream, name).then(
      (info) => info.created,
      (e: unknown) => (isMissingStreamOrConsumer(e) ? undefined : created),
    );
    if (now === created) throw err;
  }
}
