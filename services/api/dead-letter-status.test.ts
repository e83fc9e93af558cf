import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import { EventType } from '../../lib/events/types.js';
import { createMemoryStatusStore } from '../../test/support/fakes.js';
import { recordDeadLetter } from './status-events.js';

const letter = (code: string) =>
  new CloudEvent({
    type: EventType.VectorsReady,
    source: '/sluice/functions/embed',
    data: { document: { bucket: 'documents', key: 'victim.md', version: 'v1' } },
    knativeerrorcode: code,
    knativeerrordest: '/sluice/functions/index',
  });

test('a dead letter the broker gave up on marks its document failed', async () => {
  const status = createMemoryStatusStore();
  assert.equal(await recordDeadLetter(letter('503'), { status, defaultBucket: 'documents' }), true);
  assert.equal(status.records.get(documentId('documents', 'victim.md'))?.status, 'failed');
});

test('an event a function refused as invalid (400) changes no status: a forged event cannot mark its victim failed', async () => {
  const status = createMemoryStatusStore();
  assert.equal(await recordDeadLetter(letter('400'), { status, defaultBucket: 'documents' }), false);
  assert.equal(status.records.size, 0);
});
