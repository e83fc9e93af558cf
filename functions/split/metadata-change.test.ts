/**
 * A metadata-only change (same bytes, new `x-amz-meta-*` or tags, as a CopyObject onto itself
 * with MetadataDirective REPLACE makes it) through split → embed → index with in-memory stores:
 * split does not answer `unchanged`, embed finds every vector by chunk hash and never calls the
 * model, index re-writes the payloads of the same points with the new `meta`. And the other way
 * round: nothing changed at all is still `unchanged`.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import { metaHash } from '../../lib/documents/metadata.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { ChunksReadyData } from '../../lib/events/schemas.js';
import { EventType } from '../../lib/events/types.js';
import type { StoredObject } from '../../lib/storage/s3.js';
import type { VectorPoint, VectorStore } from '../../lib/vector-store/qdrant.js';
import { createMemoryClaimStore, createMemoryStatusStore, silentContext, testLimits } from '../../test/support/fakes.js';
import { createEmbedHandler } from '../embed/handler.js';
import { createIndexHandler } from '../index/handler.js';
import { createSplitHandler, type ObjectHead } from './handler.js';
import { createIsolatedSplitter } from './worker/isolated.js';

/** Upsert by id, counts by version and meta_hash, vectors by chunk hash: what the stages use of Qdrant. */
function createMemoryStore(): VectorStore & { points: Map<string, VectorPoint> } {
  const points = new Map<string, VectorPoint>();
  const of = (docId: string) => [...points.values()].filter((p) => p.payload.doc_id === docId);
  return {
    collection: 'test',
    points,
    async ensureCollection() {},
    async upsert(batch) {
      for (const p of batch) points.set(p.id, structuredClone(p));
    },
    async deleteDocument(docId, options) {
      for (const p of of(docId)) {
        if (p.payload.version === options?.keepVersion || (options?.onlyVersion && p.payload.version !== options.onlyVersion)) continue;
        points.delete(p.id);
      }
    },
    async countDocumentPoints(docId, version, hash) {
      return of(docId).filter((p) => (!version || p.payload.version === version) && (!hash || p.payload.meta_hash === hash)).length;
    },
    async search() {
      return [];
    },
    async vectorsByChunkHash(hashes) {
      const found = new Map<string, number[]>();
      for (const p of points.values()) if (hashes.includes(p.payload.chunk_hash)) found.set(p.payload.chunk_hash, p.vector);
      return found;
    },
    async upgradeLegacyCollection() {
      return false;
    },
    async documentKeys() {
      return new Set<string>();
    },
  };
}

/** Counts every text it is asked to embed. */
function countingEmbedder(): Embedder & { texts: number } {
  const embedder = {
    texts: 0,
    model: { name: 'test-model', dimension: 3 },
    async embed(texts: readonly string[]) {
      embedder.texts += texts.length;
      return texts.map((t) => Float32Array.from([t.length, 1, 0]));
    },
    async close() {},
  };
  return embedder;
}

const splitter = createIsolatedSplitter(
  { maxPages: 100, maxExtractedChars: 1_000_000, maxInflateRatio: 100, maxNestingDepth: 1000 },
  { size: 200, overlap: 20 },
  { deadlineMs: 30_000, maxMemoryMb: 128, size: 1 },
);
after(() => splitter.close());

const bytes = Buffer.from('# Handbook\nOn-call rotates weekly.\n## Escalation\nPage the secondary after fifteen minutes.\n## Holidays\nSwap shifts in the rota.');
const object: StoredObject & ObjectHead = { bytes, etag: 'etag-same-bytes', contentType: 'text/markdown', size: bytes.byteLength, userMetadata: { owner: 'alice' }, tags: { team: 'sre' } };
const docId = documentId('documents', 'handbook.md');

function pipeline() {
  const store = createMemoryStore();
  const status = createMemoryStatusStore();
  const claims = createMemoryClaimStore();
  const embedder = countingEmbedder();
  const s3 = { ...object };
  let downloads = 0;
  const split = createSplitHandler({
    readObject: async () => (downloads++, s3),
    headObject: async () => s3,
    countIndexed: (id, version, hash) => store.countDocumentPoints(id, version, hash),
    status,
    claims,
    splitter,
    limits: testLimits(),
  });
  const embed = createEmbedHandler({ embedder, claims, status, knownVectors: (hashes) => store.vectorsByChunkHash(hashes), limits: testLimits(), unitChunks: 512 });
  const index = createIndexHandler({ store, status, claims, limits: testLimits(), currentObject: async () => ({ version: s3.etag, userMetadata: s3.userMetadata, tags: s3.tags }) });
  let tick = Date.now() - 60_000;
  /** One object event through the three stages; the last reply. */
  const run = async () => {
    const event = new CloudEvent({ type: EventType.ObjectUpdated, source: '/test', time: new Date((tick += 1000)).toISOString(), data: { bucket: 'documents', key: 'handbook.md' } });
    const chunks = await split(event, silentContext);
    if (chunks?.type !== EventType.ChunksReady) return chunks;
    const vectors = await embed(chunks, silentContext);
    return index(vectors!, silentContext);
  };
  return { store, status, embedder, s3, run, downloads: () => downloads };
}

