/**
 * The requests the vector store sends for metadata: the payload indexes of the filter and
 * tenant fields, the filter of a hybrid search on both branches, the count by meta_hash. Against
 * a small fake of Qdrant's REST API that records what it is sent (the behaviour of the real
 * calls is test/integration/qdrant-contract.test.ts's).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVectorStore } from './qdrant.js';

interface Recorded {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

const recorded: Recorded[] = [];
/** payload_schema the fake reports: what was indexed so far (plus what a test plants). */
const schema: Record<string, unknown> = {};
let exists = false;
let server: Server;
let url: string;

before(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0]!;
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      recorded.push({ method: req.method ?? '', path, body });
      const reply = (result: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result, status: 'ok', time: 0 }));
      if (path.endsWith('/exists')) return reply({ exists: path === '/collections/c/exists' && exists });
      if (req.method === 'PUT' && path === '/collections/c') return (exists = true), reply(true);
      if (req.method === 'GET' && path === '/collections/c') {
        return reply({ status: 'green', config: { params: { vectors: { dense: { size: 3, distance: 'Cosine' } }, sparse_vectors: { sparse: { modifier: 'idf' } } } }, payload_schema: schema });
      }
      if (req.method === 'PUT' && path === '/collections/c/index') {
        const field = body.field_schema;
        schema[body.field_name as string] = { data_type: 'keyword', points: 0, ...(typeof field === 'object' ? { params: field } : {}) };
        return reply({ operation_id: 1, status: 'completed' });
      }
      if (path === '/collections/c/points/query') return reply({ points: [] });
      if (path === '/collections/c/points/count') return reply({ count: 0 });
      res.writeHead(404).end(JSON.stringify({ status: { error: `not faked: ${req.method} ${path}` } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const indexCalls = () => recorded.filter((r) => r.method === 'PUT' && r.path === '/collections/c/index').map((r) => r.body);

test('ensureCollection indexes meta.<name> of every filter field as keyword, the tenant field with is_tenant', async () => {
  const store = createVectorStore({ url, collection: 'c', filterFields: ['owner', 'team', 'tenant'], tenantField: 'tenant' });
  await store.ensureCollection(3);
  const calls = indexCalls();
  assert.deepEqual(
    calls.filter((c) => String(c.field_name).startsWith('meta.')),
    [
      { field_name: 'meta.owner', field_schema: 'keyword' },
      { field_name: 'meta.team', field_schema: 'keyword' },
      { field_name: 'meta.tenant', field_schema: { type: 'keyword', is_tenant: true } },
    ],
  );
  assert.ok(calls.some((c) => c.field_name === 'meta_hash'), 'meta_hash is indexed: split counts by it');
});

test('indexes that exist are left alone; a field that became the tenant field is indexed again', async () => {
  recorded.length = 0;
  schema['meta.region'] = { data_type: 'keyword', points: 0 };
  const store = createVectorStore({ url, collection: 'c', filterFields: ['owner', 'team'], tenantField: 'region' });
  await store.ensureCollection(3);
  assert.deepEqual(indexCalls(), [{ field_name: 'meta.region', field_schema: { type: 'keyword', is_tenant: true } }]);
});

test('a hybrid search puts the same filter on the dense and the sparse branch and on the fusion', async () => {
  recorded.length = 0;
  const store = createVectorStore({ url, collection: 'c' });
  const filter = { key: 'a.md', 'meta.owner': 'alice', 'meta.tenant': 'tenant-a' };
  await store.search({ mode: 'hybrid', dense: [1, 0, 0], sparse: { indices: [7], values: [1] }, limit: 5, filter });
  const query = recorded.find((r) => r.path === '/collections/c/points/query')!.body as { prefetch: { using: string; filter: unknown }[]; filter: unknown };
  const expected = { must: Object.entries(filter).map(([key, value]) => ({ key, match: { value } })) };
  assert.deepEqual(query.prefetch.map((p) => p.using), ['dense', 'sparse']);
  for (const branch of query.prefetch) assert.deepEqual(branch.filter, expected);
  assert.deepEqual(query.filter, expected);
});

test('counting a version with a metadata hash asks for points holding both', async () => {
  recorded.length = 0;
  const store = createVectorStore({ url, collection: 'c' });
  await store.countDocumentPoints('doc', 'v1', 'hash');
  assert.deepEqual(recorded.find((r) => r.path === '/collections/c/points/count')?.body.filter, {
    must: [
      { key: 'doc_id', match: { value: 'doc' } },
      { key: 'version', match: { value: 'v1' } },
      { key: 'meta_hash', match: { value: 'hash' } },
    ],
  });
});
