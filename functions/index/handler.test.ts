import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { documentId, sha256Hex } from '../../lib/documents/identity.js';
import { encodeVector } from '../../lib/embedding/vector-codec.js';
import { EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import type { VectorPoint, VectorStore } from '../../lib/vector-store/qdrant.js';
import { createMemoryClaimStore, createMemoryStatusStore, silentContext } from '../../test/support/fakes.js';
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
    async countDocumentPoints(docId: string, version?: string) {
      return [...points.values()].filter((p) => p.payload.doc_id === docId && (!version || p.payload.version === version)).length;
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
function setup(current: { version: string | undefined }, store = createMemoryStore()) {
  const status = createMemoryStatusStore();
  const handler = createIndexHandler({ store, status, claims: createMemoryClaimStore(), currentVersion: async () => current.version, now: () => new Date('2026-01-01T00:00:00Z') });
  return { store, status, handler };
}
const vectorsReady = (version: string, texts: string[], dimension = 3) =>
  new CloudEvent({
    type: EventType.VectorsReady,
    source: '/test',
    data: {
      document: { bucket: 'documents', key: 'a.md', docId, version, sequence: '1', size: 10, contentType: 'text/markdown' },
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

test('every point carries the sparse vector of its heading and text', async () => {
  const { store, handler } = setup({ version: 'v1' });
  await handler(vectorsReady('v1', ['pg_waldump decodes the WAL']), silentContext);
  const [point] = [...store.points.values()];
  assert.ok(point);
  assert.deepEqual(point.sparse, chunkSparseVector({ text: 'pg_waldump decodes the WAL', heading: 'H' }));
  assert.ok(point.sparse.indices.includes(termIndex('pg_waldump')));
});
