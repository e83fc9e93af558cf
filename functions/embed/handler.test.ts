import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloudEvent } from 'cloudevents';
import { documentId, sha256Hex } from '../../lib/documents/identity.js';
import type { DocumentLimits } from '../../lib/documents/verify.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { decodeVector } from '../../lib/embedding/vector-codec.js';
import { EventType } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { createMemoryClaimStore, createMemoryStatusStore, silentContext, testLimits } from '../../test/support/fakes.js';
import { createEmbedHandler } from './handler.js';

const docId = documentId('documents', 'a.txt');

/** Like the OpenAI-compatible embedder before its first call: dimension unknown (0). */
function remoteEmbedder(vector = [0.5, 0.5, 0.5]): Embedder & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    model: { name: 'remote', dimension: 0 },
    embed: async (texts) => (calls.push([...texts]), texts.map(() => Float32Array.from(vector))),
    close: async () => {},
  };
}

function setup(options: { embedder?: Embedder; known?: Map<string, number[]>; limits?: Partial<DocumentLimits> } = {}) {
  const embedder = options.embedder ?? remoteEmbedder();
  const claims = createMemoryClaimStore(10);
  const status = createMemoryStatusStore();
  const handler = createEmbedHandler({ embedder, claims, status, limits: testLimits(options.limits), unitChunks: 512, knownVectors: async () => new Map(options.known ?? []) });
  return { handler, claims, status };
}

const chunksReady = (texts: string[], document: Record<string, unknown> = {}) =>
  new CloudEvent({
    type: EventType.ChunksReady,
    source: '/test',
    data: {
      document: { bucket: 'documents', key: 'a.txt', docId, version: 'v1', size: 12, contentType: 'text/plain', requestedAt: new Date().toISOString(), ...document },
      chunkCount: texts.length,
      chunks: { items: texts.map((text, index) => ({ index, text, hash: sha256Hex(text) })) },
    },
  });

test("a fresh remote embedder whose chunks are all reused declares the configured model's dimension", async () => {
  const text = 'reused chunk';
  const embedder = remoteEmbedder();
  const { handler } = setup({ embedder, known: new Map([[sha256Hex(text), [0.1, 0.2, 0.3]]]) });
  const reply = await handler(chunksReady([text]), silentContext);
  assert.deepEqual((reply?.data as { model: unknown }).model, { name: 'remote', dimension: 3 });
  assert.equal(embedder.calls.length, 0, 'nothing went through the model');
});

