/**
 * The coordinator's JetStream study log against a real nats-server: an event is stored once
 * whatever the retries (a try that landed, deduplicated or not), a second writer is refused
 * instead of interleaving, a NATS restart loses nothing, and a corrupt message is a located
 * data_loss error rather than a hang.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JetStreamStudyStore } from '@hpo/coordinator/dist/event-store.js';
import { HpoError } from '@hpo/core';
import type { StudyEvent } from '@hpo/orchestrator';
import {
  DEFAULT_QUEUE,
  EVENTS_DUPLICATE_WINDOW_SECONDS,
  encodeJson,
  ensureInfrastructure,
  STREAMS,
  SUBJECTS,
} from '@hpo/protocol';
import { NatsServer } from '@hpo/testing/processes';
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';

const at = '2026-01-01T00:00:00.000Z';
const started = (trial: number): StudyEvent => ({ type: 'trial_started', at, trial, params: { lr: trial } });
const trials = (events: StudyEvent[]) => events.map((e) => (e.type === 'trial_started' ? e.trial : e.type));

describe('JetStreamStudyStore', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;

  before(async () => {
    server = await NatsServer.start();
    nc = await connect({ servers: server.url });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    await ensureInfrastructure(nc, jsm, DEFAULT_QUEUE);
  });
  after(async () => {
    await nc?.close();
    await server?.stop();
  });

  const open = async (study: string) => {
    const store = new JetStreamStudyStore(js, jsm, study);
    return { store, events: await store.load() };
  };

  it('stores and reloads events in order; an append during a NATS restart is retried, once', async () => {
    const { store } = await open('plain');
    for (let t = 0; t < 3; t++) await store.append(started(t));
    await server.restart();
    // The client is still reconnecting: the append retries until the server is back.
    await store.append(started(3));
    assert.deepEqual(trials((await open('plain')).events), [0, 1, 2, 3]);
  });

  it('a retry of a publish that landed is stored once, inside the dedupe window or not', async () => {
    const { store } = await open('retried');
    await store.append(started(0));
    // The first try of event #1 landed but its ack was lost; the store's retry arrives later.
    await js.publish(SUBJECTS.events('retried'), encodeJson(started(1)), { msgID: 'retried#1' });
    await store.append(started(1));
    // Event #2 landed under another id (as a retry after the window would look): the expected
    // last sequence refuses the copy, and the store sees that the stored event is its own.
    await js.publish(SUBJECTS.events('retried'), encodeJson(started(2)), { msgID: 'elsewhere' });
    await store.append(started(2));
    await store.append(started(3));
    assert.deepEqual(trials((await open('retried')).events), [0, 1, 2, 3]);
  });

  it('refuses a second writer instead of interleaving its events', async () => {
    const a = await open('contended');
    const b = await open('contended');
    await a.store.append(started(0));
    await assert.rejects(
      b.store.append(started(99)),
      (e: unknown) =>
        e instanceof HpoError &&
        e.kind === 'failed_precondition' &&
        /study contended: another process appended to its event log/.test(e.message),
    );
    await a.store.append(started(1));
    assert.deepEqual(trials((await open('contended')).events), [0, 1]);
  });

  it('names a corrupt message by study and sequence, and does not hang', async () => {
    const { store } = await open('corrupt');
    await store.append(started(0));
    const pa = await js.publish(SUBJECTS.events('corrupt'), new TextEncoder().encode('{"type":"tri'));
    await assert.rejects(
      new JetStreamStudyStore(js, jsm, 'corrupt').load(),
      (e: unknown) =>
        e instanceof HpoError &&
        e.kind === 'data_loss' &&
        e.message.includes(`study corrupt: event 2 (stream sequence ${pa.seq}) is not valid JSON`),
    );
  });

  it('widens the dedupe window of an events stream made by an older version', async () => {
    const info = await jsm.streams.info(STREAMS.events);
    await jsm.streams.update(STREAMS.events, { ...info.config, duplicate_window: nanos(120_000) });
    await ensureInfrastructure(nc, jsm, DEFAULT_QUEUE);
    const after = await jsm.streams.info(STREAMS.events);
    assert.equal(after.config.duplicate_window, nanos(EVENTS_DUPLICATE_WINDOW_SECONDS * 1000));
  });
});
