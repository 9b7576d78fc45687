import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { isLoopback, loadHpoProto, type StudyServiceClient } from '@hpo/protocol/grpc';
import { CliError, UsageError } from '../errors.js';

/** How to reach a coordinator: flags shared by every remote command. */
export interface ServerOptions {
  /** host:port; default HPO_SERVER, else localhost:50051. */
  server?: string;
  /** Use TLS (system roots unless --ca). */
  tls?: boolean;
  /** PEM files for TLS: CA bundle, client certificate and key (mutual TLS). */
  ca?: string;
  cert?: string;
  key?: string;
  /** Seconds to wait for the connection; default 5. */
  timeout?: number;
  /** Bearer token; default HPO_TOKEN. Sent as `authorization: Bearer …`, never printed. */
  token?: string;
}

/** A connected StudyService client plus the address it talks to (for messages). */
export interface Remote {
  client: StudyServiceClient;
  address: string;
  /** Whether the connection presents a client certificate (for naming a refused handshake). */
  clientCertificate: boolean;
  close(): void;
}

/** Creates a client and waits until the channel is ready, or fails with a hint. */
export async function connectRemote(opts: ServerOptions): Promise<Remote> {
  const address = opts.server ?? process.env.HPO_SERVER ?? 'localhost:50051';
  if (!/^[^\s/]+:\d{1,5}$/.test(address))
    throw new UsageError(`--server must be host:port, got '${address}'`);
  const read = (file: string | undefined, what: string) => {
    if (!file) return null;
    try {
      return readFileSync(file);
    } catch {
      throw new UsageError(`cannot read the ${what} file ${file}`);
    }
  };
  if (Boolean(opts.cert) !== Boolean(opts.key))
    throw new UsageError(
      '--cert and --key go together (a client certificate and its private key)',
      'hpo status --tls --ca ca.pem --cert me.pem --key me-key.pem',
    );
  const tls = opts.tls || opts.ca || opts.cert;
  const credentials = tls
    ? grpc.credentials.createSsl(read(opts.ca, '--ca'), read(opts.key, '--key'), read(opts.cert, '--cert'))
    : grpc.credentials.createInsecure();
  const token = opts.token ?? process.env.HPO_TOKEN;
  if (token !== undefined && !/^[A-Za-z0-9._~+/=-]{1,4096}$/.test(token))
    throw new UsageError('--token / HPO_TOKEN is not a token (letters, digits and ._~+/=- only)');
  if (token && !tls && !isLoopback(address))
    throw new UsageError(
      `refusing to send the token in clear to ${address}: connect with TLS`,
      'add --tls (and --ca with the CA of the coordinator certificate), or use an address on this machine (e.g. a port-forward to localhost)',
    );
  const Client = loadHpoProto().hpo.v1.StudyService;
  const client = new Client(address, credentials, {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    ...(token ? { interceptors: [bearer(token)] } : {}),
  });
  const remote = { client, address, clientCertificate: Boolean(opts.cert), close: () => client.close() };
  try {
    await connected(remote, (opts.timeout ?? 5) * 1000);
  } catch (err) {
    client.close();
    throw err;
  }
  return remote;
}

/**
 * Adds `authorization: Bearer <token>` to every call. An interceptor rather than call credentials:
 * grpc-js sends those over TLS only, and a coordinator on loopback may run plaintext with tokens.
 */
function bearer(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/**
 * Waits until the channel is ready. A refused connection or a TLS failure fails at once (not at
 * the deadline), with the cause the channel saw; a host that never answers fails at the deadline.
 */
async function connected(remote: Remote, timeoutMs: number): Promise<void> {
  const channel = remote.client.getChannel();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = channel.getConnectivityState(true);
    if (state === grpc.connectivityState.READY) return;
    if (state === grpc.connectivityState.TRANSIENT_FAILURE || state === grpc.connectivityState.SHUTDOWN) {
      // A call on a failed channel fails at once, and its details carry the connection's last
      // error. Any other answer means the channel recovered meanwhile: connected.
      try {
        await unary(remote, 'GetStudy', { studyId: '-' }, { deadline: Date.now() + 5000 });
      } catch (err) {
        if (err instanceof CliError && err.kind === 'unavailable') throw err;
      }
      return;
    }
    const changed = await new Promise<boolean>((resolve) =>
      channel.watchConnectivityState(state, deadline, (err) => resolve(!err)),
    );
    if (!changed)
      throw new CliError(
        `cannot reach the coordinator at ${remote.address}: no answer within ${Math.round(timeoutMs / 1000)} s`,
        'is it running, and is the address right? pass --server host:port or set HPO_SERVER; --timeout waits longer',
        'unavailable',
      );
  }
}

/** A unary call as a promise; gRPC errors become CliErrors with a hint. */
export function unary<Res>(
  remote: Remote,
  method: string,
  request: object,
  options: grpc.CallOptions = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (
      remote.client as unknown as Record<
        string,
        (r: object, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: Res) => void) => void
      >
    )[method]!;
    fn.call(remote.client, request, options, (err, value) =>
      err ? reject(fromGrpc(err, remote)) : resolve(value),
    );
  });
}

