/**
 * Reading an object-store object chunk by chunk with back-pressure: the store's own `get` feeds a
 * stream that fills as fast as the server sends, so a big object ends up whole in memory.
 */
import { HpoError } from '@hpo/core';
import type { JetStreamClient, OrderedPushConsumerOptions } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import { nanos } from '@nats-io/transport-node';
import { objStream } from './retention.js';

/** Reading an object in order, chunk by chunk (a port, so tests can swap it). */
export interface BlobSource {
  /**
   * Hands the object's bytes to `onChunk` in order, each chunk only after the previous one's
   * promise settled (so a slow disk slows the download instead of piling chunks up in memory).
   * False when there is no such object.
   */
  read(name: string, onChunk: (chunk: Uint8Array) => Promise<void>): Promise<boolean>;
}

/** A download that receives nothing for this long fails (retryably). */
const STALL_MS = 60_000;

/**
 * A BlobSource over a JetStream object store. The store's own `get` feeds a stream without
 * back-pressure (a 256 MiB blob cost a reader 328 MiB of RSS); this reads the object's chunks
 * from an ordered push consumer with flow control, whose replies go out only as chunks are
 * handled, so at most the server's flow-control window is in memory.
 */
// Links (an object pointing at another) are not followed: hpo never creates them.
export function objectStoreSource(js: JetStreamClient, store: ObjectStore, bucket: string): BlobSource {
  return {
    async read(name, onChunk) {
      const info = await store.info(name);
      if (!info || info.deleted) return false;
      if (info.size === 0) return true;
      const consumer = await js.consumers.getPushConsumer(objStream(bucket), {
        filter_subject: `$O.${bucket}.C.${info.nuid}`,
        idle_heartbeat: nanos(30_000),
        flow_control: true,
      } as unknown as Partial<OrderedPushConsumerOptions>);
      const messages = await consumer.consume();
      let received = 0;
      // No chunk for a minute (chunks purged, the last one lost): give up, and let another try.
      let lastChunk = Date.now();
      let stalled = false;
      const watchdog = setInterval(() => {
        if (Date.now() - lastChunk < STALL_MS) return;
        stalled = true;
        void messages.close();
      }, 1000);
      try {
        for await (const m of messages) {
          lastChunk = Date.now();
          if (m.data.length > 0) {
            received += m.data.length;
            await onChunk(m.data);
          }
          lastChunk = Date.now();
          if (m.info.pending === 0) break;
        }
      } finally {
        clearInterval(watchdog);
        await messages.close();
      }
      if (stalled)
        throw new HpoError(
          'unavailable',
          `object ${name}: no data for ${STALL_MS / 1000} s after ${received} bytes`,
        );
      if (received !== info.size)
        throw new HpoError('unavailable', `object ${name}: received ${received} of ${info.size} bytes`);
      return true;
    },
  };
}
