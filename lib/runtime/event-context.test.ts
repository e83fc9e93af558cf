import { test } from 'node:test';
import assert from 'node:assert/strict';
import { documentOf, eventLogFields, traceIdOf } from './event-context.js';

test('the document of each event shape in the catalogue', () => {
  assert.deepEqual(documentOf({ bucket: 'documents', key: 'a.pdf', etag: 'e1', size: 3 }), { key: 'a.pdf', version: 'e1' }, 'object.created: etag');
  assert.deepEqual(documentOf({ document: { key: 'a.pdf', version: 'v2' }, chunkCount: 3 }), { key: 'a.pdf', version: 'v2' }, 'chunks/vectors/indexed');
  assert.deepEqual(documentOf({ bucket: 'documents', key: 'a.pdf', version: 'v3', stage: 'split' }), { key: 'a.pdf', version: 'v3' }, 'ingest.failed');
  assert.deepEqual(documentOf({ key: 'a.pdf' }), { key: 'a.pdf' }, 'ingest.requested: no version');
  for (const none of [undefined, null, 'text', 42, [], { key: 7 }]) assert.deepEqual(documentOf(none), {});
});

test('trace ids only from well-formed traceparent values', () => {
  assert.equal(traceIdOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'), '0af7651916cd43dd8448eb211c80319c');
  for (const bad of [undefined, '', '00-1', '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01', 42]) assert.equal(traceIdOf(bad), undefined);
});

test('log fields: the subject stands in for the key when the data has none', () => {
  assert.deepEqual(eventLogFields({ id: 'e', type: 't', subject: 'k.txt' }, undefined), { eventId: 'e', eventType: 't', key: 'k.txt' });
  assert.deepEqual(eventLogFields({ id: 'e', type: 't', subject: 'ignored', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }, { document: { key: 'd.pdf', version: 'v' } }), {
    eventId: 'e',
    eventType: 't',
    key: 'd.pdf',
    version: 'v',
    traceId: '0af7651916cd43dd8448eb211c80319c',
  });
});
