import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import {
  DeadLetterNotFoundError,
  deadLetterId,
  isDeadLetterId,
  originalEvent,
  replayDeadLetters,
  summarise,
  toStoredDeadLetter,
  type DeadLetterStore,
  type StoredDeadLetter,
} from './dead-letters.js';

const deadEvent = () =>
  new CloudEvent<unknown>({
    id: 'evt/1 ../x',
    type: 'io.sluice.chunks.ready',
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
      type: 'io.sluice.chunks.ready',
      source: '/sluice/split',
      subject: 'docs/a.pdf',
      errorDest: 'http://127.0.0.1:8622/',
      errorCode: '503',
      errorData: '{"error":"Qdrant is down"}',
    });
  });

  it('replay as the original event: same id, type, data and other extensions, no error extensions', () => {
    const event = originalEvent(JSON.parse(JSON.stringify(letter)) as StoredDeadLetter);
    assert.equal(event.id, 'evt/1 ../x');
    assert.equal(event.type, 'io.sluice.chunks.ready');
    assert.equal(event.subject, 'docs/a.pdf');
    assert.equal(event.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    assert.deepEqual(event.data, { document: { bucket: 'documents', key: 'docs/a.pdf' } });
    for (const name of ['knativeerrordest', 'knativeerrorcode', 'knativeerrordata']) assert.equal(name in event, false, name);
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
  const letters = ['a', 'b'].map((id, i) => toStoredDeadLetter(new CloudEvent({ id, type: 't', source: '/s', knativeerrorcode: '500' }), new Date(1_000 * i)));

  it('publishes each original event, then removes the letter', async () => {
    const store = memoryStore(letters);
    const published: CloudEvent<unknown>[] = [];
    const result = await replayDeadLetters(store, async (e) => void published.push(e), letters.map((l) => l.id));
    assert.deepEqual(result, { replayed: letters.map((l) => l.id), failed: [] });
    assert.deepEqual(published.map((e) => e.id), ['a', 'b']);
    assert.equal(published[0]!.knativeerrorcode, undefined);
    assert.deepEqual(store.ids(), []);
  });

  it('keeps a letter the broker did not accept, and reports it', async () => {
    const store = memoryStore(letters);
    const result = await replayDeadLetters(store, async (e) => {
      if (e.id === 'a') throw new Error('broker answered 503');
    }, letters.map((l) => l.id));
    assert.deepEqual(result, { replayed: [letters[1]!.id], failed: [{ id: letters[0]!.id, error: 'broker answered 503' }] });
    assert.deepEqual(store.ids(), [letters[0]!.id]);
  });

  it('says not found for one unknown id', async () => {
    await assert.rejects(replayDeadLetters(memoryStore([]), async () => undefined, ['20260101T000000000Z-x']), DeadLetterNotFoundError);
  });
});
