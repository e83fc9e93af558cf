/**
 * embed on a document larger than one unit: the hand-off, one unit per delivery, resuming a
 * redelivered unit, the last unit gathering every unit's vectors, and the cursor's checks.
 * The "broker" here is a loop that hands each chunks.embedding reply back to the handler.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloudEvent } from 'cloudevents';
import { documentId, sha256Hex } from '../../lib/documents/identity.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { decodeVector } from '../../lib/embedding/vector-codec.js';
import { EmbeddingUnavailableError } from '../../lib/embedding/errors.js';
import { EventType } from '../../lib/events/types.js';
import { EmbedProgressData, VectorsReadyData, type Chunk, type EmbeddedChunk } from '../../lib/events/schemas.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { embedUnits } from '../../lib/runtime/metrics.js';
import { claimKey, unitClaimKey } from '../../lib/storage/claim-check.js';
import { createMemoryClaimStore, createMemoryStatusStore, silentContext, testLimits } from '../../test/support/fakes.js';
import { createEmbedHandler, MAX_REWINDS } from './handler.js';

const docId = documentId('documents', 'big.txt');
const UNIT = 4;

/** Vector of a text: [its length, its first character code, 1], so a mix-up shows. */
const vectorOf = (text: string) => [text.length, text.charCodeAt(0), 1];

function fakeEmbedder(): Embedder & { calls: string[][]; failNext: number } {
  const embedder = {
    calls: [] as string[][],
    failNext: 0,
    model: { name: 'fake', dimension: 3 },
    async embed(texts: readonly string[]) {
      if (embedder.failNext > 0) {
        embedder.failNext--;
        throw new EmbeddingUnavailableError('busy');
      }
      embedder.calls.push([...texts]);
      return texts.map((t) => Float32Array.from(vectorOf(t)));
    },
    close: async () => {},
  };
  return embedder;
}

function setup() {
  const embedder = fakeEmbedder();
  const claims = createMemoryClaimStore(10);
  const status = createMemoryStatusStore();
  const handler = createEmbedHandler({ embedder, claims, status, limits: testLimits(), unitChunks: UNIT, knownVectors: async () => new Map() });
  return { handler, embedder, claims, status };
}

const chunksOf = (texts: readonly string[]): Chunk[] => texts.map((text, index) => ({ index, text, hash: sha256Hex(text) }));
const document = { bucket: 'documents', key: 'big.txt', docId, version: 'v1', size: 100, contentType: 'text/plain', requestedAt: new Date().toISOString() };

/** chunks.ready with its chunks in a claim, as split sends a large document. */
async function chunksReady(claims: ReturnType<typeof createMemoryClaimStore>, texts: readonly string[]): Promise<CloudEvent<unknown>> {
  const chunks = await claims.pack(chunksOf(texts), claimKey('chunks', docId, 'v1'));
  assert.ok('claim' in chunks);
  return new CloudEvent({ type: EventType.ChunksReady, source: '/test', subject: 'big.txt', data: { document, chunkCount: texts.length, chunks } });
}

/** An event as the next receiver gets it: through JSON, as on the wire. */
const wire = (event: CloudEvent<unknown>) => new CloudEvent({ type: event.type, source: event.source, subject: event.subject, data: JSON.parse(JSON.stringify(event.data)) });

/** Delivers `event` and every chunks.embedding that follows; returns the final reply and the units visited. */
async function drive(handler: ReturnType<typeof setup>['handler'], event: CloudEvent<unknown>) {
  const visited: number[] = [];
  let reply = await handler(event, silentContext);
  while (reply?.type === EventType.EmbedProgress) {
    visited.push(EmbedProgressData.parse(reply.data).unit);
    reply = await handler(wire(reply), silentContext);
  }
  return { reply, visited };
}

function vectorsOf(claims: ReturnType<typeof createMemoryClaimStore>, reply: CloudEvent<unknown> | undefined): EmbeddedChunk[] {
  assert.equal(reply?.type, EventType.VectorsReady);
  const data = VectorsReadyData.parse(reply!.data);
  assert.ok(data.chunks.claim);
  return claims.objects.get(data.chunks.claim.key) as EmbeddedChunk[];
}

