/**
 * Contract test for the vector store: the Qdrant REST behaviour Sluice relies on, exercised
 * through @qdrant/js-client-rest.
 *
 * With QDRANT_URL set it runs against that server (a real Qdrant must pass it too, so it
 * only asserts behaviour real Qdrant has). Without it, the test starts
 * local/qdrant-edge-gateway on a free loopback port with a temporary data directory, and
 * additionally checks what only a process it owns can show: data acknowledged before a
 * SIGKILL is there after a restart, and SIGTERM exits cleanly.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import { seededRandom } from '../support/random.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
const GATEWAY_SCRIPT = path.join(REPO_ROOT, 'local', 'qdrant-edge-gateway', 'gateway.py');

const DIMENSIONS = 384;
const DOCUMENTS = 5;
const CHUNKS_PER_DOCUMENT = 10;
const POINT_COUNT = DOCUMENTS * CHUNKS_PER_DOCUMENT;
const GATEWAY_START_TIMEOUT_MS = 30_000;

// --- the gateway process, when this test owns it --------------------------------------------

interface OwnedGateway {
  child: ChildProcess;
  url: string;
  port: number;
  /** The gateway's stderr so far, shown when something fails. */
  log: () => string;
}

async function startGateway(dataDir: string, port: number, apiKey: string): Promise<OwnedGateway> {
  const child = spawn(
    PYTHON,
    [GATEWAY_SCRIPT, '--data-dir', dataDir, '--host', '127.0.0.1', '--port', String(port)],
    { env: { ...process.env, QDRANT_API_KEY: apiKey }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  const log = (): string => stderr;
  const url = await waitForListeningUrl(child, log);
  await waitForReady(url, log);
  return { child, url, port: Number(new URL(url).port), log };
}

/** The gateway prints `... listening on http://HOST:PORT` once it serves every collection. */
function waitForListeningUrl(child: ChildProcess, log: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error('gateway did not start in time')), GATEWAY_START_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      reject(new Error(`${error.message}\n--- gateway stderr ---\n${log()}`));
    };
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`gateway exited early (${code ?? signal})`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(match[1]);
      }
    });
  });
}

