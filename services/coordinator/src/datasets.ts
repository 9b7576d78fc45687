/**
 * Uploaded datasets: who uploaded what (per tenant, so one tenant can neither use nor probe
 * another's data), how much each tenant stores (its quota), and the upload itself, streamed
 * into the object store chunk by chunk while it is hashed, so memory stays bounded whatever the
 * size and a file that does not match its declared hash or size is never kept.
 */
import { createHash } from 'node:crypto';
import { HpoError, looksLikeDatasetBlob } from '@hpo/core';
import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ObjectInfo, ObjectStore } from '@nats-io/obj';
import type { Identity } from './security/auth-file.js';

/** Seconds an upload may go without a chunk before it is abandoned. */
const IDLE_SECONDS = 60;

/** How an upload is to be read (the proto's DatasetFormat, shortened). */
export type UploadFormat = 'hpo' | 'csv' | 'pixel_csv' | 'zip' | 'tar';

/** The proto enum's names to ours; UNSPECIFIED means the canonical form. */
export const FORMATS: Record<string, UploadFormat> = {
  DATASET_FORMAT_UNSPECIFIED: 'hpo',
  DATASET_FORMAT_HPO: 'hpo',
  DATASET_FORMAT_CSV: 'csv',
  DATASET_FORMAT_PIXEL_CSV: 'pixel_csv',
  DATASET_FORMAT_ZIP: 'zip',
  DATASET_FORMAT_TAR: 'tar',
};

/** A tenant's record of one upload. */
export interface UploadRecord {
  format: UploadFormat;
  bytes: number;
  at: string;
}

export class DatasetRegistry {
  /** Uploads under way, by hash: a second upload of the same bytes waits for the first. */
  private readonly busy = new Map<string, Promise<unknown>>();

  constructor(
    private readonly kv: KV,
    /** Canonical blobs, read by workers. */
    readonly datasets: ObjectStore,
    /** Files in other formats, read only by the coordinator at CreateStudy. */
    readonly uploads: ObjectStore,
  ) {}

  /** The tenant's record of an upload, if the tenant (any tenant, for an admin) has it. */
  async get(who: Identity, sha256: string): Promise<UploadRecord | undefined> {
    if (who.role === 'admin') {
      const own = await this.record(who.tenant, sha256);
      if (own) return own;
      // An admin may use any tenant's upload; the object itself says whether it exists.
      if (await present(this.datasets, sha256)) return { format: 'hpo', bytes: 0, at: '' };
      const raw = await present(this.uploads, sha256);
      return raw
        ? { format: (raw.description as UploadFormat) || 'csv', bytes: raw.size, at: '' }
        : undefined;
    }
    return this.record(who.tenant, sha256);
  }

  /** Records that `tenant` has these bytes (an upload, or the canonical form of one). */
  async own(tenant: string, sha256: string, rec: UploadRecord): Promise<void> {
    await this.kv.put(key(tenant, sha256), JSON.stringify(rec));
  }

  /** Bytes of uploads under way, per tenant (they count toward its quota until recorded). */
  private readonly reserved = new Map<string, number>();