const units = async (outcome: string) => (await embedUnits.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
const texts10 = Array.from({ length: 10 }, (_, i) => `text number ${i}`);

describe('embed, a document of several units', () => {
  it('hands off at once, embeds one unit per delivery and ends with every chunk\'s vector in one vectors.ready', async () => {
    const { handler, embedder, claims, status } = setup();
    const embeddedBefore = await units('embedded');
    const first = await handler(await chunksReady(claims, texts10), silentContext);
    assert.equal(first?.type, EventType.EmbedProgress);
    assert.deepEqual(EmbedProgressData.parse(first!.data), { ...EmbedProgressData.parse(first!.data), unit: 0, rewinds: 0, chunkCount: 10 });
    assert.deepEqual(embedder.calls, [], 'the hand-off runs no model');
    assert.equal(status.records.get(docId)?.status, 'embedding');

    const { reply, visited } = await drive(handler, wire(first!));
    assert.deepEqual(visited, [1, 2]);
    assert.deepEqual(embedder.calls, [texts10.slice(0, 4), texts10.slice(4, 8), texts10.slice(8)], 'one unit per delivery');
    const embedded = vectorsOf(claims, reply);
    assert.deepEqual(embedded.map((c) => c.text), texts10);
    assert.deepEqual(embedded.map((c) => Array.from(decodeVector(c.vector))), texts10.map(vectorOf));
    assert.equal(VectorsReadyData.parse(reply!.data).chunkCount, 10);
    assert.equal((await units('embedded')) - embeddedBefore, 3);
    assert.ok(claims.objects.has(unitClaimKey(docId, 'v1', UNIT, 2)), 'unit vectors are kept under the version (index deletes them with it)');
  });

  it('cuts units by distinct text: repeats are embedded once, and get their vectors back in place', async () => {
    const { handler, embedder, claims } = setup();
    const texts = [...texts10.slice(0, 5), ...texts10.slice(0, 5), ...texts10.slice(5), 'text number 0'];
    const { reply, visited } = await drive(handler, await chunksReady(claims, texts));
    assert.deepEqual(visited, [0, 1, 2]);
    assert.deepEqual(embedder.calls.flat(), texts10);
    assert.deepEqual(vectorsOf(claims, reply).map((c) => Array.from(decodeVector(c.vector))), texts.map(vectorOf));
  });

  it('a document of one unit goes straight to vectors.ready, as before', async () => {
    const { handler, embedder, claims } = setup();
    const { reply, visited } = await drive(handler, await chunksReady(claims, ['a1', 'b2', 'a1', 'c3', 'd4']));
    assert.deepEqual(visited, []);
    assert.deepEqual(embedder.calls, [['a1', 'b2', 'c3', 'd4']]);
    assert.equal(vectorsOf(claims, reply).length, 5);
  });

  it('a redelivered unit resumes: stored units are read back, not recomputed', async () => {
    const { handler, embedder, claims } = setup();
    const unit0 = wire((await handler(await chunksReady(claims, texts10), silentContext))!);
    const unit1 = wire((await handler(unit0, silentContext))!);
    // The broker lost the answer to unit 0 and delivers it again: no model run, same cursor.
    const resumedBefore = await units('resumed');
    const again = await handler(unit0, silentContext);
    assert.equal(EmbedProgressData.parse(again!.data).unit, 1);
    assert.equal(embedder.calls.length, 1);
    assert.equal((await units('resumed')) - resumedBefore, 1);
    // The model is overloaded during unit 1: a 503 to the broker, whose retry does unit 1 only.
    embedder.failNext = 1;
    await assert.rejects(handler(unit1, silentContext), EmbeddingUnavailableError);
    const { reply, visited } = await drive(handler, unit1);
    assert.deepEqual(visited, [2]);
    assert.deepEqual(embedder.calls, [texts10.slice(0, 4), texts10.slice(4, 8), texts10.slice(8)]);
    assert.deepEqual(vectorsOf(claims, reply).map((c) => c.text), texts10);
  });

  it('a unit whose stored vectors are wrong (other hashes, NaN) is recomputed, not copied on', async () => {
    const { handler, embedder, claims } = setup();
    const unit0 = wire((await handler(await chunksReady(claims, texts10), silentContext))!);
    await handler(unit0, silentContext);
    const key = unitClaimKey(docId, 'v1', UNIT, 0);
    const stored = claims.objects.get(key) as { hash: string; vector: string }[];
    claims.objects.set(key, stored.map((item, i) => (i === 0 ? { ...item, vector: Buffer.from(new Float32Array([NaN, 0, 0]).buffer).toString('base64') } : item)));
    await handler(unit0, silentContext);
    assert.deepEqual(embedder.calls, [texts10.slice(0, 4), texts10.slice(0, 4)]);
    claims.objects.set(key, [...stored.slice(1), { hash: sha256Hex('another text'), vector: stored[0]!.vector }]);
    await handler(unit0, silentContext);
    assert.equal(embedder.calls.length, 3);
  });

  it('the last unit sends the cursor back to a unit whose vectors are gone, a bounded number of times', async () => {
    const { handler, embedder, claims } = setup();
    let event = wire((await handler(await chunksReady(claims, texts10), silentContext))!);
    event = wire((await handler(event, silentContext))!);
    event = wire((await handler(event, silentContext))!);
    assert.equal(EmbedProgressData.parse(event.data).unit, 2);
    claims.objects.delete(unitClaimKey(docId, 'v1', UNIT, 0));
    const back = await handler(event, silentContext);
    assert.deepEqual({ unit: EmbedProgressData.parse(back!.data).unit, rewinds: EmbedProgressData.parse(back!.data).rewinds }, { unit: 0, rewinds: 1 });
    const { reply } = await drive(handler, wire(back!));
    assert.deepEqual(vectorsOf(claims, reply).map((c) => c.text), texts10);
    assert.deepEqual(embedder.calls, [texts10.slice(0, 4), texts10.slice(4, 8), texts10.slice(8), texts10.slice(0, 4)], 'only the lost unit again');

    claims.objects.delete(unitClaimKey(docId, 'v1', UNIT, 1));
    const exhausted = new CloudEvent({ ...event.toJSON(), data: { ...EmbedProgressData.parse(event.data), rewinds: MAX_REWINDS } });
    await assert.rejects(handler(exhausted, silentContext), /went missing/);
  });

  it('a cursor past the last unit (EMBED_UNIT_CHUNKS changed since) restarts from the first unit of the new cut', async () => {
    const { handler, embedder, claims } = setup();
    const event = wire((await handler(await chunksReady(claims, texts10), silentContext))!);
    const stale = new CloudEvent({ ...event.toJSON(), data: { ...EmbedProgressData.parse(event.data), unit: 7 } });
    const back = await handler(stale, silentContext);
    assert.equal(EmbedProgressData.parse(back!.data).unit, 0);
    assert.deepEqual(embedder.calls, []);
  });
});

describe('embed, forged chunks.embedding events', () => {
  async function assertRefused(tamper: (data: EmbedProgressData) => unknown, reason: RegExp) {
    const { handler, embedder, claims } = setup();
    const event = wire((await handler(await chunksReady(claims, texts10), silentContext))!);
    const before = claims.objects.size;
    const forged = new CloudEvent({ ...event.toJSON(), data: tamper(EmbedProgressData.parse(event.data)) });
    await assert.rejects(handler(forged, silentContext), (err: unknown) => err instanceof InvalidEventError && reason.test(err.message));
    assert.equal(claims.objects.size, before, 'nothing written');
    assert.deepEqual(embedder.calls, []);
  }

  it('refuses a unit past the chunks of the document', () =>
    assertRefused((data) => ({ ...data, unit: 10 }), /unit 10 is past the 10 chunks/));
  it("refuses another document's chunks claim", () =>
    assertRefused((data) => ({ ...data, chunks: { claim: { ...data.chunks.claim!, key: claimKey('chunks', documentId('documents', 'other.txt'), 'v1') } } }), /is not this document's chunks claim/));
  it("refuses a victim's docId under another key", () =>
    assertRefused((data) => ({ ...data, document: { ...data.document, key: 'attacker.txt' } }), /is not the id of documents\/attacker\.txt/));
  it('refuses a chunk count that is not the claim\'s', () =>
    assertRefused((data) => ({ ...data, chunkCount: 11 }), /chunkCount 11 does not match/));
  it('refuses a cursor without its unit', () =>
    assertRefused(({ unit: _unit, ...data }) => data, /data does not match the schema/));
});
