import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import { Chunk, ChunksReadyData } from '../../lib/events/schemas.js';
import { EventType } from '../../lib/events/types.js';
import { DocumentError, InvalidEventError } from '../../lib/runtime/errors.js';
import { ObjectNotFoundError, type StoredObject } from '../../lib/storage/s3.js';
import { createMemoryClaimStore, createMemoryStatusStore, silentContext } from '../../test/support/fakes.js';
import { createSplitHandler } from './handler.js';
import { createIsolatedSplitter } from './worker/isolated.js';

const splitter = createIsolatedSplitter(
  { maxPages: 100, maxExtractedChars: 1_000_000, maxInflateRatio: 100, maxNestingDepth: 1000 },
  { size: 200, overlap: 20 },
  { deadlineMs: 30_000, maxMemoryMb: 128, size: 1 },
);

const objects = new Map<string, StoredObject>();
const put = (key: string, text: string | Uint8Array, etag = 'etag-1') => {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  objects.set(key, { bytes, etag, contentType: 'application/octet-stream', size: bytes.byteLength });
};
const claims = createMemoryClaimStore(2048);
const status = createMemoryStatusStore();
const indexed = new Map<string, number>();
const stored = (key: string) => {
  const object = objects.get(key);
  if (!object) throw new ObjectNotFoundError(`${key} does not exist`);
  return object;
};
const handler = createSplitHandler({
  readObject: async (_bucket, key) => stored(key),
  headObject: async (_bucket, key) => ({ etag: stored(key).etag, size: stored(key).size, contentType: stored(key).contentType }),
  countIndexed: async (docId, version) => indexed.get(`${docId}@${version}`) ?? 0,
  status,
  claims,
  splitter,
  limits: { buckets: ['documents'], maxObjectBytes: 1_000_000, maxChunks: 50 },
});

const created = (key: string, bucket = 'documents') =>
  new CloudEvent({ type: EventType.ObjectCreated, source: '/test', data: { bucket, key, sequence: '42' } });

test('splits an object into a ChunksReady reply with document identity and version', async () => {
  put('notes/guide.md', '# Guide\nFirst paragraph about queues.\n## Details\nSecond paragraph about heaps.');
  const reply = await handler(created('notes/guide.md'), silentContext);
  assert.equal(reply?.type, EventType.ChunksReady);
  assert.equal(reply?.subject, 'notes/guide.md');
  const data = ChunksReadyData.parse(reply?.data);
  assert.equal(data.document.docId, documentId('documents', 'notes/guide.md'));
  assert.equal(data.document.version, 'etag-1');
  assert.equal(data.document.sequence, '42');
  assert.equal(data.chunkCount, 2);
  assert.deepEqual(data.chunks.items?.map((c) => c.heading), ['Guide', 'Guide › Details']);
});

test('an object whose current version is fully indexed is unchanged: no download, no chunks', async () => {
  put('same.md', '# Same\nUnchanged content.', 'etag-same');
  const first = ChunksReadyData.parse((await handler(created('same.md'), silentContext))?.data);
  const docId = first.document.docId;
  assert.equal(status.records.get(docId)?.status, 'splitting');
  // What index would record once the version is searchable:
  await status.record({ docId, bucket: 'documents', key: 'same.md', status: 'indexed', cycle: status.records.get(docId)!.cycle, at: new Date().toISOString(), version: 'etag-same', chunkCount: first.chunkCount });
  indexed.set(`${docId}@etag-same`, first.chunkCount);
  let downloads = 0;
  const counting = createSplitHandler({
    readObject: async (_b, key) => (downloads++, stored(key)),
    headObject: async (_b, key) => ({ etag: stored(key).etag, size: 1, contentType: 'text/markdown' }),
    countIndexed: async (id, version) => indexed.get(`${id}@${version}`) ?? 0,
    status,
    claims,
    splitter,
    limits: { buckets: ['documents'], maxObjectBytes: 1_000_000, maxChunks: 50 },
  });
  const later = new CloudEvent({ type: EventType.ObjectUpdated, source: '/test', time: new Date(Date.now() + 1000).toISOString(), data: { bucket: 'documents', key: 'same.md' } });
  const reply = await counting(later, silentContext);
  assert.equal(reply?.type, EventType.DocumentUnchanged);
  assert.equal(downloads, 0);
  assert.equal(status.records.get(docId)?.status, 'unchanged');
  // If the points went missing behind our back, the same version is processed again.
  indexed.delete(`${docId}@etag-same`);
  const again = await counting(new CloudEvent({ type: EventType.IngestRequested, source: '/t', time: new Date(Date.now() + 2000).toISOString(), data: { key: 'same.md' } }), silentContext);
  assert.equal(again?.type, EventType.ChunksReady);
  assert.equal(downloads, 1);
});

