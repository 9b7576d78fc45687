/** NATS client credentials, read from the environment only (flags would show in `ps`). */
export interface NatsAuth {
  user?: string;
  pass?: string;
  token?: string;
}

/** The environment variables natsAuthFromEnv reads. */
export const NATS_AUTH_ENV = { user: 'NATS_USER', password: 'NATS_PASSWORD', token: 'NATS_TOKEN' } as const;

/**
 * Credentials for `connect()`: NATS_USER with NATS_PASSWORD, or NATS_TOKEN, or none. Throws an
 * Error naming the variables when they are inconsistent.
 */
export function natsAuthFromEnv(env: NodeJS.ProcessEnv): NatsAuth {
  const user = env[NATS_AUTH_ENV.user] || undefined;
  const pass = env[NATS_AUTH_ENV.password] || undefined;
  const token = env[NATS_AUTH_ENV.token] || undefined;
  if ((user === undefined) !== (pass === undefined)) {
    throw new Error(`${NATS_AUTH_ENV.user} and ${NATS_AUTH_ENV.password} must be set together`);
  }
  if (token && user)
    throw new Error(
      `set either ${NATS_AUTH_ENV.token} or ${NATS_AUTH_ENV.user}/${NATS_AUTH_ENV.password}, not both`,
    );
  if (token) return { token };
  return user ? { user, pass: pass! } : {};
}