  /**
   * Holds `bytes` of the tenant's dataset quota for an upload under way (RESOURCE_EXHAUSTED when
   * stored plus reserved bytes would pass `quotaBytes`); the returned function gives them back.
   */
  async reserve(tenant: string, bytes: number, quotaBytes: number): Promise<() => void> {
    const used = (await this.bytesOf(tenant)) + (this.reserved.get(tenant) ?? 0);
    if (used + bytes > quotaBytes)
      throw new HpoError(
        'resource_exhausted',
        `tenant ${tenant}: this upload (${bytes} bytes) would bring its datasets to ${used + bytes} bytes, over its quota of ${quotaBytes}`,
      );
    this.reserved.set(tenant, (this.reserved.get(tenant) ?? 0) + bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.reserved.get(tenant) ?? bytes) - bytes;
      if (left > 0) this.reserved.set(tenant, left);
      else this.reserved.delete(tenant);
    };
  }

  /** Bytes the tenant stores (each upload counted once). */
  async bytesOf(tenant: string): Promise<number> {
    let total = 0;
    for await (const k of await this.kv.keys(`uploads.${tenant}.>`)) {
      const e = await this.kv.get(k);
      if (e?.operation === 'PUT') total += (e.json<UploadRecord>().bytes ?? 0) || 0;
    }
    return total;
  }

  /**
   * Receives an upload: `chunks` yields the file's bytes after the first message. Hashes as it
   * goes and stores the bytes in the bucket of their format under the declared hash; when the
   * stream ends short, runs long, or hashes differently, nothing is kept. Bytes the server already
   * has (another tenant's upload) are received and checked all the same (whoever claims a hash
   * must prove they have the bytes) but not stored twice.
   */
  async receive(
    declared: { sha256: string; size: number; format: UploadFormat },
    first: Uint8Array,
    chunks: AsyncIterator<Uint8Array>,
    limitBytes: number,
  ): Promise<void> {
    const store = declared.format === 'hpo' ? this.datasets : this.uploads;
    // One upload of a hash at a time: a bad upload never deletes what a good one is writing.
    while (this.busy.has(declared.sha256)) await this.busy.get(declared.sha256)!.catch(() => undefined);
    const done = (async () => {
      const exists = (await present(store, declared.sha256)) !== undefined;
      const hash = createHash('sha256');
      let received = 0;
      let pending: Uint8Array | undefined = first;
      const next = async (): Promise<Uint8Array | undefined> => {
        if (pending) {
          const p = pending;
          pending = undefined;
          return p;
        }
        // A client that stops sending holds the hash's lock (and a quota reservation): give up.
        let timer: NodeJS.Timeout | undefined;
        const idle = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new HpoError('timeout', `the upload sent nothing for ${IDLE_SECONDS} s`)),
            IDLE_SECONDS * 1000,
          );
        });
        try {
          const r = await Promise.race([chunks.next(), idle]);
          return r.done ? undefined : r.value;
        } finally {
          clearTimeout(timer);
        }
      };
      let started = false;
      const take = (data: Uint8Array) => {
        // The canonical form starts with its magic bytes: anything else is refused at once.
        if (!started && data.length > 0) {
          started = true;
          if (declared.format === 'hpo' && !looksLikeDatasetBlob(data))
            throw new HpoError(
              'invalid_argument',
              'not an hpo dataset blob (bad magic bytes); declare the format (e.g. DATASET_FORMAT_CSV) to upload a file as it is',
            );
        }
        received += data.length;
        if (received > declared.size || received > limitBytes)
          throw new HpoError(
            'resource_exhausted',
            `received ${received} bytes, more than the declared ${declared.size} or the limit of ${limitBytes}`,
          );
        hash.update(data);
      };
      const check = () => {
        if (received !== declared.size)
          throw new HpoError(
            'invalid_argument',
            `size: declared ${declared.size} bytes, received ${received}`,
          );
        const actual = hash.digest('hex');
        if (actual !== declared.sha256)
          throw new HpoError(
            'failed_precondition',
            `sha256 mismatch: declared ${declared.sha256}, received bytes hash to ${actual}`,
          );
      };
      if (exists) {
        for (let data = await next(); data; data = await next()) take(data);
        check();
        return;
      }
      // The object store reads this stream chunk by chunk; an error (a bad hash at the end) makes
      // it purge what it wrote before the object's metadata, so no object is left behind.
      const source = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const data = await next();
            if (!data) {
              check();
              controller.close();
              return;
            }
            take(data);
            controller.enqueue(data);
          } catch (err) {
            controller.error(err);
          }
        },
      });
      await store
        .put({ name: declared.sha256, description: declared.format }, source)
        .catch((err: unknown) => {
          // The bucket reached its share of --store-max-mb: say so, not "internal error".
          if (err instanceof JetStreamApiError && /maximum bytes|insufficient|storage/i.test(err.message))
            throw new HpoError(
              'resource_exhausted',
              `the store for ${declared.format === 'hpo' ? 'datasets' : 'uploads'} is full (its share of the coordinator's --store-max-mb); remove studies or ask the operator to raise it`,
            );
          throw err;
        });
    })();
    this.busy.set(declared.sha256, done);
    try {
      await done;
    } finally {
      if (this.busy.get(declared.sha256) === done) this.busy.delete(declared.sha256);
    }
  }

  private async record(tenant: string, sha256: string): Promise<UploadRecord | undefined> {
    const e = await this.kv.get(key(tenant, sha256));
    if (e?.operation !== 'PUT') return undefined;
    // Retention may have removed the bytes (an ended study's dataset, an upload past its age):
    // then the tenant no longer has them, and the client is told to upload again.
    if ((await present(this.datasets, sha256)) || (await present(this.uploads, sha256)))
      return e.json<UploadRecord>();
    await this.kv.purge(key(tenant, sha256)).catch(() => undefined);
    return undefined;
  }

  /** When any tenant last uploaded or used these bytes (ms since the epoch; 0 if none recorded). */
  async lastOwned(sha256: string): Promise<number> {
    let last = 0;
    for await (const k of await this.kv.keys(`uploads.*.${sha256}`)) {
      const e = await this.kv.get(k);
      if (e?.operation !== 'PUT') continue;
      const at = Date.parse(e.json<UploadRecord>().at);
      last = Math.max(last, Number.isFinite(at) ? at : e.created.getTime());
    }
    return last;
  }

  /** Forgets every tenant's record of these bytes (retention removed them). */
  async forget(sha256: string): Promise<void> {
    for await (const k of await this.kv.keys(`uploads.*.${sha256}`)) await this.kv.purge(k);
  }
}

/**
 * An object's info when the store holds it: a deleted object (retention) still has info, marked
 * deleted, and counts as absent.
 */
export async function present(store: ObjectStore, name: string): Promise<ObjectInfo | undefined> {
  const info = await store.info(name);
  return info && !info.deleted ? info : undefined;
}

function key(tenant: string, sha256: string): string {
  return `uploads.${tenant}.${sha256}`;
}
