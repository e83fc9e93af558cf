import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { documentId, sha256Hex } from '../../lib/documents/identity.js';
import { metaHash } from '../../lib/documents/metadata.js';
import { encodeVector } from '../../lib/embedding/vector-codec.js';
import { EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import type { VectorPoint, VectorStore } from '../../lib/vector-store/qdrant.js';
import { createMemoryClaimStore, createMemoryStatusStore, silentContext, testLimits } from '../../test/support/fakes.js';
import { chunkSparseVector, termIndex } from '../../lib/text/sparse-vector.js';
import { createIndexHandler } from './handler.js';

/** An in-memory store with Qdrant's upsert-by-id semantics. */
function createMemoryStore(): VectorStore & { points: Map<string, VectorPoint>; dimension?: number } {
  const points = new Map<string, VectorPoint>();
  const store = {
    collection: 'test',
    points,
    dimension: undefined as number | undefined,
    async ensureCollection(dimension: number) {
      store.dimension = dimension;
    },
    async upsert(batch: readonly VectorPoint[]) {
      for (const p of batch) points.set(p.id, p);
    },
    async deleteDocument(docId: string, options?: { keepVersion?: string; onlyVersion?: string }) {
      for (const [id, p] of points) {
        if (p.payload.doc_id !== docId || p.payload.version === options?.keepVersion) continue;
        if (options?.onlyVersion && p.payload.version !== options.onlyVersion) continue;
        points.delete(id);
      }
    },
    async countDocumentPoints(docId: string, version?: string, metaHash?: string) {
      return [...points.values()].filter((p) => p.payload.doc_id === docId && (!version || p.payload.version === version) && (!metaHash || p.payload.meta_hash === metaHash)).length;
    },
    async search() {
      return [];
    },
    async vectorsByChunkHash() {
      return new Map<string, number[]>();
    },
    async upgradeLegacyCollection() {
      return false;
    },
    async documentKeys(bucket: string) {
      return new Set([...points.values()].filter((p) => p.payload.bucket === bucket).map((p) => p.payload.key));
    },
  };
  return store;
}

const docId = documentId('documents', 'a.md');

/** The bucket's truth, which the handler consults before and after writing. */
function setup(current: { version: string | undefined; userMetadata?: Record<string, string>; tags?: Record<string, string> }, store = createMemoryStore()) {
  const status = createMemoryStatusStore();
  const claims = createMemoryClaimStore();
  const handler = createIndexHandler({
    store,
    status,
    claims,
    limits: testLimits(),
    currentObject: async () =>
      current.version === undefined ? undefined : { version: current.version, ...(current.userMetadata ? { userMetadata: { ...current.userMetadata } } : {}), ...(current.tags ? { tags: { ...current.tags } } : {}) },
  });
  return { store, status, claims, handler };
}
const vectorsReady = (version: string, texts: string[], dimension = 3, document: Record<string, unknown> = {}) =>
  new CloudEvent({
    type: EventType.VectorsReady,
    source: '/test',
    data: {
      document: { bucket: 'documents', key: 'a.md', docId, version, sequence: '1', size: 10, contentType: 'text/markdown', ...document },
      model: { name: 'test-model', dimension },
      chunkCount: texts.length,
      chunks: {
        items: texts.map((text, index) => ({ index, text, hash: sha256Hex(text), heading: 'H', vector: encodeVector(new Float32Array([index, 1, 0])) })),
      },
    },
  });

test('indexes a version with deterministic ids; replays do not duplicate', async () => {
  const { store, status, handler } = setup({ version: 'v1' });
  const reply = await handler(vectorsReady('v1', ['one', 'two']), silentContext);
  assert.equal(status.records.get(docId)?.status, 'indexed');
  assert.equal(status.records.get(docId)?.chunk_count, 2);
  assert.equal(reply?.type, EventType.DocumentIndexed);
  assert.equal(store.points.size, 2);
  await handler(vectorsReady('v1', ['one', 'two']), silentContext);
  assert.equal(store.points.size, 2, 'a replay must not add points');
  const payload = [...store.points.values()][0]!.payload;
  assert.deepEqual(
    { doc_id: payload.doc_id, key: payload.key, version: payload.version, chunk_index: payload.chunk_index, heading: payload.heading, text: payload.text },
    { doc_id: docId, key: 'a.md', version: 'v1', chunk_index: 0, heading: 'H', text: 'one' },
  );
  assert.equal(store.dimension, 3);
});

test('a chunk read by OCR keeps its page and says so in its payload; others carry no ocr field', async () => {
  const { store, handler } = setup({ version: 'v1' });
  const event = vectorsReady('v1', ['scanned page', 'typed page']);
  const items = (event.data as { chunks: { items: Array<Record<string, unknown>> } }).chunks.items;
  Object.assign(items[0]!, { page: 2, ocr: true });
  await handler(event, silentContext);
  const payloads = [...store.points.values()].map((p) => p.payload).sort((a, b) => a.chunk_index - b.chunk_index);
  assert.deepEqual(payloads.map((p) => [p.text, p.page, p.ocr]), [['scanned page', 2, true], ['typed page', undefined, undefined]]);
});

test('a new version replaces the old one completely', async () => {
  const bucket = { version: 'v1' as string | undefined };
  const { store, handler } = setup(bucket);
  await handler(vectorsReady('v1', ['one', 'two', 'three']), silentContext);
  bucket.version = 'v2';
  await handler(vectorsReady('v2', ['uno']), silentContext);
  assert.deepEqual([...store.points.values()].map((p) => [p.payload.version, p.payload.text]), [['v2', 'uno']]);
});

test('a late event for an older version changes nothing', async () => {
  const bucket = { version: 'v2' as string | undefined };
  const { store, handler } = setup(bucket);
  await handler(vectorsReady('v2', ['new']), silentContext);
  const reply = await handler(vectorsReady('v1', ['old', 'older']), silentContext);
  assert.equal(reply, undefined);
  assert.deepEqual([...store.points.values()].map((p) => p.payload.text), ['new']);
});

test('a version overwritten while it was being written is taken back out', async () => {
  const bucket = { version: 'v1' as string | undefined };
  const store = createMemoryStore();
  const upsert = store.upsert.bind(store);
  store.upsert = async (batch) => {
    await upsert(batch);
    bucket.version = 'v2'; // the overwrite lands between our write and our check
  };
  const { handler } = setup(bucket, store);
  const reply = await handler(vectorsReady('v1', ['one']), silentContext);
  assert.equal(store.points.size, 0);
  assert.equal(reply?.type, EventType.IngestRequested, 'split is asked to look at the current version');
  assert.deepEqual(reply?.data, { bucket: 'documents', key: 'a.md' });
});

test('A → B → A: writing B removed the indexed A points, so the current version is re-requested', async () => {
  const bucket = { version: 'A' as string | undefined };
  const store = createMemoryStore();
  const { handler } = setup(bucket, store);
  await handler(vectorsReady('A', ['alpha']), silentContext);
  bucket.version = 'B';
  const upsert = store.upsert.bind(store);
  store.upsert = async (batch) => {
    await upsert(batch);
    bucket.version = 'A'; // overwritten back to A, which split finds indexed and answers `unchanged`
  };
  const reply = await handler(vectorsReady('B', ['beta']), silentContext);
  assert.equal(store.points.size, 0, "B's write removed A's points and then its own");
  assert.equal(reply?.type, EventType.IngestRequested, 'without this request nothing would ever restore A');
});

test('object.deleted removes every point of the document, unless the object is back', async () => {
  const bucket = { version: 'v1' as string | undefined };
  const { store, status, handler } = setup(bucket);
  await handler(vectorsReady('v1', ['one', 'two']), silentContext);
  const deleted = new CloudEvent({ type: EventType.ObjectDeleted, source: '/t', data: { bucket: 'documents', key: 'a.md' } });
  assert.equal(await handler(deleted, silentContext), undefined, 'object still exists: stale deletion');
  assert.equal(store.points.size, 2);
  bucket.version = undefined;
  const reply = await handler(new CloudEvent({ type: EventType.ObjectDeleted, source: '/t', data: { bucket: 'documents', key: 'a.md' } }), silentContext);
  assert.equal(reply?.type, EventType.DocumentDeleted);
  assert.equal(store.points.size, 0);
  assert.equal(status.records.get(docId)?.status, 'deleted');
});

test('vectors whose size disagrees with the model are rejected', async () => {
  const { handler } = setup({ version: 'v1' });
  await assert.rejects(handler(vectorsReady('v1', ['one'], 384), silentContext), InvalidEventError);
});

// --- Forged events: whatever a sender claims that index can check, it checks before any write.

type VectorsReadyData = { document: Record<string, unknown>; model: { name: string; dimension: number }; chunkCount: number; chunks: { items?: Record<string, unknown>[]; claim?: Record<string, unknown> } };

/** A victim document indexed first, then a forged event: refused, and the victim keeps exactly its points and status. */
async function assertRefused(forge: (data: VectorsReadyData) => void, reason: RegExp) {
  const { store, status, handler } = setup({ version: 'v1' });
  await handler(vectorsReady('v1', ['victim one', 'victim two']), silentContext);
  const before = { points: structuredClone([...store.points.entries()]), dimension: store.dimension, status: structuredClone(status.records.get(docId)) };
  const event = vectorsReady('v1', ['attacker text']);
  const data = structuredClone(event.data) as VectorsReadyData;
  forge(data);
  await assert.rejects(handler(event.cloneWith({ data }), silentContext), (err: unknown) => err instanceof InvalidEventError && reason.test(err.message));
  assert.deepEqual([...store.points.entries()], before.points, 'the victim keeps exactly its points and text');
  assert.equal(store.dimension, before.dimension);
  assert.deepEqual(status.records.get(docId), before.status, 'the status record is unchanged');
}

test('forged: a victim\'s docId under another key is refused', () =>
  assertRefused((d) => Object.assign(d.document, { key: 'attacker.md' }), /is not the id of documents\/attacker\.md/));
test('forged: a chunk hash that is not the SHA-256 of its text is refused', () =>
  assertRefused((d) => Object.assign(d.chunks.items![0]!, { hash: sha256Hex('victim one') }), /hash is not the SHA-256/));
test('forged: a bucket outside S3_BUCKET is refused', () =>
  assertRefused((d) => Object.assign(d.document, { bucket: 'elsewhere', docId: documentId('elsewhere', 'a.md') }), /not a configured bucket/));
test('forged: a version that is not an ETag is refused', () =>
  assertRefused((d) => Object.assign(d.document, { version: '../../dead-letters/x' }), /not an object version/));
test('forged: chunkCount that disagrees with the chunks is refused', () => assertRefused((d) => (d.chunkCount = 2), /chunkCount 2/));
test('forged: an empty chunk list (which would drop every version) is refused', () =>
  assertRefused((d) => ((d.chunkCount = 0), (d.chunks.items = [])), /without chunks/));
test('forged: duplicate or missing chunk indexes are refused', () =>
  assertRefused((d) => {
    const item = d.chunks.items![0]!;
    d.chunks.items = [item, { ...item }];
    d.chunkCount = 2;
  }, /indexes must run 0\.\.1/));
test('forged: a vector of another length than the declared model is refused', () =>
  assertRefused((d) => Object.assign(d.chunks.items![0]!, { vector: encodeVector(new Float32Array([1, 2])) }), /vector of 2 dimensions/));
test('forged: a vector with NaN is refused', () =>
  assertRefused((d) => Object.assign(d.chunks.items![0]!, { vector: encodeVector(new Float32Array([1, NaN, 0])) }), /non-finite/));
test('forged: a chunk longer than CHUNK_SIZE is refused', () =>
  assertRefused((d) => Object.assign(d.chunks.items![0]!, { text: 'x'.repeat(1001), hash: sha256Hex('x'.repeat(1001)) }), /over the chunk size of 1000/));
test('forged: a page past MAX_PAGES is refused', () => assertRefused((d) => Object.assign(d.chunks.items![0]!, { page: 101 }), /past the limit of 100/));
test('forged: a cycle time in the future (which would freeze the status record) is refused', () =>
  assertRefused((d) => Object.assign(d.document, { requestedAt: new Date(Date.now() + 3_600_000).toISOString() }), /in the future/));
test('forged: a claim check in another bucket is refused', () =>
  assertRefused((d) => ((d.chunks = { claim: { bucket: 'documents', key: `claims/${docId}/v1/vectors.json`, bytes: 10 } }), d), /not this document's vectors claim/));
test('forged: a claim check naming a dead letter is refused', () =>
  assertRefused((d) => (d.chunks = { claim: { bucket: 'sluice-pipeline', key: 'dead-letters/abc.json', bytes: 10 } }), /not this document's vectors claim/));
test('forged: a claim check of another document is refused', () =>
  assertRefused(
    (d) => (d.chunks = { claim: { bucket: 'sluice-pipeline', key: `claims/${documentId('documents', 'b.md')}/v1/vectors.json`, bytes: 10 } }),
    /not this document's vectors claim/,
  ));
test('forged: a claim check over MAX_CLAIM_BYTES is refused before it is read', () =>
  assertRefused((d) => (d.chunks = { claim: { bucket: 'sluice-pipeline', key: `claims/${docId}/v1/vectors.json`, bytes: 1_000_001 } }), /over the limit/));

test('forged: a wrong dimension on a fresh collection is refused before the collection is created', async () => {
  const { store, status, handler } = setup({ version: 'v1' });
  await assert.rejects(handler(vectorsReady('v1', ['one'], 384), silentContext), /384 dimensions, the configured model has 3/);
  assert.equal(store.dimension, undefined, 'ensureCollection was never called: the first forged event cannot fix the dimension');
  assert.equal(store.points.size, 0);
  assert.equal(status.records.size, 0);
});

test('forged: object.deleted for a bucket outside S3_BUCKET is refused', async () => {
  const { store, handler } = setup({ version: undefined });
  await assert.rejects(
    handler(new CloudEvent({ type: EventType.ObjectDeleted, source: '/t', data: { bucket: 'elsewhere', key: 'a.md' } }), silentContext),
    /not a configured bucket/,
  );
  assert.equal(store.points.size, 0);
});

test('a claim-checked payload of this very document version is read and indexed', async () => {
  const { store, claims, handler } = setup({ version: 'v1' });
  const event = vectorsReady('v1', ['one', 'two']);
  const data = structuredClone(event.data) as VectorsReadyData;
  const key = `claims/${docId}/v1/vectors.json`;
  claims.objects.set(key, data.chunks.items);
  data.chunks = { claim: { bucket: 'sluice-pipeline', key, bytes: 100 } };
  assert.equal((await handler(event.cloneWith({ data }), silentContext))?.type, EventType.DocumentIndexed);
  assert.equal(store.points.size, 2);
});

test('a redelivery after the first delivery wrote the version and cleaned up its claims finishes it, instead of failing on the gone claim', async () => {
  const { store, status, claims, handler } = setup({ version: 'v1' });
  const event = vectorsReady('v1', ['one', 'two']);
  const data = structuredClone(event.data) as VectorsReadyData;
  const key = `claims/${docId}/v1/vectors.json`;
  claims.objects.set(key, data.chunks.items);
  data.chunks = { claim: { bucket: 'sluice-pipeline', key, bytes: 100 } };
  const claimed = event.cloneWith({ data });
  assert.equal((await handler(claimed, silentContext))?.type, EventType.DocumentIndexed);
  assert.equal(claims.objects.has(key), false, 'the first delivery cleaned up its claim');
  // The broker redelivers (the first delivery ran past its timeout): the claim is gone.
  assert.equal((await handler(claimed, silentContext))?.type, EventType.DocumentIndexed);
  assert.equal(store.points.size, 2);
  assert.equal((await status.get(docId))?.status, 'indexed');
  // Not a way around reading the claim: a version whose points are not all there still needs it.
  store.points.delete([...store.points.keys()][0]!);
  await assert.rejects(handler(claimed, silentContext), /gone|not readable/);
});

test('every point carries the sparse vector of its heading and text', async () => {
  const { store, handler } = setup({ version: 'v1' });
  await handler(vectorsReady('v1', ['pg_waldump decodes the WAL']), silentContext);
  const [point] = [...store.points.values()];
  assert.ok(point);
  assert.deepEqual(point.sparse, chunkSparseVector({ text: 'pg_waldump decodes the WAL', heading: 'H' }));
  assert.ok(point.sparse.indices.includes(termIndex('pg_waldump')));
});

// --- The object's metadata: written under `meta`, judged against S3 like the version.

test("every point carries the document's meta, its hash and its e-mail fields", async () => {
  const { store, handler } = setup({ version: 'v1', userMetadata: { Owner: 'alice' }, tags: { team: 'search' } });
  const email = { subject: 'Engine notes', from: ['Ada <ada@example.org>'], to: ['bob@example.org'], date: '2024-12-10T09:30:00.000Z' };
  const reply = await handler(vectorsReady('v1', ['one', 'two'], 3, { meta: { owner: 'alice', team: 'search' }, email }), silentContext);
  assert.equal(reply?.type, EventType.DocumentIndexed);
  for (const point of store.points.values()) {
    assert.deepEqual(point.payload.meta, { owner: 'alice', team: 'search' });
    assert.equal(point.payload.meta_hash, metaHash({ owner: 'alice', team: 'search' }));
    assert.deepEqual(point.payload.email, email);
  }
});

test('an object without metadata gets meta {} and the hash of {}', async () => {
  const { store, handler } = setup({ version: 'v1' });
  await handler(vectorsReady('v1', ['one']), silentContext);
  const [point] = [...store.points.values()];
  assert.deepEqual(point?.payload.meta, {});
  assert.equal(point?.payload.meta_hash, metaHash({}));
});

test('metadata that is no longer what S3 holds is not written; split is asked again, the points stay', async () => {
  const bucket = { version: 'v1' as string | undefined, userMetadata: { owner: 'alice' } };
  const { store, handler } = setup(bucket);
  await handler(vectorsReady('v1', ['one'], 3, { meta: { owner: 'alice' } }), silentContext);
  bucket.userMetadata = { owner: 'bob' };
  const reply = await handler(vectorsReady('v1', ['one'], 3, { meta: { owner: 'mallory' } }), silentContext);
  assert.equal(reply?.type, EventType.IngestRequested);
  assert.deepEqual([...store.points.values()].map((p) => p.payload.meta), [{ owner: 'alice' }], 'nothing written, nothing removed');
});

test('a metadata-only change re-writes the payloads of the same points in place', async () => {
  const bucket = { version: 'v1' as string | undefined, userMetadata: { owner: 'alice' } };
  const { store, handler } = setup(bucket);
  await handler(vectorsReady('v1', ['one', 'two'], 3, { meta: { owner: 'alice' } }), silentContext);
  const ids = [...store.points.keys()];
  bucket.userMetadata = { owner: 'bob' };
  assert.equal((await handler(vectorsReady('v1', ['one', 'two'], 3, { meta: { owner: 'bob' } }), silentContext))?.type, EventType.DocumentIndexed);
  assert.deepEqual([...store.points.keys()], ids);
  assert.deepEqual([...store.points.values()].map((p) => p.payload.meta?.owner), ['bob', 'bob']);
});

test('metadata changed while it was being written: split is asked again, the points stay', async () => {
  const bucket = { version: 'v1' as string | undefined, userMetadata: { owner: 'alice' } };
  const store = createMemoryStore();
  const upsert = store.upsert.bind(store);
  store.upsert = async (batch) => {
    await upsert(batch);
    bucket.userMetadata = { owner: 'bob' };
  };
  const { status, handler } = setup(bucket, store);
  const reply = await handler(vectorsReady('v1', ['one'], 3, { meta: { owner: 'alice' } }), silentContext);
  assert.equal(reply?.type, EventType.IngestRequested);
  assert.equal(store.points.size, 1, 'same bytes: the points are the content, only their meta is behind');
  assert.notEqual(status.records.get(docId)?.status, 'indexed');
});

test('forged: meta with a name the normaliser cannot produce is refused', () =>
  assertRefused((d) => Object.assign(d.document, { meta: { 'meta.tenant': 'victim' } }), /not a normalised name/));
test('forged: meta with too many fields is refused', () =>
  assertRefused((d) => Object.assign(d.document, { meta: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`f${i}`, 'v'])) }), /over the limit of 32/));
test('forged: a meta value over 256 characters is refused', () =>
  assertRefused((d) => Object.assign(d.document, { meta: { tenant: 'x'.repeat(257) } }), /over the limit of 256/));
test('forged: e-mail fields the extractor cannot produce are refused', () =>
  assertRefused((d) => Object.assign(d.document, { email: { subject: 'x'.repeat(513) } }), /email\.subject/));
