import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { EventType } from '../../lib/events/types.js';
import {
  DeadLetterNotFoundError,
  deadLetterId,
  isDeadLetterId,
  replayDeadLetters,
  summarise,
  toStoredDeadLetter,
  type DeadLetterStore,
  type StoredDeadLetter,
} from './dead-letters.js';

const deadEvent = () =>
  new CloudEvent<unknown>({
    id: 'evt/1 ../x',
    type: EventType.ChunksReady,
    source: '/sluice/split',
    subject: 'docs/a.pdf',
    datacontenttype: 'application/json',
    data: { document: { bucket: 'documents', key: 'docs/a.pdf' } },
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    knativeerrordest: 'http://127.0.0.1:8622/',
    knativeerrorcode: '503',
    knativeerrordata: Buffer.from('{"error":"Qdrant is down"}').toString('base64'),
  });

describe('dead letter ids', () => {
  it('sort by receive time and keep only key-safe characters of the event id', () => {
    const id = deadLetterId('evt/1 ../x', new Date('2026-11-28T15:10:02.123Z'));
    assert.equal(id, '20261128T151002123Z-evt_1_.._x');
    assert.ok(isDeadLetterId(id));
    assert.ok(deadLetterId('b', new Date('2026-11-28T15:10:03Z')) > deadLetterId('a', new Date('2026-11-28T15:10:02Z')));
  });

  it('reject anything that could leave the dead-letters/ prefix', () => {
    for (const bad of ['..', '.', 'a/b', '', 'a b', '%2e%2e']) assert.equal(isDeadLetterId(bad), false, bad);
  });
});

describe('stored dead letters', () => {
  const letter = toStoredDeadLetter(deadEvent(), new Date('2026-11-28T15:10:02.123Z'));

  it('keep the whole event with its error extensions, and the receive time', () => {
    assert.equal(letter.receivedAt, '2026-11-28T15:10:02.123Z');
    assert.equal(letter.event.knativeerrorcode, '503');
    assert.equal(letter.event.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.deepEqual(letter.event.data, { document: { bucket: 'documents', key: 'docs/a.pdf' } });
  });

  it('summarise with the decoded last response', () => {
    assert.deepEqual(summarise(letter), {
      id: letter.id,
      receivedAt: '2026-11-28T15:10:02.123Z',
      eventId: 'evt/1 ../x',
      type: EventType.ChunksReady,
      source: '/sluice/split',
      subject: 'docs/a.pdf',
      errorDest: 'http://127.0.0.1:8622/',
      errorCode: '503',
      errorData: '{"error":"Qdrant is down"}',
    });
  });

});

describe('replayDeadLetters', () => {
  const memoryStore = (letters: StoredDeadLetter[]): DeadLetterStore & { ids(): string[] } => {
    const byId = new Map(letters.map((l) => [l.id, l]));
    return {
      ids: () => [...byId.keys()],
      add: async () => assert.fail('not used'),
      list: async () => [...byId.values()],
      get: async (id) => byId.get(id) ?? Promise.reject(new DeadLetterNotFoundError(`no dead letter ${id}`)),
      remove: async (id) => void byId.delete(id),
    };
  };
  const letter = (id: string, i: number, type: string, data: unknown) =>
    toStoredDeadLetter(new CloudEvent({ id, type, source: '/s', knativeerrorcode: '500', knativeerrordest: 'http://x/', datacontenttype: 'application/json', data }), new Date(1_000 * i));
  const letters = [
    letter('a', 0, EventType.VectorsReady, { document: { bucket: 'documents', key: 'docs/a.pdf' } }),
    letter('b', 1, EventType.ObjectDeleted, { bucket: 'documents', key: 'docs/b.pdf' }),
  ];
  // The schema of vectors.ready wants the whole document reference and chunks.
  letters[0]!.event.data = {
    document: { bucket: 'documents', key: 'docs/a.pdf', docId: '4f1c2c38-6b7a-5b7e-9a43-3a2e8f6d1c11', version: 'v1', size: 1, contentType: 'text/plain' },
    model: { name: 'm', dimension: 1 },
    chunkCount: 0,
    chunks: { items: [] },
  };

  it('asks for each letter\'s document again (never the stored event), then removes the letter', async () => {
    const store = memoryStore(letters);
    const published: CloudEvent<unknown>[] = [];
    const result = await replayDeadLetters(store, async (e) => void published.push(e), letters.map((l) => l.id), ['documents']);
    assert.deepEqual(result, { replayed: letters.map((l) => l.id), discarded: [], failed: [] });
    assert.deepEqual(published.map((e) => [e.type, e.source, e.data]), [
      [EventType.IngestRequested, '/sluice/api', { bucket: 'documents', key: 'docs/a.pdf' }],
      [EventType.ObjectDeleted, '/sluice/api', { bucket: 'documents', key: 'docs/b.pdf' }],
    ]);
    assert.ok(published.every((e) => e.id !== 'a' && e.id !== 'b' && e.knativeerrorcode === undefined));
    assert.deepEqual(store.ids(), []);
  });

  it('keeps a letter the broker did not accept, and reports it', async () => {
    const store = memoryStore(letters);
    const result = await replayDeadLetters(store, async (e) => {
      if (e.type === EventType.IngestRequested) throw new Error('broker answered 503');
    }, letters.map((l) => l.id), ['documents']);
    assert.deepEqual(result, { replayed: [letters[1]!.id], discarded: [], failed: [{ id: letters[0]!.id, error: 'broker answered 503' }] });
    assert.deepEqual(store.ids(), [letters[0]!.id]);
  });

  it('publishes nothing for a letter that names no document of ours, and discards it', async () => {
    const planted = [
      letter('p1', 2, EventType.VectorsReady, { chunks: 'garbage' }),
      letter('p2', 3, EventType.ObjectCreated, { bucket: 'other-bucket', key: 'x' }),
      letter('p3', 4, 'com.evil.anything', { bucket: 'documents', key: 'x' }),
    ];
    const store = memoryStore(planted);
    const published: CloudEvent<unknown>[] = [];
    const result = await replayDeadLetters(store, async (e) => void published.push(e), planted.map((l) => l.id), ['documents']);
    assert.deepEqual(published, []);
    assert.deepEqual(result.discarded?.map((d) => d.id), planted.map((l) => l.id));
    assert.deepEqual(store.ids(), []);
  });

  it('says not found for one unknown id', async () => {
    await assert.rejects(replayDeadLetters(memoryStore([]), async () => undefined, ['20260101T000000000Z-x'], ['documents']), DeadLetterNotFoundError);
  });
});
