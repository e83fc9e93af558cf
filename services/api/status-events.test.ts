/** The API's event sink against forged times and buckets: a refusal writes nothing, and the record keeps moving. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import { EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { createMemoryStatusStore } from '../../test/support/fakes.js';
import { handleStatusEvent, recordDeadLetter } from './status-events.js';

const now = () => new Date('2026-06-01T12:00:00.000Z');
const docId = documentId('documents', 'a.txt');

function setup() {
  const status = createMemoryStatusStore();
  const reconciled: (string | undefined)[] = [];
  const deps = { status, defaultBucket: 'documents', buckets: ['documents'], now, reconcile: async (b?: string) => void reconciled.push(b) };
  return { status, reconciled, deps };
}

const failed = (requestedAt: unknown, extra: Record<string, unknown> = {}) =>
  new CloudEvent({ type: EventType.IngestFailed, source: '/x', datacontenttype: 'application/json', data: { bucket: 'documents', key: 'a.txt', stage: 'split', reason: 'corrupt', message: 'm', requestedAt, ...extra } });

test('ingest.failed with a cycle that is no time, or in the future, is refused and writes nothing', async () => {
  const { status, deps } = setup();
  for (const requestedAt of ['~', '9999-12-31T23:59:59Z', '2026-06-01T12:10:00Z', 'yesterday']) {
    await assert.rejects(handleStatusEvent(failed(requestedAt), deps), InvalidEventError, requestedAt);
  }
  assert.equal(status.records.size, 0);
});

test('after the refused attempt, the real transitions of the document still move its record', async () => {
  const { status, deps } = setup();
  await assert.rejects(handleStatusEvent(failed('~'), deps), InvalidEventError);
  await handleStatusEvent(new CloudEvent({ type: EventType.IngestRequested, source: '/x', time: '2026-06-01T11:59:00Z', data: { bucket: 'documents', key: 'a.txt' } }), deps);
  assert.equal(status.records.get(docId)?.status, 'queued');
  await handleStatusEvent(failed('2026-06-01T11:59:00Z'), deps);
  assert.equal(status.records.get(docId)?.status, 'failed');
  assert.equal(status.records.get(docId)?.cycle, '2026-06-01T11:59:00.000Z');
});

test('an event time in the future is refused too, and a huge sequence orders nothing', async () => {
  const { status, deps } = setup();
  const future = new CloudEvent({ type: EventType.ObjectCreated, source: '/x', time: '2099-01-01T00:00:00Z', data: { bucket: 'documents', key: 'a.txt' } });
  await assert.rejects(handleStatusEvent(future, deps), /in the future/);
  assert.equal(status.records.size, 0);
  // The sequence is carried, never compared: a maximal one cannot make later cycles stale.
  await handleStatusEvent(new CloudEvent({ type: EventType.ObjectCreated, source: '/x', time: '2026-06-01T11:00:00Z', data: { bucket: 'documents', key: 'a.txt', sequence: '99999999999999999999' } }), deps);
  await handleStatusEvent(new CloudEvent({ type: EventType.ObjectUpdated, source: '/x', time: '2026-06-01T11:30:00Z', data: { bucket: 'documents', key: 'a.txt', sequence: '1' } }), deps);
  assert.equal(status.records.get(docId)?.cycle, '2026-06-01T11:30:00.000Z');
  assert.equal(status.records.get(docId)?.sequence, '1');
});

test('a status for a bucket that is not configured is refused', async () => {
  const { status, deps } = setup();
  const other = new CloudEvent({ type: EventType.IngestFailed, source: '/x', data: { bucket: 'victim-bucket', key: 'a.txt', stage: 'split', reason: 'corrupt', message: 'm' } });
  await assert.rejects(handleStatusEvent(other, deps), /not a configured bucket/);
  assert.equal(status.records.size, 0);
});

test('a dead letter with a forged requestedAt records nothing', async () => {
  const { status, deps } = setup();
  const letter = new CloudEvent({ type: EventType.ChunksReady, source: '/x', data: { document: { bucket: 'documents', key: 'a.txt', requestedAt: '~' } } });
  await assert.rejects(recordDeadLetter(letter, deps), InvalidEventError);
  assert.equal(status.records.size, 0);
});

test('a PingSource tick reconciles every bucket', async () => {
  const { reconciled, deps } = setup();
  await handleStatusEvent(new CloudEvent({ type: EventType.ReconcileScheduled, source: '/apis/v1/namespaces/sluice/pingsources/sluice-reconcile-schedule', data: {} }), deps);
  assert.deepEqual(reconciled, [undefined]);
});