async function waitForReady(url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + GATEWAY_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const response = await fetch(`${url}/readyz`).catch(() => undefined);
    if (response?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gateway never became ready\n--- gateway stderr ---\n${log()}`);
}

function stopGateway(gateway: OwnedGateway, signal: NodeJS.Signals): Promise<number | null> {
  const { child } = gateway;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

// --- test data ---------------------------------------------------------------------------------

interface ChunkPayload {
  doc_id: string;
  chunk_index: number;
  text: string;
  [key: string]: unknown;
}

interface TestPoint {
  id: string;
  vector: number[];
  payload: ChunkPayload;
}

function makePoints(): TestPoint[] {
  // Deterministic, so every run sees the same vectors.
  const random = seededRandom(20_240_601);
  const points: TestPoint[] = [];
  for (let doc = 0; doc < DOCUMENTS; doc++) {
    for (let chunk = 0; chunk < CHUNKS_PER_DOCUMENT; chunk++) {
      points.push({
        id: randomUUID(),
        vector: Array.from({ length: DIMENSIONS }, () => random.next() * 2 - 1),
        payload: { doc_id: `doc-${doc}`, chunk_index: chunk, text: `document ${doc}, chunk ${chunk}` },
      });
    }
  }
  return points;
}

function pointAt(points: TestPoint[], index: number): TestPoint {
  const point = points[index];
  assert.ok(point, `no test point #${index}`);
  return point;
}

const byDoc = (docId: string) => ({ must: [{ key: 'doc_id', match: { value: docId } }] });

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Skip reasons are decided when tests are declared, before `before` has run. */
function needsOwnGateway(): string | false {
  return process.env.QDRANT_URL ? 'needs a gateway this test started' : false;
}

function apiKeyIsUnknown(): string | false {
  // The gateway this test starts always has a key.
  if (!process.env.QDRANT_URL) return false;
  return process.env.QDRANT_API_KEY ? false : 'the server under test has no API key';
}

// --- shared state ------------------------------------------------------------------------------

const collection = `sluice_contract_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
const points = makePoints();
let client: QdrantClient;
let baseUrl: string;
let apiKey: string | undefined;
let gateway: OwnedGateway | undefined;
let dataDir: string | undefined;

function connect(url: string): QdrantClient {
  // The key goes in as a plain header: the client's `apiKey` option warns on plain http.
  return new QdrantClient({
    url,
    headers: apiKey ? { 'api-key': apiKey } : {},
    checkCompatibility: false,
  });
}

before(async () => {
  const externalUrl = process.env.QDRANT_URL;
  if (externalUrl) {
    baseUrl = externalUrl.replace(/\/+$/, '');
    apiKey = process.env.QDRANT_API_KEY || undefined;
  } else {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sluice-qdrant-contract-'));
    apiKey = randomBytes(16).toString('hex');
    gateway = await startGateway(dataDir, 0, apiKey);
    baseUrl = gateway.url;
  }
  client = connect(baseUrl);
});

after(async () => {
  try {
    if (await client.collectionExists(collection).then((r) => r.exists)) {
      await client.deleteCollection(collection);
    }
  } catch {
    // Best effort: the gateway may already be stopped by a failed test.
  }
  if (gateway) await stopGateway(gateway, 'SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// --- the contract, in order ----------------------------------------------------------------------

test('reports a version the js client accepts', async () => {
  const info = await client.versionInfo();
  assert.match(info.version, /^\d+\.\d+/);
  if (gateway) {
    assert.equal(info.title, 'qdrant-edge-gateway');
    // The client warns unless majors match and minors differ by at most one.
    const [major, minor] = info.version.split('.').map(Number);
    assert.equal(major, 1);
    assert.ok(Math.abs((minor ?? 0) - 18) <= 1, `version ${info.version} too far from client 1.18`);
  }
});

test('creates a 384-dimension cosine collection, once', async () => {
  assert.equal((await client.collectionExists(collection)).exists, false);
  assert.equal(await client.createCollection(collection, { vectors: { size: DIMENSIONS, distance: 'Cosine' } }), true);
  assert.equal((await client.collectionExists(collection)).exists, true);

  const info = await client.getCollection(collection);
  assert.equal(info.status, 'green');
  // One unnamed vector: `vectors` is {size, distance}, not a map of named vectors.
  const vectors = info.config.params.vectors as { size?: number; distance?: string } | undefined;
  assert.deepEqual({ size: vectors?.size, distance: vectors?.distance }, { size: DIMENSIONS, distance: 'Cosine' });
  const listed = await client.getCollections();
  assert.ok(listed.collections.some((c) => c.name === collection));

  await assert.rejects(
    client.createCollection(collection, { vectors: { size: DIMENSIONS, distance: 'Cosine' } }),
    (error: unknown) => httpStatus(error) === 409,
  );
});

test('creates payload indexes', async () => {
  const keyword = await client.createPayloadIndex(collection, { field_name: 'doc_id', field_schema: 'keyword', wait: true });
  assert.equal(keyword.status, 'completed');
  await client.createPayloadIndex(collection, { field_name: 'chunk_index', field_schema: 'integer', wait: true });

  const schema = (await client.getCollection(collection)).payload_schema;
  assert.equal(schema.doc_id?.data_type, 'keyword');
  assert.equal(schema.chunk_index?.data_type, 'integer');
});

test('upserts points with UUID ids and payloads, waiting for them', async () => {
  const result = await client.upsert(collection, { wait: true, points });
  assert.equal(result.status, 'completed');
  assert.equal((await client.count(collection, { exact: true })).count, POINT_COUNT);
  assert.equal((await client.getCollection(collection)).points_count, POINT_COUNT);
});

test('counts with filters', async () => {
  assert.equal((await client.count(collection, { filter: byDoc('doc-1'), exact: true })).count, CHUNKS_PER_DOCUMENT);
  const anyOfTwo = { must: [{ key: 'doc_id', match: { any: ['doc-0', 'doc-2'] } }] };
  assert.equal((await client.count(collection, { filter: anyOfTwo })).count, 2 * CHUNKS_PER_DOCUMENT);
  const lateChunks = {
    must: [{ key: 'chunk_index', range: { gte: 5 } }],
    must_not: [{ key: 'doc_id', match: { value: 'doc-0' } }],
  };
  assert.equal((await client.count(collection, { filter: lateChunks })).count, (DOCUMENTS - 1) * 5);
  const ids = [pointAt(points, 0).id, pointAt(points, 11).id];
  assert.equal((await client.count(collection, { filter: { must: [{ has_id: ids }] } })).count, 2);
});

test('scrolls a filter page by page', async () => {
  const expected = new Set(points.filter((p) => p.payload.doc_id === 'doc-2').map((p) => p.id));
  const seen: string[] = [];
  const pageSizes: number[] = [];
  let offset: string | number | undefined;
  for (let page = 0; page < 10; page++) {
    const result = await client.scroll(collection, { filter: byDoc('doc-2'), limit: 4, offset, with_payload: true });
    pageSizes.push(result.points.length);
    for (const point of result.points) {
      assert.equal((point.payload as ChunkPayload | null | undefined)?.doc_id, 'doc-2');
      seen.push(String(point.id));
    }
    const next = result.next_page_offset;
    if (next === null || next === undefined) break;
    assert.ok(typeof next === 'string' || typeof next === 'number', 'next_page_offset is a point id');
    offset = next;
  }
  assert.deepEqual(pageSizes, [4, 4, 2]);
  assert.equal(seen.length, expected.size);
  assert.deepEqual(new Set(seen), expected);
});

test('query for a stored vector returns that point first with score ~1', async () => {
  const target = pointAt(points, 17);
  const plain = await client.query(collection, { query: target.vector, limit: 3, with_payload: true });
  assert.equal(plain.points[0]?.id, target.id);
  assert.ok(Math.abs((plain.points[0]?.score ?? 0) - 1) < 1e-4, `score ${plain.points[0]?.score}`);
  assert.deepEqual(plain.points[0]?.payload, target.payload);
  assert.equal(plain.points.length, 3);

  const nearest = await client.query(collection, { query: { nearest: target.vector }, limit: 1 });
  assert.equal(nearest.points[0]?.id, target.id);
});

test('query honours its filter, and scroll reads points by id with their vectors', async () => {
  const target = pointAt(points, 3); // in doc-0
  const filtered = await client.query(collection, { query: target.vector, limit: 5, filter: byDoc('doc-3'), with_payload: true });
  assert.equal(filtered.points.length, 5);
  for (const hit of filtered.points) {
    assert.notEqual(hit.id, target.id);
    assert.equal((hit.payload as ChunkPayload | null | undefined)?.doc_id, 'doc-3');
  }
  const scores = filtered.points.map((hit) => hit.score);
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'results best first');

  const wanted = [pointAt(points, 5), pointAt(points, 42)];
  const records = await client.scroll(collection, { filter: { must: [{ has_id: wanted.map((p) => p.id) }] }, with_payload: true, with_vector: true });
  assert.equal(records.points.length, 2);
  for (const point of wanted) {
    const record = records.points.find((r) => r.id === point.id);
    assert.ok(record, `record ${point.id}`);
    assert.deepEqual(record.payload, point.payload);
    assert.equal((record.vector as number[]).length, DIMENSIONS);
  }
});

test('re-upserting is idempotent', async () => {
  await client.upsert(collection, { wait: true, points });
  assert.equal((await client.count(collection, { exact: true })).count, POINT_COUNT);
});

test('deletes by filter', async () => {
  const result = await client.delete(collection, { filter: byDoc('doc-4'), wait: true });
  assert.equal(result.status, 'completed');
  assert.equal((await client.count(collection, { filter: byDoc('doc-4') })).count, 0);
  assert.equal((await client.count(collection, { exact: true })).count, POINT_COUNT - CHUNKS_PER_DOCUMENT);

  await client.delete(collection, { points: [pointAt(points, 0).id], wait: true });
  assert.equal((await client.count(collection, { exact: true })).count, POINT_COUNT - CHUNKS_PER_DOCUMENT - 1);
});

// --- named dense + sparse vectors (hybrid retrieval) -------------------------------------------

const hybridCollection = `${collection}_hybrid`;
const sparseOf = (terms: Record<number, number>) => ({ indices: Object.keys(terms).map(Number), values: Object.values(terms) });

test('creates a collection with a named dense vector and an idf sparse vector', async () => {
  await client.createCollection(hybridCollection, {
    vectors: { dense: { size: DIMENSIONS, distance: 'Cosine' } },
    sparse_vectors: { sparse: { modifier: 'idf' } },
  });
  const info = await client.getCollection(hybridCollection);
  const vectors = info.config.params.vectors as Record<string, { size?: number }>;
  assert.equal(vectors.dense?.size, DIMENSIONS);
  assert.equal(info.config.params.sparse_vectors?.sparse?.modifier, 'idf');
});

test('upserts named vectors and queries each branch and their fusion, filters on both', async () => {
  const named = points.slice(0, 20).map((p, i) => ({
    id: p.id,
    // Term 1 is everywhere, term 1000 + i only in point i: idf must rank the rare one first.
    vector: { dense: p.vector, sparse: sparseOf({ 1: 1, [1000 + i]: 1 }) },
    payload: p.payload,
  }));
  assert.equal((await client.upsert(hybridCollection, { wait: true, points: named })).status, 'completed');
  const target = pointAt(points, 12); // doc-1
  const sparseQuery = sparseOf({ 1: 1, 1012: 1 });

  const sparse = await client.query(hybridCollection, { query: sparseQuery, using: 'sparse', limit: 3 });
  assert.equal(sparse.points[0]?.id, target.id);
  const dense = await client.query(hybridCollection, { query: target.vector, using: 'dense', limit: 1 });
  assert.equal(dense.points[0]?.id, target.id);

  for (const fusion of ['rrf', 'dbsf'] as const) {
    const fused = await client.query(hybridCollection, {
      prefetch: [
        { query: target.vector, using: 'dense', limit: 10 },
        { query: sparseQuery, using: 'sparse', limit: 10 },
      ],
      query: { fusion },
      limit: 5,
      with_payload: true,
    });
    assert.equal(fused.points[0]?.id, target.id, fusion);
  }

  // Weighted RRF (Sluice's default hybrid): with one candidate per branch, a dense-only winner
  // and a sparse-only winner tie at equal weights, and the heavier branch's candidate wins.
  const denseWinner = pointAt(points, 3);
  for (const [weights, winner] of [[[1, 5], target], [[5, 1], denseWinner]] as const) {
    const weighted = await client.query(hybridCollection, {
      prefetch: [
        { query: denseWinner.vector, using: 'dense', limit: 1 },
        { query: sparseOf({ 1012: 1 }), using: 'sparse', limit: 1 },
      ],
      query: { rrf: { weights: [...weights] } },
      limit: 2,
    });
    assert.deepEqual(weighted.points.map((p) => p.id), [winner.id, winner === target ? denseWinner.id : target.id], `weights ${weights.join(':')}`);
  }

  // A filter on both branches (and the fusion) keeps every hit inside it.
  const onlyDoc0 = byDoc('doc-0');
  const filtered = await client.query(hybridCollection, {
    prefetch: [
      { query: target.vector, using: 'dense', limit: 10, filter: onlyDoc0 },
      { query: sparseQuery, using: 'sparse', limit: 10, filter: onlyDoc0 },
    ],
    query: { fusion: 'rrf' },
    filter: onlyDoc0,
    limit: 20,
    with_payload: true,
  });
  assert.equal(filtered.points.length, CHUNKS_PER_DOCUMENT);
  assert.ok(filtered.points.every((p) => (p.payload as ChunkPayload | null | undefined)?.doc_id === 'doc-0'));
  assert.ok(!filtered.points.some((p) => p.id === target.id));

  // Scroll returns a chosen named vector only.
  const page = await client.scroll(hybridCollection, { filter: { must: [{ has_id: [target.id] }] }, with_vector: ['dense'] });
  const vector = page.points[0]?.vector as Record<string, unknown> | undefined;
  assert.equal((vector?.dense as number[] | undefined)?.length, DIMENSIONS);
  assert.equal(vector?.sparse, undefined);
  assert.equal(await client.deleteCollection(hybridCollection), true);
});

test('aliases: another name for a collection, moved in one atomic request, resolved by every route', async () => {
  // Index generations (lib/generations): the alias users query names one concrete collection.
  const [g1, g2, alias] = [`${collection}_g1`, `${collection}_g2`, `${collection}_alias`];
  const small = { vectors: { dense: { size: 4, distance: 'Cosine' as const } } };
  await client.createCollection(g1, small);
  await client.createCollection(g2, small);
  try {
    await client.upsert(g1, { wait: true, points: [{ id: 1, vector: { dense: [1, 0, 0, 0] }, payload: { in: 'g1' } }] });
    await client.upsert(g2, { wait: true, points: [{ id: 2, vector: { dense: [0, 1, 0, 0] }, payload: { in: 'g2' } }] });
    assert.equal(await client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: g1, alias_name: alias } }] }), true);
    const mine = async () => (await client.getAliases()).aliases.filter((a) => a.alias_name === alias);
    assert.deepEqual(await mine(), [{ alias_name: alias, collection_name: g1 }]);
    assert.equal((await client.collectionExists(alias)).exists, true);
    assert.ok(!(await client.getCollections()).collections.some((c) => c.name === alias), 'an alias is not listed as a collection');
    const inOf = async () => (await client.scroll(alias, { limit: 10, with_payload: true })).points.map((p) => (p.payload as { in: string }).in);
    assert.deepEqual(await inOf(), ['g1']);

    // The swap: delete + create in one request.
    await client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: alias } }, { create_alias: { collection_name: g2, alias_name: alias } }] });
    assert.deepEqual(await inOf(), ['g2']);
    assert.equal((await client.count(alias, { exact: true })).count, 1);
    assert.deepEqual((await client.getCollectionAliases(g2)).aliases.map((a) => a.alias_name), [alias]);
    assert.equal((await client.query(alias, { query: [0, 1, 0, 0], using: 'dense', limit: 1 })).points[0]?.id, 2);

    // A request with a failing action changes nothing.
    await assert.rejects(
      client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: alias } }, { create_alias: { collection_name: `${collection}_missing`, alias_name: alias } }] }),
      (error: unknown) => httpStatus(error) === 404 || httpStatus(error) === 400,
    );
    assert.deepEqual(await mine(), [{ alias_name: alias, collection_name: g2 }]);

    // A name is a collection's or an alias's: neither may take the other's.
    await assert.rejects(client.createCollection(alias, small), (error: unknown) => [400, 409].includes(httpStatus(error) ?? 0));
    await assert.rejects(
      client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: g2, alias_name: g1 } }] }),
      (error: unknown) => [400, 409].includes(httpStatus(error) ?? 0),
    );
    // Deleting by the alias's name deletes nothing.
    assert.equal(await client.deleteCollection(alias), false);
    assert.equal((await client.collectionExists(g2)).exists, true);

    if (gateway && dataDir && apiKey) {
      await stopGateway(gateway, 'SIGKILL');
      gateway = await startGateway(dataDir, gateway.port, apiKey);
      assert.deepEqual(await mine(), [{ alias_name: alias, collection_name: g2 }], 'aliases survive a restart');
    }
    // Deleting a collection removes its aliases.
    assert.equal(await client.deleteCollection(g2), true);
    assert.deepEqual(await mine(), []);
    assert.equal((await client.collectionExists(alias)).exists, false);
  } finally {
    for (const name of [g1, g2]) await client.deleteCollection(name).catch(() => undefined);
  }
});

const metaCollection = `${collection}_meta`;

test('indexes nested metadata fields (one as the tenant), filters hybrid queries and counts on them', async () => {
  await client.createCollection(metaCollection, {
    vectors: { dense: { size: DIMENSIONS, distance: 'Cosine' } },
    sparse_vectors: { sparse: { modifier: 'idf' } },
  });
  // What ensureCollection sends for SLUICE_FILTER_FIELDS=owner and SLUICE_TENANT_FIELD=tenant.
  await client.createPayloadIndex(metaCollection, { field_name: 'meta_hash', field_schema: 'keyword', wait: true });
  await client.createPayloadIndex(metaCollection, { field_name: 'meta.owner', field_schema: 'keyword', wait: true });
  await client.createPayloadIndex(metaCollection, { field_name: 'meta.tenant', field_schema: { type: 'keyword', is_tenant: true }, wait: true });
  const schema = (await client.getCollection(metaCollection)).payload_schema as Record<string, { data_type?: string; params?: { is_tenant?: boolean } }>;
  assert.equal(schema['meta.owner']?.data_type, 'keyword');
  assert.equal(schema['meta.tenant']?.data_type, 'keyword');
  assert.equal(schema['meta.tenant']?.params?.is_tenant, true, 'ensureCollection reads is_tenant back to know the index is there');

  const tenants = ['tenant-a', 'tenant-b'];
  const withMeta = points.slice(0, 20).map((p, i) => ({
    id: p.id,
    vector: { dense: p.vector, sparse: sparseOf({ 1: 1, [1000 + i]: 1 }) },
    payload: { ...p.payload, meta: { tenant: tenants[i % 2]!, owner: i < 10 ? 'alice' : 'bob' }, meta_hash: `hash-${i % 2}` },
  }));
  await client.upsert(metaCollection, { wait: true, points: withMeta });
  const filter = { must: [{ key: 'meta.tenant', match: { value: 'tenant-a' } }, { key: 'meta.owner', match: { value: 'alice' } }] };
  const target = pointAt(points, 13); // tenant-b, bob: outside the filter
  const fused = await client.query(metaCollection, {
    prefetch: [
      { query: target.vector, using: 'dense', limit: 20, filter },
      { query: sparseOf({ 1: 1, 1013: 1 }), using: 'sparse', limit: 20, filter },
    ],
    query: { fusion: 'rrf' },
    filter,
    limit: 20,
    with_payload: true,
  });
  assert.equal(fused.points.length, 5, 'tenant-a and alice: points 0, 2, 4, 6, 8');
  for (const p of fused.points) assert.deepEqual((p.payload as { meta?: unknown }).meta, { tenant: 'tenant-a', owner: 'alice' });
  assert.equal((await client.count(metaCollection, { filter: { must: [{ key: 'meta_hash', match: { value: 'hash-1' } }] }, exact: true })).count, 10);

  // A metadata-only change: the same ids upserted with new payloads replace the old ones.
  await client.upsert(metaCollection, { wait: true, points: withMeta.map((p) => ({ ...p, payload: { ...p.payload, meta: { ...p.payload.meta, owner: 'carol' }, meta_hash: 'hash-new' } })) });
  assert.equal((await client.count(metaCollection, { filter: { must: [{ key: 'meta.owner', match: { value: 'alice' } }] }, exact: true })).count, 0);
  assert.equal((await client.count(metaCollection, { filter: { must: [{ key: 'meta_hash', match: { value: 'hash-new' } }] }, exact: true })).count, 20);
  assert.equal(await client.deleteCollection(metaCollection), true);
});

test('keeps acknowledged writes across a SIGKILL and restart', { skip: needsOwnGateway() }, async () => {
  assert.ok(gateway && dataDir && apiKey);
  const late: TestPoint = {
    id: randomUUID(),
    vector: pointAt(points, 30).vector.map((x) => -x),
    payload: { doc_id: 'late', chunk_index: 0, text: 'written just before the crash' },
  };
  // What the earlier tests left (doc-4 and one more point deleted), plus this point.
  const expectedCount = POINT_COUNT - CHUNKS_PER_DOCUMENT - 1 + 1;
  const acknowledged = await client.upsert(collection, { wait: true, points: [late] });
  assert.equal(acknowledged.status, 'completed');

  await stopGateway(gateway, 'SIGKILL');
  gateway = await startGateway(dataDir, gateway.port, apiKey);

  assert.equal((await client.count(collection, { exact: true })).count, expectedCount);
  const { points: [record] } = await client.scroll(collection, { filter: { must: [{ has_id: [late.id] }] }, with_payload: true });
  assert.deepEqual(record?.payload, late.payload);
  const info = await client.getCollection(collection);
  assert.equal(info.payload_schema.doc_id?.data_type, 'keyword');
  const hit = await client.query(collection, { query: late.vector, limit: 1 });
  assert.equal(hit.points[0]?.id, late.id);
});

test('refuses requests without the API key', { skip: apiKeyIsUnknown() }, async () => {
  const response = await fetch(`${baseUrl}/collections`);
  assert.equal(response.status, 401);
  await response.body?.cancel();
});

test('deletes the collection', async () => {
  assert.equal(await client.deleteCollection(collection), true);
  assert.equal((await client.collectionExists(collection)).exists, false);
  await assert.rejects(client.getCollection(collection), (error: unknown) => httpStatus(error) === 404);
});

test('stops cleanly on SIGTERM', { skip: needsOwnGateway() }, async () => {
  assert.ok(gateway);
  assert.equal(await stopGateway(gateway, 'SIGTERM'), 0);
});