test('a stored vector that is not one of the model (wrong length, NaN) is recomputed, not copied on', async () => {
  const embedder = remoteEmbedder([0.5, 0.5, 0.5]);
  const { handler, claims } = setup({ embedder, known: new Map([[sha256Hex('a'), [1, 2]], [sha256Hex('b'), [1, NaN, 0]]]) });
  const reply = await handler(chunksReady(['a', 'b']), silentContext);
  assert.deepEqual(embedder.calls, [['a', 'b']]);
  const { chunks } = reply?.data as { chunks: { claim: { key: string } } };
  const items = claims.objects.get(chunks.claim.key) as { vector: string }[];
  assert.deepEqual(items.map((c) => Array.from(decodeVector(c.vector))), [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
});

test('a model that disagrees with EMBED_DIMENSION is refused at start and at its first answer', async () => {
  const local: Embedder = { model: { name: 'local', dimension: 384 }, embed: async () => [], close: async () => {} };
  assert.throws(() => setup({ embedder: local }), /EMBED_DIMENSION says 3/);
  const { handler, claims } = setup({ embedder: remoteEmbedder([1, 2, 3, 4]) });
  await assert.rejects(handler(chunksReady(['x']), silentContext), /returned a 4-dimensional vector/);
  assert.equal(claims.objects.size, 0);
});

test('identical chunks of a document go through the model once, and each chunk still gets its vector', async () => {
  const embedder = remoteEmbedder();
  const { handler, claims } = setup({ embedder, limits: { maxChunks: 5000 } });
  const reply = await handler(chunksReady(Array.from({ length: 5000 }, () => 'x')), silentContext);
  assert.deepEqual(embedder.calls, [['x']]);
  const { chunkCount, chunks } = reply?.data as { chunkCount: number; chunks: { claim: { key: string } } };
  assert.equal(chunkCount, 5000);
  const items = claims.objects.get(chunks.claim.key) as { index: number; vector: string }[];
  assert.equal(items.length, 5000);
  assert.deepEqual(items.map((c) => c.index), Array.from({ length: 5000 }, (_, i) => i));
  assert.ok(items.every((c) => c.vector === items[0]!.vector));
});

test('a repeated text is looked up once among the known vectors and mixed with new ones in chunk order', async () => {
  const embedder = remoteEmbedder([0.5, 0.5, 0.5]);
  const asked: string[][] = [];
  const claims = createMemoryClaimStore(10);
  const handler = createEmbedHandler({
    embedder,
    claims,
    status: createMemoryStatusStore(),
    limits: testLimits(),
    unitChunks: 512,
    knownVectors: async (hashes) => (asked.push([...hashes]), new Map([[sha256Hex('old'), [0.1, 0.2, 0.3]]])),
  });
  const reply = await handler(chunksReady(['old', 'new', 'old', 'new', 'other']), silentContext);
  assert.deepEqual(asked, [[sha256Hex('old'), sha256Hex('new'), sha256Hex('other')]]);
  assert.deepEqual(embedder.calls, [['new', 'other']]);
  const items = claims.objects.get((reply?.data as { chunks: { claim: { key: string } } }).chunks.claim.key) as { vector: string }[];
  assert.deepEqual(items.map((c) => Array.from(decodeVector(c.vector)).map((x) => +x.toFixed(2))), [[0.1, 0.2, 0.3], [0.5, 0.5, 0.5], [0.1, 0.2, 0.3], [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
});

/** A forged chunks.ready: refused as invalid, with no status record, no claim written, no model run. */
async function assertRefused(event: CloudEvent<unknown>, reason: RegExp) {
  const embedder = remoteEmbedder();
  const { handler, claims, status } = setup({ embedder });
  await assert.rejects(handler(event, silentContext), (err: unknown) => err instanceof InvalidEventError && reason.test(err.message));
  assert.equal(status.records.size, 0);
  assert.equal(claims.objects.size, 0, 'nothing was written under any claim key (a victim\'s included)');
  assert.equal(embedder.calls.length, 0);
}

test('forged: a victim\'s docId under another key is refused', () =>
  assertRefused(chunksReady(['attacker'], { key: 'attacker.txt' }), /is not the id of documents\/attacker\.txt/));
test('forged: a bucket outside S3_BUCKET is refused', () =>
  assertRefused(chunksReady(['x'], { bucket: 'elsewhere', docId: documentId('elsewhere', 'a.txt') }), /not a configured bucket/));
test('forged: a chunk hash that is not the SHA-256 of its text is refused (it would poison reuse by hash)', () => {
  const event = chunksReady(['attacker text']);
  const data = structuredClone(event.data) as { chunks: { items: { hash: string }[] } };
  data.chunks.items[0]!.hash = sha256Hex('a popular sentence');
  return assertRefused(event.cloneWith({ data }), /hash is not the SHA-256/);
});
test('forged: a claim check outside this document\'s claim prefix is refused', async () => {
  for (const claim of [
    { bucket: 'documents', key: `claims/${docId}/v1/chunks.json`, bytes: 10 },
    { bucket: 'sluice-pipeline', key: 'dead-letters/x.json', bytes: 10 },
    { bucket: 'sluice-pipeline', key: `claims/${documentId('documents', 'b.txt')}/v1/chunks.json`, bytes: 10 },
    { bucket: 'sluice-pipeline', key: `claims/${docId}/v1/vectors.json`, bytes: 10 },
  ]) {
    const event = chunksReady(['x']);
    await assertRefused(event.cloneWith({ data: { ...(event.data as object), chunks: { claim } } }), /is not this document's chunks claim/);
  }
});
test('forged: a cycle time in the future is refused', () =>
  assertRefused(chunksReady(['x'], { requestedAt: new Date(Date.now() + 3_600_000).toISOString() }), /in the future/));
