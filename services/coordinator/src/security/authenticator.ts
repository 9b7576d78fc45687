/**
 * Who is calling: a bearer token (`authorization: Bearer <token>`) or a verified mTLS client
 * certificate, looked up in the auth file, which is reloaded when it changes or on SIGHUP.
 * Without an auth file every caller is the admin of tenant `default` (a laptop on loopback).
 */
import { unwatchFile, watchFile } from 'node:fs';
import type { Metadata } from '@grpc/grpc-js';
import { errorText, HpoError } from '@hpo/core';
import type { Logger } from 'pino';
import { AuthTable, type Identity } from './auth-file.js';

/** The caller when authentication is off. */
export const ANONYMOUS: Identity = { name: 'anonymous', tenant: 'default', role: 'admin' };

/** RFC 6750 b64token characters, bounded: anything else is not a token we issued. */
const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/;

const unauthenticated = (message: string) =>
  new HpoError('unauthenticated', message, {
    hint: 'pass --token (or set HPO_TOKEN) with a token from the auth file',
  });

/** What a call's transport says about its peer. */
export interface PeerAuth {
  transportSecurityType?: string | undefined;
  sslPeerCertificate?: { subject?: { CN?: string | string[] } } | undefined;
}

export class Authenticator {
  private table: AuthTable | undefined;
  private readonly onHup = () => this.reload('SIGHUP');

  constructor(
    private readonly path: string | undefined,
    private readonly log: Logger,
  ) {
    // The first read must succeed: a coordinator never starts with a broken auth file.
    if (path) this.table = AuthTable.read(path);
  }

  /** Whether calls are authenticated at all. */
  get enabled(): boolean {
    return this.path !== undefined;
  }

  /** The auth file in force (undefined when authentication is off). */
  get current(): AuthTable | undefined {
    return this.table;
  }

  /** Reloads when the file changes (polled every second) and on SIGHUP. */
  watch(): void {
    if (!this.path) return;
    watchFile(this.path, { interval: 1000 }, () => this.reload('file changed'));
    process.on('SIGHUP', this.onHup);
  }

  stop(): void {
    if (this.path) unwatchFile(this.path);
    process.off('SIGHUP', this.onHup);
  }

  /** Reads the file again; a file that does not validate leaves the previous one in force. */
  reload(why: string): boolean {
    if (!this.path) return false;
    try {
      this.table = AuthTable.read(this.path);
      this.log.info({ why, entries: this.table.size }, 'auth file reloaded');
      return true;
    } catch (err) {
      this.log.error({ why, err: errorText(err) }, 'auth file not reloaded; the previous one stays in force');
      return false;
    }
  }

  /**
   * Who a bearer token stands for (the dashboard's sessions hold one); with authentication off,
   * everyone is ANONYMOUS. Throws UNAUTHENTICATED for a missing, unknown or expired token.
   */
  bearer(token: string | undefined): Identity {
    const table = this.table;
    if (!table) return ANONYMOUS;
    if (token === undefined) throw unauthenticated('no credentials: log in with a token');
    const found = table.token(token);
    if (found === 'unknown') throw unauthenticated('the token is not valid (unknown, revoked or mistyped)');
    if (found === 'expired') throw unauthenticated('the token has expired');
    return found;
  }

  /** The caller of a call, or UNAUTHENTICATED naming what is wrong (never echoing the token). */
  authenticate(metadata: Metadata, peer: PeerAuth | undefined): Identity {
    const table = this.table;
    if (!table) return ANONYMOUS;
    const values = metadata.get('authorization');
    if (values.length > 1) throw unauthenticated('more than one authorization header');
    if (values.length === 1) {
      const value = values[0];
      const match = typeof value === 'string' ? BEARER.exec(value) : null;
      if (!match) throw unauthenticated("the authorization header is not 'Bearer <token>'");
      return this.bearer(match[1]!);
    }
    const cn = peer?.sslPeerCertificate?.subject?.CN;
    const commonName = Array.isArray(cn) ? cn[0] : cn;
    if (commonName) {
      const identity = table.client(commonName);
      if (identity) return identity;
      throw unauthenticated(`the client certificate '${commonName}' is not listed in the auth file`);
    }
    throw unauthenticated('no credentials: send the header authorization: Bearer <token>');
  }
}
