/**
 * The coordinator's auth file (`--auth-file`, YAML or JSON): who may call the API, as what, and
 * each tenant's quotas. Tokens are stored as their SHA-256, never in clear. The file is read at
 * start and again when it changes or on SIGHUP; a file that does not validate leaves the last
 * good one in force (and is logged), so a typo never locks everyone out.
 *
 * ```yaml
 * tokens:                      # printf %s "$TOKEN" | sha256sum
 *   - name: alice
 *     sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
 *     tenant: team-a
 *     role: submitter          # viewer | submitter | admin
 *     expires: 2027-01-01T00:00:00Z
 * clients:                     # verified mTLS client certificates, by subject common name
 *   - commonName: ci-runner
 *     tenant: team-a
 *     role: submitter
 * quotas:                      # per tenant; "*" applies to tenants not listed
 *   "*": { datasetBytes: 2147483648, concurrentStudies: 4, trialsPerStudy: 1000 }
 * rateLimits:                  # per caller, calls per minute
 *   createStudy: 30
 *   uploadDataset: 30
 * ```
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HpoError, parseYamlText, SHA256_HEX, SpecError } from '@hpo/core';
import { z } from 'zod';

export const ROLES = ['viewer', 'submitter', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Tenant names are one KV key token: they name the tenant's records. */
const tenant = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '-' or '_'");
const role = z.enum(ROLES);

const quotaSchema = z
  .object({
    /** Bytes of datasets the tenant may store (uploads, counted once per content hash). */
    datasetBytes: z.number().int().min(0).optional(),
    /** Studies of the tenant running at once. */
    concurrentStudies: z.number().int().min(0).optional(),
    /** budget.trials of one study. */
    trialsPerStudy: z.number().int().min(1).optional(),
  })
  .strict();
export type Quota = Required<z.infer<typeof quotaSchema>>;

const authFileSchema = z
  .object({
    tokens: z
      .array(
        z
          .object({
            name: z.string().min(1).max(128),
            sha256: z.string().regex(SHA256_HEX, "must be the token's SHA-256 as 64 lowercase hex digits"),
            tenant,
            role,
            /** After this instant (ISO 8601) the token is refused. */
            expires: z.iso.datetime({ offset: true }).optional(),
          })
          .strict(),
      )
      .default([]),
    clients: z.array(z.object({ commonName: z.string().min(1).max(256), tenant, role }).strict()).default([]),
    quotas: z.record(z.string(), quotaSchema).default({}),
    rateLimits: z
      .object({
        createStudy: z.number().int().min(1).optional(),
        uploadDataset: z.number().int().min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

/** Who is calling: a name for logs and rate limits, a tenant and a role. */
export interface Identity {
  name: string;
  tenant: string;
  role: Role;
}

/** Quotas when the auth file sets none. */
export const DEFAULT_QUOTA: Quota = {
  datasetBytes: 64 * 1024 ** 3,
  concurrentStudies: 32,
  trialsPerStudy: 100_000,
};
/** Calls per minute per caller when the auth file sets none. */
export const DEFAULT_RATE_LIMITS = { createStudy: 60, uploadDataset: 60 };

/** A validated auth file, ready to answer lookups. */
export class AuthTable {
  private readonly byHash: Map<string, { identity: Identity; expires: number }>;
  private readonly byCommonName: Map<string, Identity>;

  private constructor(private readonly file: z.infer<typeof authFileSchema>) {
    this.byHash = new Map(
      file.tokens.map((t) => [
        t.sha256,
        {
          identity: { name: t.name, tenant: t.tenant, role: t.role },
          expires: t.expires ? Date.parse(t.expires) : Number.POSITIVE_INFINITY,
        },
      ]),
    );
    this.byCommonName = new Map(
      file.clients.map((c) => [
        c.commonName,
        { name: `cert:${c.commonName}`, tenant: c.tenant, role: c.role },
      ]),
    );
  }

  /** Reads and validates an auth file; throws a SpecError naming the file and field. */
  static read(path: string): AuthTable {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new HpoError('config', `${path}: cannot read the auth file (${(err as Error).message})`);
    }
    const parsed = authFileSchema.safeParse(parseYamlText(text, path) ?? {});
    if (!parsed.success)
      throw new SpecError(
        parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        path,
      );
    const hashes = parsed.data.tokens.map((t) => t.sha256);
    const dup = hashes.find((h, i) => hashes.indexOf(h) !== i);
    if (dup)
      throw new SpecError(
        [{ path: 'tokens', message: `the token ${dup.slice(0, 12)}… is listed twice` }],
        path,
      );
    return new AuthTable(parsed.data);
  }

  /** The identity of a bearer token, or why there is none. */
  token(token: string, now = Date.now()): Identity | 'unknown' | 'expired' {
    const entry = this.byHash.get(createHash('sha256').update(token, 'utf8').digest('hex'));
    if (!entry) return 'unknown';
    return now > entry.expires ? 'expired' : entry.identity;
  }

  /** The identity of a verified client certificate's common name, if it is listed. */
  client(commonName: string): Identity | undefined {
    return this.byCommonName.get(commonName);
  }

  /** A tenant's quota: its own entry over the "*" entry over the defaults. */
  quota(tenantName: string): Quota {
    return { ...DEFAULT_QUOTA, ...this.file.quotas['*'], ...this.file.quotas[tenantName] };
  }

  get rateLimits(): { createStudy: number; uploadDataset: number } {
    return { ...DEFAULT_RATE_LIMITS, ...this.file.rateLimits };
  }

  get size(): number {
    return this.byHash.size + this.byCommonName.size;
  }
}
