/**
 * Forged events posted straight to the functions of the real stack (past the broker), as a
 * compromised sender would. Each one names a victim document that was indexed first; each must
 * be refused with a 400 and change nothing: not the buckets' objects, not the claims, not the
 * victim's (or the attacker's) points, texts and vectors, not their status transitions, not the
 * collection's dimension. (Refused events are parked as dead letters by design; those are the
 * only pipeline objects a refusal adds, and they are left out of the comparison.)
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { documentId, sha256Hex } from '../../lib/documents/identity.js';
import { encodeVector } from '../../lib/embedding/vector-codec.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { claimKey } from '../../lib/storage/claim-check.js';
import { statusCollectionName } from '../../lib/status/index.js';
import { postDirect } from '../support/events.js';
import { qdrant } from '../support/qdrant.js';
import { api, bucket, config, putObject, repoRoot, s3, waitFor, waitIndexed } from '../support/stack.js';

const fn = (port: number) => `http://127.0.0.1:${port}/`;
const victimKey = 'security/victim.md';
const attackerKey = 'security/attacker.md';
const payloadKey = 'security/payload.txt';
const victimId = documentId(bucket, victimKey);
const attackerId = documentId(bucket, attackerKey);
const DIMENSION = config.EMBED_DIMENSION;

let victimVersion = '';
let attackerVersion = '';

/** Chunks carrying the attacker's text, each with a correct hash and a model-sized vector unless told otherwise. */
function attackerChunks(texts = ['The attacker wrote this over the victim.'], dimension = DIMENSION) {
  return texts.map((text, index) => ({ index, text, hash: sha256Hex(text), vector: encodeVector(new Float32Array(dimension).fill(0.05)) }));
}

function documentRef(key: string, version: string, overrides: Record<string, unknown> = {}) {
  return { bucket, key, docId: documentId(bucket, key), version, size: 64, contentType: 'text/markdown', ...overrides };
}

function vectorsReady(document: Record<string, unknown>, chunks: { items?: unknown[]; claim?: unknown }, dimension = DIMENSION) {
  const count = chunks.items?.length ?? 1;
  return new CloudEvent({
    type: EventType.VectorsReady,
    source: EventSource.embed,
    subject: String(document.key),
    datacontenttype: 'application/json',
    data: { document, model: { name: 'forged', dimension }, chunkCount: count, chunks },
  });
}

async function listObjects(inBucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: inBucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) keys.push(`${o.Key} ${o.ETag} ${o.Size}`);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

async function scrollAll(collection: string, filter: Record<string, unknown>, withVector: boolean): Promise<unknown[]> {
  const points: unknown[] = [];
  let offset: string | number | undefined;
  do {
    const page = await qdrant.scroll(collection, { filter, limit: 256, with_payload: true, with_vector: withVector, ...(offset !== undefined ? { offset } : {}) });
    points.push(...page.points.map((p) => ({ id: p.id, payload: p.payload, vector: p.vector })));
    offset = (page.next_page_offset ?? undefined) as string | number | undefined;
  } while (offset !== undefined);
  return points.sort((a, b) => String((a as { id: unknown }).id).localeCompare(String((b as { id: unknown }).id)));
}

/** Everything a forged event could have touched. */
async function snapshot() {
  const ours = { should: [{ key: 'doc_id', match: { any: [victimId, attackerId] } }, { key: 'key', match: { any: [victimKey, attackerKey] } }] };
  const info = await qdrant.getCollection(config.QDRANT_COLLECTION);
  return {
    documents: await listObjects(bucket),
    claims: await listObjects(config.S3_PIPELINE_BUCKET, 'claims/'),
    points: await scrollAll(config.QDRANT_COLLECTION, ours, true),
    dimension: ((v) => v.dense?.size ?? v.size)(info.config.params.vectors as { size?: number; dense?: { size?: number } }),
    status: await scrollAll(statusCollectionName(config.QDRANT_COLLECTION), ours, false),
  };
}

