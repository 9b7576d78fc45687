import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real `nats-server -js` on a free loopback port with its own temporary store. */
export class NatsServer {
  private proc: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    /** Client credentials the server requires, if any. */
    readonly auth?: { user: string; password: string },
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts a server and waits until it accepts connections. */
  static async start(auth?: { user: string; password: string }): Promise<NatsServer> {
    const server = new NatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'hpo-nats-')), auth);
    await server.spawn();
    return server;
  }

  /** Stops the server (SIGTERM, or SIGKILL after 5 s); the store stays for a restart. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
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
    const proc = spawn(
      'nats-server',
      ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir, ...authArgs],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.proc = proc;
    let log = '';
    proc.stderr?.on('data', (d) => {
      log += d;
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`nats-server did not start within 10 s:\n${log}`)),
        10_000,
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
