import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { checkDeadLetter, replayRequestFor } from './dead-letter-check.js';

const buckets = ['documents'];
const letter = (overrides: Record<string, unknown> = {}) => ({
  type: EventType.ObjectCreated,
  data: { bucket: 'documents', key: 'a.txt' },
  knativeerrordest: 'http://127.0.0.1:8181/',
  knativeerrorcode: '503',
  ...overrides,
});

test('a letter as Knative delivers it is accepted', () => {
  assert.deepEqual(checkDeadLetter(letter(), buckets), { dataValid: true });
  assert.deepEqual(checkDeadLetter(letter({ data: JSON.stringify({ bucket: 'documents', key: 'a.txt' }) }), buckets), { dataValid: true });
});

test('planted letters are refused: foreign type, no error extensions, invalid data, another bucket', () => {
  const planted: [string, Record<string, unknown>][] = [
    ['foreign type', letter({ type: 'com.evil.rewrite-index' })],
    ['no knativeerrordest', letter({ knativeerrordest: undefined })],
    ['no knativeerrorcode', letter({ knativeerrorcode: undefined })],
    ['code not a number', letter({ knativeerrorcode: 'five hundred' })],
    ['data off-schema', letter({ data: { bucket: 'documents' } })],
    ['data not JSON', letter({ data: '{not json' })],
    ['other bucket', letter({ data: { bucket: 'victim', key: 'a.txt' } })],
  ];
  for (const [what, event] of planted) assert.throws(() => checkDeadLetter(event as never, buckets), InvalidEventError, what);
});

test('a stage\'s own 400 refusal is kept with its invalid data, flagged so that it records no status', () => {
  assert.deepEqual(checkDeadLetter(letter({ type: EventType.ChunksReady, data: { chunks: 'junk' }, knativeerrorcode: '400' }), buckets), { dataValid: false });
});

test('replay asks for the document again, in our own name, and nothing else', () => {
  const vectors = replayRequestFor(
    {
      type: EventType.VectorsReady,
      id: 'attacker-chosen',
      source: '/evil',
      data: {
        document: { bucket: 'documents', key: 'a.txt', docId: '4f1c2c38-6b7a-5b7e-9a43-3a2e8f6d1c11', version: 'v', size: 1, contentType: 'text/plain' },
        model: { name: 'm', dimension: 1 },
        chunkCount: 1,
        chunks: { items: [{ index: 0, text: 'attacker text', hash: 'a'.repeat(64), vector: 'AAAAAA==' }] },
      },
    },
    buckets,
  );
  assert.ok('event' in vectors);
  assert.equal(vectors.event.type, EventType.IngestRequested);
  assert.equal(vectors.event.source, '/sluice/api');
  assert.notEqual(vectors.event.id, 'attacker-chosen');
  assert.deepEqual(vectors.event.data, { bucket: 'documents', key: 'a.txt' });

  const deletion = replayRequestFor({ type: EventType.DocumentDeleted, data: { bucket: 'documents', key: 'b.txt', docId: '4f1c2c38-6b7a-5b7e-9a43-3a2e8f6d1c11', collection: 'c' } }, buckets);
  assert.ok('event' in deletion && deletion.event.type === EventType.ObjectDeleted);
  assert.ok('reason' in replayRequestFor({ type: EventType.ObjectCreated, data: { bucket: 'victim', key: 'x' } }, buckets));
  assert.ok('reason' in replayRequestFor({ type: EventType.ChunksReady, data: { chunks: 'junk' } }, buckets));
});
