/** Search modes: what reaches the vector store for each, and the API's `mode` parameter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import { createLogger } from '../../lib/log.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { querySparseVector } from '../../lib/text/sparse-vector.js';
import type { SearchRequest, VectorStore } from '../../lib/vector-store/qdrant.js';
import { createMemoryStatusStore } from '../../test/support/fakes.js';
import { createApiApp } from './app.js';
import { search } from './search.js';

function fakes() {
  const embedded: string[] = [];
  const requests: SearchRequest[] = [];
  const embedder: Embedder = {
    model: { name: 'fake', dimension: 2 },
    embed: async (texts) => {
      embedded.push(...texts);
      return texts.map(() => new Float32Array([0.5, 0.5]));
    },
    close: async () => undefined,
  };
  const store = {
    collection: 'fake',
    search: async (request: SearchRequest) => {
      requests.push(request);
      return [{ id: 'p', score: 0.5, payload: { key: 'k', bucket: 'b', text: 't', chunk_index: 0, version: 'v' } }];
    },
  } as unknown as VectorStore;
  return { embedder, store, embedded, requests };
}

test('hybrid by default: the embedding and the query terms both go to the store, with the filter', async () => {
  const { embedder, store, embedded, requests } = fakes();
  const hits = await search(embedder, store, 'pg_waldump options', { k: 3, key: 'doc.md' });
  assert.equal(hits[0]?.key, 'k');
  assert.deepEqual(embedded, ['pg_waldump options']);
  assert.deepEqual(requests, [{ mode: 'hybrid', dense: [0.5, 0.5], sparse: querySparseVector('pg_waldump options'), limit: 3, filter: { key: 'doc.md' } }]);
});

test('sparse mode never calls the model', async () => {
  const { embedder, store, embedded, requests } = fakes();
  await search(embedder, store, 'pg_waldump', { k: 5, mode: 'sparse' });
  assert.deepEqual(embedded, []);
  assert.equal(requests[0]?.mode, 'sparse');
  assert.equal(requests[0]?.dense, undefined);
});

test('the API takes mode on GET and POST, defaults to hybrid and refuses an unknown one', async () => {
  const { embedder, store, requests } = fakes();
  const app = createApiApp({
    embedder,
    store,
    status: createMemoryStatusStore(),
    s3: {} as S3Client,
    buckets: ['documents'],
    publish: async () => undefined,
    deadLetters: { add: async () => { throw new Error('unused'); }, list: async () => [], get: async () => { throw new Error('unused'); }, remove: async () => undefined },
    log: createLogger('test').child({}, { level: 'silent' }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const get = await fetch(`${base}/search?q=hello&mode=dense`);
    assert.equal(get.status, 200);
    assert.equal(((await get.json()) as { mode: string }).mode, 'dense');
    const post = await fetch(`${base}/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'hello' }) });
    assert.equal(((await post.json()) as { mode: string }).mode, 'hybrid');
    assert.deepEqual(requests.map((r) => r.mode), ['dense', 'hybrid']);
    const bad = await fetch(`${base}/search?q=hello&mode=fuzzy`);
    assert.equal(bad.status, 400);
    assert.equal(requests.length, 2, 'a refused search reaches no store');
  } finally {
    server.close();
  }
});
