/** Reconcile's self-healing, with the real transition rule and an S3 in memory. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import { EventType } from '../../lib/events/types.js';
import { createMemoryStatusStore } from '../../test/support/fakes.js';
import { createMemoryS3 } from '../../test/support/memory-s3.js';
import { reconcileBucket } from './reconcile.js';

const policy = { baseMs: 60_000, maxMs: 3_600_000 };

function setup() {
  let clock = new Date('2026-06-01T12:00:00.000Z');
  const now = () => clock;
  const s3 = createMemoryS3(now);
  const status = createMemoryStatusStore();
  const published: CloudEvent<unknown>[] = [];
  const deps = { s3, status, index: { documentKeys: async () => new Set<string>() }, publish: async (e: CloudEvent<unknown>) => void published.push(e), heal: policy, now };
  return { s3, status, published, deps, advance: (ms: number) => (clock = new Date(clock.getTime() + ms)) };
}

const etag = (body: string) => createHash('md5').update(body).digest('hex');

async function failAs(status: ReturnType<typeof setup>['status'], key: string, reason: string, version: string, cycle: string, at: string) {
  await status.record({ docId: documentId('documents', key), bucket: 'documents', key, status: 'failed', cycle, at, version, reason });
}

test('a dead-lettered document is re-requested once its backoff has passed, with the attempt counted in its record', async () => {
  const { s3, status, published, deps, advance } = setup();
  s3.put('documents', 'a.txt', 'hello');
  await failAs(status, 'a.txt', 'dead_lettered', etag('hello'), '2026-06-01T11:59:00.000Z', '2026-06-01T12:00:00.000Z');

  let report = await reconcileBucket(deps, 'documents');
  assert.deepEqual([report.healed, report.healWaiting, published.length], [[], 1, 0], 'not before the first backoff');

  advance(61_000);
  report = await reconcileBucket(deps, 'documents');
  assert.deepEqual(report.healed, ['a.txt']);
  assert.equal(published.length, 1);
  assert.equal(published[0]!.type, EventType.IngestRequested);
  assert.deepEqual(published[0]!.data, { bucket: 'documents', key: 'a.txt' });
  const record = await status.get(documentId('documents', 'a.txt'));
  assert.equal(record?.status, 'queued');
  assert.equal(record?.heal_attempts, 1);
  assert.equal(record?.cycle, published[0]!.time, 'the request starts the cycle the record names');

  // The outage lasts: that cycle is dead-lettered too. The next try waits twice as long.
  await failAs(status, 'a.txt', 'dead_lettered', etag('hello'), record!.cycle, new Date(Date.parse(record!.cycle) + 1000).toISOString());
  advance(61_000);
  report = await reconcileBucket(deps, 'documents');
  assert.deepEqual([report.healed, published.length], [[], 1]);
  advance(60_000);
  report = await reconcileBucket(deps, 'documents');
  assert.deepEqual(report.healed, ['a.txt']);
  assert.equal((await status.get(documentId('documents', 'a.txt')))?.heal_attempts, 2);
});

test('a document failed for a reason of its own stays failed at its version', async () => {
  const { s3, status, published, deps, advance } = setup();
  s3.put('documents', 'bad.pdf', 'not a pdf');
  await failAs(status, 'bad.pdf', 'corrupt', etag('not a pdf'), '2026-06-01T11:59:00.000Z', '2026-06-01T12:00:00.000Z');
  advance(24 * 3_600_000);
  const report = await reconcileBucket(deps, 'documents');
  assert.deepEqual([report.requested, report.inSync, published.length], [[], 1, 0]);
});