test('a metadata-only change re-writes every payload with no model call', async () => {
  const { store, embedder, s3, run } = pipeline();
  assert.equal((await run())?.type, EventType.DocumentIndexed);
  const embeddedFirst = embedder.texts;
  assert.ok(embeddedFirst > 1, 'the first ingest embeds every chunk');
  const ids = [...store.points.keys()].sort();
  assert.ok([...store.points.values()].every((p) => p.payload.meta?.owner === 'alice' && p.payload.meta?.team === 'sre'));

  // CopyObject onto itself with MetadataDirective REPLACE: same bytes, same ETag, new metadata.
  s3.userMetadata = { owner: 'bob', project: 'Apollo' };
  assert.equal((await run())?.type, EventType.DocumentIndexed, 'not unchanged: the index holds other metadata');
  assert.equal(embedder.texts, embeddedFirst, 'no chunk went through the model');
  assert.deepEqual([...store.points.keys()].sort(), ids, 'the same points, re-written in place');
  for (const point of store.points.values()) {
    assert.deepEqual(point.payload.meta, { owner: 'bob', project: 'Apollo', team: 'sre' });
    assert.equal(point.payload.meta_hash, metaHash({ owner: 'bob', project: 'Apollo', team: 'sre' }));
  }

  // A tag change alone counts the same way.
  s3.tags = { team: 'platform' };
  await run();
  assert.equal(embedder.texts, embeddedFirst);
  assert.ok([...store.points.values()].every((p) => p.payload.meta?.team === 'platform'));
});

test('nothing changed, metadata included: unchanged, no download', async () => {
  const { status, embedder, run, downloads } = pipeline();
  await run();
  const before = { embedded: embedder.texts, downloads: downloads() };
  const reply = await run();
  assert.equal(reply?.type, EventType.DocumentUnchanged);
  assert.deepEqual((reply?.data as { document: { meta: unknown } }).document.meta, { owner: 'alice', team: 'sre' });
  assert.equal(status.records.get(docId)?.status, 'unchanged');
  assert.deepEqual({ embedded: embedder.texts, downloads: downloads() }, before);
});

test("split carries S3's metadata, normalised, in the chunks event; what it leaves out is not passed on", async () => {
  const { s3 } = pipeline();
  s3.userMetadata = { 'Cost-Center': 'R&D', empty: '', owner: 'alice' };
  s3.tags = { owner: 'tag-owner', bad: 'a\u0000b' };
  const split = createSplitHandler({
    readObject: async () => s3,
    headObject: async () => s3,
    countIndexed: async () => 0,
    status: createMemoryStatusStore(),
    claims: createMemoryClaimStore(),
    splitter,
    limits: testLimits(),
  });
  const reply = await split(new CloudEvent({ type: EventType.ObjectCreated, source: '/test', data: { bucket: 'documents', key: 'handbook.md' } }), silentContext);
  assert.deepEqual(ChunksReadyData.parse(reply?.data).document.meta, { cost_center: 'R&D', owner: 'alice' });
});

test("an e-mail's subject, from, to and date travel as the document's email fields", async () => {
  const mail = Buffer.from(['From: Ada <ada@example.org>', 'To: bob@example.org', 'Subject: Rota', 'Date: Tue, 10 Dec 2024 09:30:00 +0000', '', 'Swap shifts in the rota.', ''].join('\r\n'));
  const stored = { bytes: mail, etag: 'etag-mail', contentType: 'message/rfc822', size: mail.byteLength };
  const split = createSplitHandler({
    readObject: async () => stored,
    headObject: async () => stored,
    countIndexed: async () => 0,
    status: createMemoryStatusStore(),
    claims: createMemoryClaimStore(),
    splitter,
    limits: testLimits(),
  });
  const reply = await split(new CloudEvent({ type: EventType.ObjectCreated, source: '/test', data: { bucket: 'documents', key: 'rota.eml' } }), silentContext);
  const { document } = ChunksReadyData.parse(reply?.data);
  assert.deepEqual(document.email, { subject: 'Rota', date: '2024-12-10T09:30:00.000Z', from: ['Ada <ada@example.org>'], to: ['bob@example.org'] });
  assert.deepEqual(document.meta, {});
});
