/**
 * Credentials bound to a tenant (SLUICE_TENANT_BINDINGS) and metadata filters on /search, through
 * real HTTP against the Express app. The store is a fake that applies the filter it is given, as
 * Qdrant does, so that what a caller gets back is what the filter lets through.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { S3Client } from '@aws-sdk/client-s3';
import { createLogger } from '../../lib/log.js';
import { basicAuthHeader, parseBasicAuthUsers } from '../../lib/http/basic-auth.js';
import type { Embedder } from '../../lib/embedding/types.js';
import type { PointPayload } from '../../lib/documents/payload.js';
import type { SearchRequest, VectorStore } from '../../lib/vector-store/qdrant.js';
import { createMemoryStatusStore } from '../../test/support/fakes.js';
import { createApiApp } from './app.js';

const embedder: Embedder = { model: { name: 'fake', dimension: 1 }, embed: async (texts) => texts.map(() => new Float32Array([1])), close: async () => undefined };

const point = (key: string, meta: Record<string, string>) => ({ key, bucket: 'documents', text: `text of ${key}`, chunk_index: 0, version: 'v1', meta }) as unknown as PointPayload;
const POINTS = [
  point('a/plan.md', { tenant: 'tenant-a', owner: 'alice' }),
  point('a/notes.md', { tenant: 'tenant-a', owner: 'bob' }),
  point('b/secret.md', { tenant: 'tenant-b', owner: 'alice' }),
  point('none.md', {}),
];

/** What Qdrant's `must` of exact matches on payload paths (`key`, `meta.owner`) returns. */
function valueAt(payload: PointPayload, path: string): unknown {
  return path.split('.').reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], payload);
}
const requests: SearchRequest[] = [];
const store = {
  collection: 'fake',
  search: async (request: SearchRequest) => {
    requests.push(request);
    return POINTS.filter((p) => Object.entries(request.filter ?? {}).every(([path, value]) => valueAt(p, path) === value)).map((payload, i) => ({ id: String(i), score: 1, payload }));
  },
  countDocumentPoints: async () => 1,
} as unknown as VectorStore;

const as = (user: string) => ({ authorization: basicAuthHeader({ user, password: `${user}-pw` }) });
const OPERATOR = as('ops');
const TENANT_A = as('alpha');