test('ingest.requested defaults to the configured bucket', async () => {
  put('a.txt', 'hello world');
  const reply = await handler(new CloudEvent({ type: EventType.IngestRequested, source: '/curl', data: { key: 'a.txt' } }), silentContext);
  assert.equal(ChunksReadyData.parse(reply?.data).document.bucket, 'documents');
});

test('large chunk lists travel as a claim check', async () => {
  put('big.txt', 'word '.repeat(1000));
  const data = ChunksReadyData.parse((await handler(created('big.txt'), silentContext))?.data);
  assert.ok(data.chunks.claim, 'expected a claim check');
  assert.equal((claims.objects.get(data.chunks.claim.key) as unknown[]).length, data.chunkCount);
});

test('bad documents fail with a reason, not a retry', async () => {
  put('empty.txt', '');
  put('photo.pdf', Buffer.from('\x89PNG\r\n\x1a\n\0\0\0\0'));
  put('blank.md', '   \n\n  ');
  put('huge.txt', 'x '.repeat(10_000));
  const reasons: Record<string, string> = { 'empty.txt': 'empty', 'photo.pdf': 'unsupported_type', 'blank.md': 'no_text', 'missing.txt': 'not_found', 'huge.txt': 'too_many_chunks' };
  for (const [key, reason] of Object.entries(reasons)) {
    await assert.rejects(handler(created(key), silentContext), (err: unknown) => {
      assert.ok(err instanceof DocumentError, `${key}: ${String(err)}`);
      assert.equal(err.reason, reason, key);
      assert.equal(err.document.key, key);
      return true;
    });
  }
});

test('events for other buckets and malformed events are rejected as invalid', async () => {
  await assert.rejects(handler(created('a.txt', 'secrets'), silentContext), InvalidEventError);
  await assert.rejects(handler(new CloudEvent({ type: EventType.ObjectCreated, source: '/t', data: { key: 'a' } }), silentContext), InvalidEventError);
  await assert.rejects(handler(new CloudEvent({ type: 'com.example.other', source: '/t', data: {} }), silentContext), InvalidEventError);
});

test('an object event dated in the future (it would freeze the status record) is refused, nothing recorded', async () => {
  put('future.md', '# Future\n\ntext');
  const future = new CloudEvent({ type: EventType.ObjectCreated, source: '/t', time: new Date(Date.now() + 3_600_000).toISOString(), data: { bucket: 'documents', key: 'future.md' } });
  await assert.rejects(handler(future, silentContext), /in the future/);
  assert.equal(status.records.get(documentId('documents', 'future.md')), undefined);
});

test('ingest.requested for a bucket outside S3_BUCKET is refused', async () => {
  await assert.rejects(
    handler(new CloudEvent({ type: EventType.IngestRequested, source: '/t', data: { bucket: 'sluice-pipeline', key: 'dead-letters/x.json' } }), silentContext),
    /not a configured bucket/,
  );
});

test('a heading path longer than MAX_HEADING_CHARS is cut, so later stages accept the chunk', async () => {
  put('long-heading.md', `# ${'h'.repeat(3000)}\n\nbody text`);
  const reply = await handler(created('long-heading.md'), silentContext);
  const data = ChunksReadyData.parse(reply?.data);
  const [chunk] = await claims.unpack(data.chunks, Chunk);
  assert.equal(chunk?.heading, 'h'.repeat(1024));
});