/** Collects a server stream into an array (bounded by the server). */
export function collect<T>(stream: grpc.ClientReadableStream<T>, remote: Remote): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (d: T) => out.push(d));
    stream.on('end', () => resolve(out));
    stream.on('error', (err: grpc.ServiceError) => reject(fromGrpc(err, remote)));
  });
}

/** Maps a gRPC error to one line and a hint (the CLI's edge for the API's status codes). */
export function fromGrpc(
  err: grpc.ServiceError,
  remote: Pick<Remote, 'address' | 'clientCertificate'>,
): CliError {
  const code = grpc.status[err.code] ?? String(err.code);
  const address = remote.address;
  switch (err.code) {
    case grpc.status.UNAVAILABLE: {
      const cause = connectionCause(err.details ?? '', remote.clientCertificate);
      return new CliError(
        `cannot reach the coordinator at ${address}: ${cause.what}`,
        cause.hint,
        'unavailable',
      );
    }
    case grpc.status.NOT_FOUND:
      return new CliError(err.details, 'list studies with `hpo status`', 'not_found');
    case grpc.status.INVALID_ARGUMENT:
      return new CliError(err.details, 'run `hpo schema` for the spec format', 'invalid_argument');
    case grpc.status.FAILED_PRECONDITION:
      return new CliError(err.details);
    case grpc.status.ALREADY_EXISTS:
      return new CliError(
        err.details,
        'pick another --id, or leave it out for a generated one',
        'already_exists',
      );
    case grpc.status.RESOURCE_EXHAUSTED:
      return new CliError(err.details, undefined, 'resource_exhausted');
    case grpc.status.UNAUTHENTICATED:
      return new CliError(
        `not authenticated: ${err.details}`,
        "pass --token TOKEN or set HPO_TOKEN (a token from the coordinator's auth file)",
        'unauthenticated',
      );
    case grpc.status.PERMISSION_DENIED:
      return new CliError(
        `permission denied: ${err.details}`,
        'ask an admin for a token with that role',
        'permission_denied',
      );
    default:
      return new CliError(`${code}: ${err.details}`, undefined, 'internal');
  }
}

/** What a failed connection's details say, in user terms, with what to do about it. */
function connectionCause(details: string, clientCertificate: boolean): { what: string; hint: string } {
  // grpc-js appends when it failed and a resolution note; OpenSSL gives file:line noise.
  const last = (/Last error: (.*)$/s.exec(details)?.[1] ?? details)
    .replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)\.?\s*(Resolution note:.*)?$/s, '')
    .replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):.*$/s, '$1')
    .trim();
  const tls = tlsCause(last);
  if (tls) return tls;
  // TLS 1.3 checks the client certificate after the client thinks it has connected: a refused
  // certificate reads as a bare failure.
  if (clientCertificate && /Failed to connect|socket disconnected|ECONNRESET/i.test(last))
    return {
      what: `the connection failed; the coordinator may have refused the client certificate (${last})`,
      hint: 'check that --cert is valid now and signed by the CA the coordinator trusts (its --tls-client-ca)',
    };
  if (/ECONNREFUSED/.test(last))
    return {
      what: 'connection refused (nothing listens there)',
      hint: 'is the coordinator running? pass --server host:port or set HPO_SERVER',
    };
  if (/ENOTFOUND|EAI_AGAIN/.test(last))
    return { what: 'unknown host', hint: 'check the host name in --server / HPO_SERVER' };
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(last))
    return { what: 'the host does not answer', hint: 'check the address and the network path to it' };
  return { what: last.trim() || 'unavailable', hint: 'is it running? check --server / HPO_SERVER' };
}

/** A TLS handshake failure in user terms, with what to do about it; undefined for other errors. */
function tlsCause(error: string): { what: string; hint: string } | undefined {
  if (
    /self[- ]signed|unable to (get|verify)|UNABLE_TO_VERIFY|unknown ca|certificate chain|DEPTH_ZERO/i.test(
      error,
    )
  )
    return {
      what: `TLS: the server's certificate is not signed by a CA this client trusts (${error.trim()})`,
      hint: "pass --ca with the CA that signed the coordinator's certificate",
    };
  if (/altnames|hostname|ERR_TLS_CERT_ALTNAME_INVALID|does not match/i.test(error))
    return {
      what: `TLS: the server's certificate is not for this host name (${error.trim()})`,
      hint: 'use the host name the certificate names in --server (see its subjectAltName)',
    };
  if (
    /certificate required|handshake failure|bad certificate|alert number 116|peer did not return a certificate/i.test(
      error,
    )
  )
    return {
      what: 'TLS: the server wants a client certificate it trusts',
      hint: 'pass --cert and --key with a client certificate signed by the CA the coordinator trusts',
    };
  if (/expired|not yet valid|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/i.test(error))
    return {
      what: `TLS: a certificate is outside its validity period (${error.trim()})`,
      hint: 'renew the certificate (or check the clocks)',
    };
  if (/wrong version number|WRONG_VERSION_NUMBER|packet length too long|ssl3_get_record|EPROTO/i.test(error))
    return {
      what: `TLS: the server does not speak TLS there (${error.trim()})`,
      hint: 'drop --tls/--ca, or point --server at the TLS port',
    };
  return undefined;
}