describe('search filters and tenant-bound credentials', () => {
  let server: Server;
  let base: string;
  const get = (path: string, headers: Record<string, string>) => fetch(base + path, { headers });
  const post = (body: unknown, headers: Record<string, string>) => fetch(`${base}/search`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const keys = async (res: Response) => {
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { hits: { key: string }[] }).hits.map((h) => h.key).sort();
  };

  before(async () => {
    const app = createApiApp({
      embedder,
      store,
      status: createMemoryStatusStore(),
      s3: {} as S3Client,
      buckets: ['documents'],
      publish: async () => undefined,
      deadLetters: { add: async () => { throw new Error('unused'); }, list: async () => [], get: async () => { throw new Error('unused'); }, remove: async () => undefined },
      users: parseBasicAuthUsers('ops:ops-pw,alpha:alpha-pw'),
      filterFields: ['owner', 'tenant'],
      tenantField: 'tenant',
      tenantBindings: { alpha: 'tenant-a' },
      log: createLogger('test').child({}, { level: 'silent' }),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  // --- The attack first: a credential of tenant A asking for tenant B's documents.

  it("a tenant-A credential filtering on tenant B is refused (403) and gets none of B's text", async () => {
    requests.length = 0;
    for (const [res, status] of [
      [await get('/search?q=secret&filter=tenant:tenant-b', TENANT_A), 403],
      [await post({ query: 'secret', filter: { tenant: 'tenant-b' } }, TENANT_A), 403],
      // Its own tenant and another one: refused before the tenant is even looked at.
      [await get('/search?q=secret&filter=tenant:tenant-a&filter=tenant:tenant-b', TENANT_A), 400],
    ] as const) {
      assert.equal(res.status, status);
      const body = await res.text();
      assert.ok(!body.includes('b/secret.md') && !body.includes('text of b/secret.md'), body);
    }
    assert.equal(requests.length, 0, 'a refused search reaches no store');
  });

  it("a tenant-A credential's own filters and key only narrow: never a document of B", async () => {
    assert.deepEqual(await keys(await get('/search?q=plan', TENANT_A)), ['a/notes.md', 'a/plan.md']);
    assert.deepEqual(await keys(await get('/search?q=plan&filter=owner:alice', TENANT_A)), ['a/plan.md']);
    assert.deepEqual(await keys(await get(`/search?q=secret&key=${encodeURIComponent('b/secret.md')}`, TENANT_A)), []);
    assert.deepEqual(await keys(await post({ query: 'secret', key: 'b/secret.md' }, TENANT_A)), []);
    assert.deepEqual(await keys(await get('/search?q=plan&filter=tenant:tenant-a', TENANT_A)), ['a/notes.md', 'a/plan.md'], 'its own tenant, named, is fine');
    // The tenant condition is always there, whatever else the caller sent.
    assert.ok(requests.every((r) => r.filter?.['meta.tenant'] === 'tenant-a'));
  });

  it('a tenant-bound credential may only search: status, documents, page, dead letters and reconcile are 403', async () => {
    for (const [method, path] of [
      ['GET', '/status'], ['GET', '/status/a/plan.md'], ['GET', '/documents/b/secret.md'], ['GET', '/ui'], ['GET', '/'],
      ['GET', '/dead-letters'], ['POST', '/dead-letters/all/replay'], ['POST', '/reconcile'],
    ] as const) {
      const res = await fetch(base + path, { method, headers: TENANT_A });
      assert.equal(res.status, 403, `${method} ${path}`);
    }
  });

  it('wrong credentials are still 401, bound or not', async () => {
    assert.equal((await get('/search?q=x', { authorization: basicAuthHeader({ user: 'alpha', password: 'wrong' }) })).status, 401);
  });

  // --- Filters for everyone.

  it('an unbound credential searches every tenant, and filters by any filterable field', async () => {
    assert.deepEqual(await keys(await get('/search?q=x', OPERATOR)), ['a/notes.md', 'a/plan.md', 'b/secret.md', 'none.md']);
    assert.deepEqual(await keys(await get('/search?q=x&filter=tenant:tenant-b', OPERATOR)), ['b/secret.md']);
    assert.deepEqual(await keys(await get('/search?q=x&filter=owner:alice&filter=tenant:tenant-a', OPERATOR)), ['a/plan.md']);
    assert.deepEqual(await keys(await post({ query: 'x', filter: { owner: 'alice' } }, OPERATOR)), ['a/plan.md', 'b/secret.md']);
    assert.deepEqual(requests.at(-1)?.filter, { 'meta.owner': 'alice' });
    // The GET form in a body works too.
    assert.deepEqual(await keys(await post({ query: 'x', filter: ['owner:alice', 'tenant:tenant-b'] }, OPERATOR)), ['b/secret.md']);
  });

  it('a value may hold colons: the name is what comes before the first one', async () => {
    await get(`/search?q=x&filter=${encodeURIComponent('owner:urn:team:1')}`, OPERATOR);
    assert.deepEqual(requests.at(-1)?.filter, { 'meta.owner': 'urn:team:1' });
  });

  it('a filter on a field that is not filterable, malformed or repeated, is a 400 that says why', async () => {
    const cases: [Response, RegExp][] = [
      [await get('/search?q=x&filter=project:apollo', OPERATOR), /project is not a filterable field \(SLUICE_FILTER_FIELDS: owner, tenant\)/],
      [await get('/search?q=x&filter=owner', OPERATOR), /name:value/],
      [await get('/search?q=x&filter=owner:', OPERATOR), /name:value/],
      [await get('/search?q=x&filter=owner:a&filter=owner:b', OPERATOR), /owner is filtered twice/],
      [await post({ query: 'x', filter: { owner: 7 } }, OPERATOR), /filter/],
      [await post({ query: 'x', filter: [{ owner: 'alice' }] }, OPERATOR), /filter/],
      [await get('/search?q=x&filter[owner]=alice', OPERATOR), /filter=name:value/],
      [await get(`/search?q=x&filter=owner:${'v'.repeat(257)}`, OPERATOR), /256/],
      [await get('/search?q=x&filter=meta.owner:alice', OPERATOR), /not a filterable field/],
    ];
    for (const [res, message] of cases) {
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, message);
    }
  });
});

describe('tenant bindings without authentication', () => {
  it('refuse to start: nobody could be told apart', () => {
    assert.throws(
      () =>
        createApiApp({
          embedder,
          store,
          status: createMemoryStatusStore(),
          s3: {} as S3Client,
          buckets: ['documents'],
          publish: async () => undefined,
          deadLetters: { add: async () => { throw new Error('unused'); }, list: async () => [], get: async () => { throw new Error('unused'); }, remove: async () => undefined },
          tenantField: 'tenant',
          tenantBindings: { alpha: 'tenant-a' },
          log: createLogger('test').child({}, { level: 'silent' }),
        }),
      /SLUICE_TENANT_BINDINGS needs SLUICE_BASIC_AUTH/,
    );
  });
});
