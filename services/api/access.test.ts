/**
 * Attacks on the API's roles, through real HTTP against the Express app (fake stores): a
 * read-only user (SLUICE_READ_ONLY_USERS) tries every request that changes something, by every
 * route and spelling; a foreign page tries them with an operator's credentials. Each is refused
 * (403) and changes nothing: no event published, no S3 write or delete, no dead letter removed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { S3Client } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import { createLogger } from '../../lib/log.js';
import { basicAuthHeader, parseBasicAuthUsers } from '../../lib/http/basic-auth.js';
import type { Embedder } from '../../lib/embedding/types.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import { createMemoryDeadLetterStore, createMemoryStatusStore } from '../../test/support/fakes.js';
import { createAccess } from './access.js';
import { createApiApp } from './app.js';
import type { UploadSigner } from './uploads.js';

const embedder: Embedder = { model: { name: 'fake', dimension: 1 }, embed: async (texts) => texts.map(() => new Float32Array([1])), close: async () => undefined };
const store = {
  collection: 'fake',
  countDocumentPoints: async () => 2,
  search: async () => [{ id: 'p', score: 0.9, payload: { key: 'a.txt', bucket: 'documents', text: 'hello', chunk_index: 0, version: 'v1' } }],
  documentKeys: async () => new Set(['a.txt']),
} as unknown as VectorStore;

describe('a read-only user', () => {
  let server: Server;
  let base: string;
  const status = createMemoryStatusStore();
  const deadLetters = createMemoryDeadLetterStore();
  const { letters } = deadLetters;
  const published: CloudEvent<unknown>[] = [];
  const s3Calls: string[] = [];
  const signed: string[] = [];
  const s3 = { send: async (command: object) => void s3Calls.push(command.constructor.name) } as unknown as S3Client;
  const uploads: UploadSigner = {
    origin: 'http://127.0.0.1:8333',
    sign: async (request) => {
      signed.push(request.key);
      return { bucket: 'documents', key: request.key, method: 'PUT', url: 'http://127.0.0.1:8333/documents/x?sig', headers: {}, expiresAt: '' };
    },
  };
  const operator = { authorization: basicAuthHeader({ user: 'ops', password: 'pw' }) };
  const viewer = { authorization: basicAuthHeader({ user: 'viewer', password: 'look' }) };
  const json = { 'content-type': 'application/json' };

  before(async () => {
    await status.record({ docId: documentId('documents', 'a.txt'), bucket: 'documents', key: 'a.txt', status: 'failed', cycle: '2026-01-01T00:00:00Z', at: '2026-01-01T00:00:01Z', version: 'v1', reason: 'dead_lettered', error: 'dead-lettered' });
    const letter = await deadLetters.add(new CloudEvent({ id: 'dead-1', type: 'io.sluice.object.created', source: '/x', subject: 'a.txt', datacontenttype: 'application/json', data: { bucket: 'documents', key: 'a.txt' } }));
    assert.ok(letter.id);
    const app = createApiApp({
      embedder,
      store,
      status,
      s3,
      buckets: ['documents'],
      publish: async (event) => void published.push(event),
      deadLetters,
      users: parseBasicAuthUsers('ops:pw,viewer:look'),
      access: createAccess(['viewer']),
      uploads,
      log: createLogger('test').child({}, { level: 'silent' }),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const letterId = () => [...letters.keys()][0]!;
  /** Every request that changes something, in the spellings a router might also take. */
  const changing = (): Array<[string, string, unknown?]> => [
    ['POST', '/uploads', { key: 'evil.txt', size: 10, contentType: 'text/plain' }],
    ['POST', '/UPLOADS', { key: 'evil.txt', size: 10, contentType: 'text/plain' }],
    ['POST', '/uploads/', { key: 'evil.txt', size: 10, contentType: 'text/plain' }],
    ['DELETE', '/documents/a.txt'],
    ['DELETE', '/Documents/a.txt'],
    ['DELETE', '/documents/a.txt?bucket=documents'],
    ['POST', '/ingest', { key: 'a.txt' }],
    ['POST', `/dead-letters/${letterId()}/replay`],
    ['POST', '/dead-letters/all/replay'],
    ['POST', '/reconcile', {}],
    ['PUT', '/documents/a.txt'],
    ['PATCH', '/status/a.txt'],
    // A search is the one POST that only reads; a path that merely starts like it is not.
    ['POST', '/search/../reconcile', {}],
    ['POST', '/search%2F..%2Freconcile', {}],
  ];

  const unchanged = () => {
    assert.deepEqual(published, [], 'no event published');
    assert.deepEqual(s3Calls, [], 'no S3 write or delete');
    assert.deepEqual(signed, [], 'no upload URL signed');
    assert.equal(letters.size, 1, 'the dead letter is still there');
  };

  it('is refused every change with 403, and nothing changes', async () => {
    for (const [method, path, body] of changing()) {
      const res = await fetch(base + path, { method, headers: { ...viewer, ...(body !== undefined ? json : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(((await res.json()) as { error: string }).error, /read-only/, `${method} ${path}`);
    }
    unchanged();
  });

  it('may search and look at everything', async () => {
    for (const path of ['/status', '/status/a.txt', '/search?q=hello', '/documents/a.txt', '/documents/a.txt?include=history,chunks,letters', '/dead-letters', '/pipeline', '/whoami', '/ui', '/ui/doc/a.txt', '/ui/pipeline', '/ui/js/documents.js', '/ui/app.css']) {
      const res = await fetch(base + path, { headers: viewer });
      assert.equal(res.status, 200, path);
    }
    const search = await fetch(`${base}/search`, { method: 'POST', headers: { ...viewer, ...json }, body: JSON.stringify({ query: 'hello' }) });
    assert.equal(search.status, 200);
    assert.deepEqual(await (await fetch(`${base}/whoami`, { headers: viewer })).json(), { user: 'viewer', role: 'viewer', buckets: ['documents'], uploads: true });
    unchanged();
  });

  it('sees the page say so, with the changing controls disabled', async () => {
    const html = await (await fetch(`${base}/ui`, { headers: viewer })).text();
    assert.match(html, /data-role="viewer"/);
    assert.match(html, /id="pick-files" disabled/);
    const doc = await (await fetch(`${base}/ui/doc/a.txt`, { headers: viewer })).text();
    assert.match(doc, /id="delete" disabled/);
    assert.match(doc, /id="reingest" disabled/);
  });

  it('a foreign page cannot make an operator\'s browser change anything', async () => {
    const attacks: Array<Record<string, string>> = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: 'http://sub.127.0.0.1.example' },
    ];
    for (const headers of attacks) {
      for (const [method, path, body] of changing()) {
        // A form post sends text/plain: no preflight, so only the server can refuse it.
        const res = await fetch(base + path, { method, headers: { ...operator, ...headers, 'content-type': 'text/plain' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
        assert.equal(res.status, 403, `${method} ${path} with ${JSON.stringify(headers)}`);
      }
    }
    unchanged();
  });

  it('an operator changes things, from the console\'s own origin or without a browser', async () => {
    const sameOrigin = { ...operator, origin: base, 'sec-fetch-site': 'same-origin' };
    const upload = await fetch(`${base}/uploads`, { method: 'POST', headers: { ...sameOrigin, ...json }, body: JSON.stringify({ key: 'ok/a.txt', size: 3, contentType: 'text/plain' }) });
    assert.equal(upload.status, 200);
    assert.deepEqual(signed, ['ok/a.txt']);
    const ingest = await fetch(`${base}/ingest`, { method: 'POST', headers: { ...operator, ...json }, body: JSON.stringify({ key: 'a.txt' }) });
    assert.equal(ingest.status, 202);
    assert.equal(published.at(-1)?.type, 'io.sluice.ingest.requested');
    assert.deepEqual(published.at(-1)?.data, { bucket: 'documents', key: 'a.txt' });
  });
});

describe('roles without authentication', () => {
  it('everyone is an operator when SLUICE_BASIC_AUTH is off', () => {
    assert.equal(createAccess(['viewer']).roleOf(undefined), 'operator');
    assert.equal(createAccess(['viewer']).roleOf('viewer'), 'viewer');
    assert.equal(createAccess().roleOf('anyone'), 'operator');
  });
});
