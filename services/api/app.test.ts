/** The API's access control, dead-letter sink and page, through real HTTP against the Express app (fake stores). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { S3Client } from '@aws-sdk/client-s3';
import { CloudEvent, HTTP } from 'cloudevents';
import { EventType } from '../../lib/events/types.js';
import { createLogger } from '../../lib/log.js';
import { basicAuthHeader, parseBasicAuthUsers } from '../../lib/http/basic-auth.js';
import type { Embedder } from '../../lib/embedding/types.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import { createMemoryDeadLetterStore, createMemoryStatusStore } from '../../test/support/fakes.js';
import { createApiApp } from './app.js';

const HOSTILE_KEY = '<img src=x onerror=alert(1)>"\'.txt';
const embedder: Embedder = { model: { name: 'fake', dimension: 1 }, embed: async (texts) => texts.map(() => new Float32Array([1])), close: async () => undefined };
const store = {
  collection: 'fake',
  countDocumentPoints: async () => 0,
  search: async () => [{ id: 'p', score: 0.9, payload: { key: HOSTILE_KEY, bucket: 'documents', text: '<b>bold</b>', chunk_index: 0, version: 'v1' } }],
} as unknown as VectorStore;

describe('API access control', () => {
  let server: Server;
  let base: string;
  const status = createMemoryStatusStore();
  const deadLetters = createMemoryDeadLetterStore();
  const { letters } = deadLetters;
  const published: CloudEvent<unknown>[] = [];
  const auth = { authorization: basicAuthHeader({ user: 'ops', password: 'pw' }) };

  before(async () => {
    await status.record({ docId: 'd1', bucket: 'documents', key: HOSTILE_KEY, status: 'indexed', cycle: '2026-01-01T00:00:00Z', at: '2026-01-01T00:00:01Z', version: 'v1', chunkCount: 3 });
    const app = createApiApp({
      embedder,
      store,
      status,
      s3: {} as S3Client,
      buckets: ['documents'],
      publish: async (event) => void published.push(event),
      deadLetters,
      users: parseBasicAuthUsers('ops:pw'),
      log: createLogger('test').child({}, { level: 'silent' }),
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('asks for credentials on everything a person or the CLI calls', async () => {
    const calls: [string, string][] = [
      ['GET', '/status'], ['GET', '/status/a.txt'], ['GET', '/search?q=x'], ['POST', '/search'], ['GET', '/documents/a.txt'],
      ['POST', '/reconcile'], ['GET', '/dead-letters'], ['POST', '/dead-letters/all/replay'], ['GET', '/ui'], ['GET', '/ui/js/documents.js'], ['GET', '/ui/doc/a.txt'], ['GET', '/ui/pipeline'], ['GET', '/pipeline'], ['GET', '/whoami'], ['POST', '/uploads'], ['POST', '/ingest'], ['DELETE', '/documents/a.txt'], ['GET', '/'],
    ];
    for (const [method, path] of calls) {
      const res = await fetch(base + path, { method });
      assert.equal(res.status, 401, `${method} ${path}`);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/);
    }
  });

  it('serves them with the credentials', async () => {
    const res = await fetch(`${base}/status`, { headers: auth });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as unknown[]).length, 1);
    const search = await fetch(`${base}/search?q=hello`, { headers: auth });
    assert.equal(((await search.json()) as { hits: { key: string }[] }).hits[0]!.key, HOSTILE_KEY);
  });

  it('leaves probes, metrics and the broker deliveries open, and counts documents by status', async () => {
    assert.equal((await fetch(`${base}/health/liveness`)).status, 200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^sluice_documents\{status="indexed"\} 1$/m);
    assert.match(metrics, /^sluice_documents\{status="failed"\} 0$/m);

    const dead = HTTP.binary(new CloudEvent({ id: 'dead-1', type: EventType.ObjectCreated, source: '/x', datacontenttype: 'application/json', data: { bucket: 'documents', key: 'z.txt' }, knativeerrorcode: '503', knativeerrordest: 'http://split/' }));
    const res = await fetch(`${base}/dead-letters`, { method: 'POST', headers: dead.headers as Record<string, string>, body: dead.body as string });
    assert.equal(res.status, 202);
    assert.equal([...letters.values()].at(-1)?.event.id, 'dead-1');
  });

  it('lists dead letters, and replays one as a new ingest request for its document', async () => {
    const list = (await (await fetch(`${base}/dead-letters`, { headers: auth })).json()) as { id: string; eventId: string; errorCode: string }[];
    const letter = list.find((l) => l.eventId === 'dead-1')!;
    assert.equal(letter.errorCode, '503');
    const replay = await fetch(`${base}/dead-letters/${letter.id}/replay`, { method: 'POST', headers: auth });
    assert.equal(replay.status, 200);
    assert.deepEqual(await replay.json(), { replayed: [letter.id], discarded: [], failed: [] });
    assert.equal(published.at(-1)?.type, EventType.IngestRequested);
    assert.deepEqual(published.at(-1)?.data, { bucket: 'documents', key: 'z.txt' });
    assert.notEqual(published.at(-1)?.id, 'dead-1');
    assert.equal(published.at(-1)?.knativeerrorcode, undefined);
    assert.equal(letters.has(letter.id), false);
  });

  it('renders the page with every untrusted value escaped, under a CSP without inline script', async () => {
    const res = await fetch(`${base}/ui`, { headers: auth });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const html = await res.text();
    assert.ok(!html.includes('<img src=x'), 'the key must not become markup');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;.txt'));
    assert.match(html, /<td class="chunks">3<\/td>/);
  });
});