let baseline: Awaited<ReturnType<typeof snapshot>>;

/** A snapshot once the pipeline has finished with our documents (status transitions are pruned a moment after `indexed`). */
async function settled(): Promise<Awaited<ReturnType<typeof snapshot>>> {
  for (const key of [victimKey, attackerKey, payloadKey]) {
    await waitFor(`${key} to be recorded indexed`, async () => ((await api.status(key).catch(() => undefined))?.status === 'indexed' ? true : undefined));
  }
  let previous = await snapshot();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1500));
    const next = await snapshot();
    if (JSON.stringify(next) === JSON.stringify(previous)) return next;
    previous = next;
  }
}

async function assertRefused(url: string, event: CloudEvent<unknown>, reason: RegExp): Promise<void> {
  // With a valid token of the Broker's dispatchers: a compromised sender that has one.
  const res = await postDirect(url, event, { service: serviceAt(url) });
  const body = await res.text();
  assert.equal(res.status, 400, `expected a 400, got ${res.status}: ${body}`);
  assert.match(body, reason);
  assert.deepEqual(await snapshot(), baseline, 'a refused event changes nothing');
}

/** The second index process of the fresh-collection tests listens on a port of its own. */
let freshIndexPort = 0;
function serviceAt(url: string): string {
  const port = Number(new URL(url).port);
  const byPort: Record<number, string> = { [config.SPLIT_PORT]: 'sluice-split', [config.EMBED_PORT]: 'sluice-embed', [config.INDEX_PORT]: 'sluice-index', [freshIndexPort]: 'sluice-index' };
  return byPort[port] ?? 'sluice-index';
}

