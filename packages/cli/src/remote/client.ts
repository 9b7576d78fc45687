import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { loadHpoProto, type StudyServiceClient } from '@hpo/protocol';
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
}

/** A connected StudyService client plus the address it talks to (for messages). */
export interface Remote {
  client: StudyServiceClient;
  address: string;
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
  const tls = opts.tls || opts.ca || opts.cert;
  const credentials = tls
    ? grpc.credentials.createSsl(read(opts.ca, '--ca'), read(opts.key, '--key'), read(opts.cert, '--cert'))
    : grpc.credentials.createInsecure();
  const Client = loadHpoProto().hpo.v1.StudyService;
  const client = new Client(address, credentials, { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const timeout = (opts.timeout ?? 5) * 1000;
  await new Promise<void>((resolve, reject) =>
    client.waitForReady(Date.now() + timeout, (err) =>
      err
        ? reject(
            new CliError(
              `cannot reach the coordinator at ${address} (${err.message})`,
              'is it running? pass --server host:port or set HPO_SERVER',
            ),
          )
        : resolve(),
    ),
  );
  return { client, address, close: () => client.close() };
}

/** A unary call as a promise; gRPC errors become CliErrors with a hint. */
export function unary<Res>(remote: Remote, method: string, request: object): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (
      remote.client as unknown as Record<
        string,
        (r: object, cb: (e: grpc.ServiceError | null, v: Res) => void) => void
      >
    )[method]!;
    fn.call(remote.client, request, (err, value) =>
      err ? reject(fromGrpc(err, remote.address)) : resolve(value),
    );
  });
}

/** Collects a server stream into an array (bounded by the server). */
export function collect<T>(stream: grpc.ClientReadableStream<T>, remote: Remote): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    stream.on('data', (d: T) => out.push(d));
    stream.on('end', () => resolve(out));
    stream.on('error', (err: grpc.ServiceError) => reject(fromGrpc(err, remote.address)));
  });
}

/** Maps a gRPC error to one line and a hint. */
export function fromGrpc(err: grpc.ServiceError, address: string): CliError {
  const code = grpc.status[err.code] ?? String(err.code);
  switch (err.code) {
    case grpc.status.UNAVAILABLE:
      return new CliError(
        `the coordinator at ${address} is unavailable (${err.details})`,
        'is it running? check --server / HPO_SERVER',
      );
    case grpc.status.NOT_FOUND:
      return new CliError(err.details, 'list studies with `hpo status`');
    case grpc.status.INVALID_ARGUMENT:
      return new CliError(err.details, 'run `hpo schema` for the spec format');
    case grpc.status.FAILED_PRECONDITION:
      return new CliError(err.details);
    default:
      return new CliError(`${code}: ${err.details}`);
  }
}