describe('forged events posted straight to the functions', () => {
  before(async () => {
    victimVersion = await putObject(victimKey, '# Quarterly numbers\n\nThe victim document: revenue grew by eleven percent in the northern region.');
    attackerVersion = await putObject(attackerKey, '# Attacker\n\nAn ordinary document the attacker is allowed to upload.');
    // A JSON payload the attacker can place in a document bucket, shaped like a vectors claim.
    const payloadVersion = await putObject(payloadKey, JSON.stringify(attackerChunks()));
    await Promise.all([waitIndexed(victimKey, victimVersion), waitIndexed(attackerKey, attackerVersion), waitIndexed(payloadKey, payloadVersion)]);
    baseline = await settled();
    assert.ok(baseline.points.length >= 2, 'the victim and the attacker document are indexed');
  });

  test('index: a victim\'s docId on the attacker\'s own (current) document', () =>
    assertRefused(fn(config.INDEX_PORT), vectorsReady(documentRef(attackerKey, attackerVersion, { docId: victimId }), { items: attackerChunks() }), /is not the id of/));

  test('index: the victim\'s own reference with a hash that is not its text\'s', () => {
    const items = attackerChunks().map((c) => ({ ...c, hash: sha256Hex('revenue grew by eleven percent') }));
    return assertRefused(fn(config.INDEX_PORT), vectorsReady(documentRef(victimKey, victimVersion), { items }), /hash is not the SHA-256/);
  });

  test('index: vectors of another dimension than the configured model', () =>
    assertRefused(fn(config.INDEX_PORT), vectorsReady(documentRef(victimKey, victimVersion), { items: attackerChunks(undefined, 8) }, 8), /configured model has 384/));

  test('index: an empty chunk list for the victim\'s current version (would drop its points)', () => {
    const event = vectorsReady(documentRef(victimKey, victimVersion), { items: [] });
    return assertRefused(fn(config.INDEX_PORT), event.cloneWith({ data: { ...(event.data as object), chunkCount: 0 } }), /without chunks/);
  });

  test('index: a claim check in a document bucket', () =>
    assertRefused(fn(config.INDEX_PORT), vectorsReady(documentRef(victimKey, victimVersion), { claim: { bucket, key: payloadKey, bytes: 100 } }), /not this document's vectors claim/));

  test('index: a claim check among the dead letters, or another document\'s claim', async () => {
    const body = JSON.stringify(attackerChunks());
    const planted = [`dead-letters/forged-${Date.now()}.json`, claimKey('vectors', attackerId, attackerVersion)];
    for (const key of planted) await s3.send(new PutObjectCommand({ Bucket: config.S3_PIPELINE_BUCKET, Key: key, Body: body }));
    try {
      baseline = await settled();
      for (const key of planted) {
        const claim = { bucket: config.S3_PIPELINE_BUCKET, key, bytes: Buffer.byteLength(body) };
        await assertRefused(fn(config.INDEX_PORT), vectorsReady(documentRef(victimKey, victimVersion), { claim }), /not this document's vectors claim/);
      }
    } finally {
      for (const key of planted) await s3.send(new DeleteObjectCommand({ Bucket: config.S3_PIPELINE_BUCKET, Key: key }));
      baseline = await settled();
    }
  });

  test('index: object.deleted for a bucket outside S3_BUCKET', () =>
    assertRefused(
      fn(config.INDEX_PORT),
      new CloudEvent({ type: EventType.ObjectDeleted, source: EventSource.seaweedfs(bucket), data: { bucket: config.S3_PIPELINE_BUCKET, key: 'claims/x' } }),
      /not a configured bucket/,
    ));

  test('embed: a victim\'s docId under the attacker\'s key, and a forged hash', async () => {
    const chunksReady = (document: Record<string, unknown>, items: unknown[]) =>
      new CloudEvent({ type: EventType.ChunksReady, source: EventSource.split, datacontenttype: 'application/json', data: { document, chunkCount: items.length, chunks: { items } } });
    const text = 'The attacker wrote this over the victim.';
    await assertRefused(fn(config.EMBED_PORT), chunksReady(documentRef(attackerKey, attackerVersion, { docId: victimId }), [{ index: 0, text, hash: sha256Hex(text) }]), /is not the id of/);
    await assertRefused(
      fn(config.EMBED_PORT),
      chunksReady(documentRef(victimKey, victimVersion), [{ index: 0, text, hash: sha256Hex('revenue grew by eleven percent') }]),
      /hash is not the SHA-256/,
    );
    await assertRefused(
      fn(config.EMBED_PORT),
      new CloudEvent({
        type: EventType.ChunksReady,
        source: EventSource.split,
        data: { document: documentRef(victimKey, victimVersion), chunkCount: 1, chunks: { claim: { bucket, key: victimKey, bytes: 10 } } },
      }),
      /not this document's chunks claim/,
    );
  });

  test('split: reading out of the pipeline bucket, and an event dated in the future', async () => {
    await assertRefused(
      fn(config.SPLIT_PORT),
      new CloudEvent({ type: EventType.IngestRequested, source: '/attacker', data: { bucket: config.S3_PIPELINE_BUCKET, key: 'dead-letters/anything.json' } }),
      /not a configured bucket/,
    );
    await assertRefused(
      fn(config.SPLIT_PORT),
      new CloudEvent({ type: EventType.ObjectUpdated, source: EventSource.seaweedfs(bucket), time: new Date(Date.now() + 86_400_000).toISOString(), data: { bucket, key: victimKey } }),
      /in the future/,
    );
  });

  describe('an index process on a fresh collection, with a small claim cap', () => {
    const collection = `sluice-fresh-${Date.now()}`;
    let child: ChildProcess | undefined;
    let url = '';
    let output = '';

    before(async () => {
      const port = await freePort();
      url = fn(port);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        INDEX_PORT: String(port),
        QDRANT_COLLECTION: collection,
        MAX_CLAIM_BYTES: '65536',
        // The second index runs as the real one does: as sluice-index, receiving for sluice-index.
        OIDC_CLIENT_ID: 'sluice-index',
        OIDC_CLIENT_SECRET_FILE: join(process.env.SLUICE_DATA_DIR ?? '.sluice', 'oidc', 'clients', 'sluice-index.secret'),
        K_SERVICE: 'sluice-index',
      };
      freshIndexPort = port;
      delete env.PORT;
      child = spawn(process.execPath, ['--import', 'tsx', 'functions/index/server.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      await waitFor(`the extra index process (${output.slice(-500)})`, async () => ((await fetch(new URL('/health/readiness', url))).ok ? true : undefined), 60_000);
    });
    after(async () => {
      if (child && child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      for (const name of [collection, statusCollectionName(collection)]) await qdrant.deleteCollection(name).catch(() => undefined);
    });

    const freshUntouched = async () => {
      assert.equal((await qdrant.collectionExists(collection)).exists, false, 'the fresh collection was never created: no dimension was fixed');
      assert.equal((await qdrant.collectionExists(statusCollectionName(collection))).exists, false, 'no status was recorded');
    };

    test('the first event carries the wrong dimension: refused before the collection is created', async () => {
      await assertRefused(url, vectorsReady(documentRef(victimKey, victimVersion), { items: attackerChunks(undefined, 8) }, 8), /configured model has 384/);
      await freshUntouched();
    });

    test('an oversized claim at the right key: refused by its declared size, and when it lies about it', async () => {
      const key = claimKey('vectors', victimId, victimVersion);
      const body = JSON.stringify(attackerChunks(Array.from({ length: 120 }, (_, i) => `attacker chunk ${i} `.padEnd(400, 'x'))));
      assert.ok(Buffer.byteLength(body) > 65536);
      await s3.send(new PutObjectCommand({ Bucket: config.S3_PIPELINE_BUCKET, Key: key, Body: body }));
      try {
        baseline = await settled();
        const event = (bytes: number) => vectorsReady(documentRef(victimKey, victimVersion), { claim: { bucket: config.S3_PIPELINE_BUCKET, key, bytes } });
        await assertRefused(url, event(Buffer.byteLength(body)), /over the limit of 65536/);
        await assertRefused(url, event(1000), /larger than it declares/);
        await freshUntouched();
      } finally {
        await s3.send(new DeleteObjectCommand({ Bucket: config.S3_PIPELINE_BUCKET, Key: key }));
        baseline = await settled();
      }
    });

    test('the same process indexes the genuine vectors of the victim (the refusals were not a broken process)', async () => {
      const stored = (await scrollAll(config.QDRANT_COLLECTION, { must: [{ key: 'doc_id', match: { value: victimId } }] }, true)) as {
        payload: { chunk_index: number; text: string; chunk_hash: string; heading?: string };
        // Named vectors (dense + sparse) since hybrid search; a plain array on older collections.
        vector: number[] | { dense: number[] };
      }[];
      const items = stored
        .sort((a, b) => a.payload.chunk_index - b.payload.chunk_index)
        .map(({ payload, vector }) => ({
          index: payload.chunk_index,
          text: payload.text,
          hash: payload.chunk_hash,
          ...(payload.heading !== undefined ? { heading: payload.heading } : {}),
          vector: encodeVector(Float32Array.from(Array.isArray(vector) ? vector : vector.dense)),
        }));
      const res = await postDirect(url, vectorsReady(documentRef(victimKey, victimVersion), { items }), { service: 'sluice-index' });
      assert.equal(res.status, 200, await res.text());
      const info = await qdrant.getCollection(collection);
      // Named vectors since hybrid search (`dense` + `sparse`), a plain one on older collections.
      const vectors = info.config.params.vectors as { size?: number; dense?: { size?: number } };
      assert.equal(vectors.dense?.size ?? vectors.size, DIMENSION);
      assert.equal((await qdrant.count(collection, { exact: true })).count, items.length);
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
