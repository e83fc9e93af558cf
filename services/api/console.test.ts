/**
 * The console's API and pages through real HTTP against the Express app (fake stores): the
 * document view's data, delete and re-ingest, presigned uploads, the scripts, the CSP, the
 * pipeline view, and every untrusted value escaped in the pages.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { NotFound, type S3Client } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { createLogger } from '../../lib/log.js';
import { createS3Client } from '../../lib/storage/s3.js';
import type { ChunkReader } from '../../lib/vector-store/chunks.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import { createMemoryDeadLetterStore, createMemoryStatusStore } from '../../test/support/fakes.js';
import { createApiApp } from './app.js';
import type { DocumentDetail } from './document-view.js';
import { createPipelineMonitor } from './pipeline-monitor.js';
import { createReconciler } from './reconciler.js';
import { createUploadSigner } from './uploads.js';

const HOSTILE_KEY = 'x/<img src=x onerror=alert(1)>"\'.txt';
const GONE_KEY = 'gone/orphan.txt';
const log = createLogger('test').child({}, { level: 'silent' });
const embedder: Embedder = { model: { name: 'fake', dimension: 1 }, embed: async (texts) => texts.map(() => new Float32Array([1])), close: async () => undefined };
const store = {
  collection: 'fake',
  countDocumentPoints: async (_docId: string, version?: string) => (version === undefined ? 3 : version === 'v2' ? 3 : 0),
  search: async () => [],
  documentKeys: async () => new Set<string>(),
} as unknown as VectorStore;
const chunkRequests: unknown[] = [];
const chunks: ChunkReader = {
  documentChunks: async (docId, options) => {
    chunkRequests.push({ docId, ...options });
    return {
      version: options.version,
      total: 3,
      items: [
        { index: 0, text: '<script>alert(1)</script> first', heading: '<b>Intro</b>', page: 1, meta: { lang: 'en' } },
        { index: 1, text: 'second', ocr: true, meta: {} },
      ].slice(0, options.limit),
    };
  },
};

describe('the console', () => {
  let server: Server;
  let base: string;
  const status = createMemoryStatusStore();
  const deadLetters = createMemoryDeadLetterStore();
  const { letters } = deadLetters;
  const published: CloudEvent<unknown>[] = [];
  const s3Calls: { name: string; input: { Bucket?: string; Key?: string } }[] = [];
  const s3 = {
    send: async (command: { constructor: { name: string }; input: { Bucket?: string; Key?: string } }) => {
      s3Calls.push({ name: command.constructor.name, input: command.input });
      if (command.constructor.name === 'HeadObjectCommand' && command.input.Key === GONE_KEY) {
        throw new NotFound({ message: 'not found', $metadata: { httpStatusCode: 404 } });
      }
      return { ETag: '"e"', ContentLength: 1, ContentType: 'text/plain' };
    },
  } as unknown as S3Client;
  const presigner = createS3Client(
    { S3_ENDPOINT: 'http://127.0.0.1:8333', S3_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' },
    { requestChecksumCalculation: 'WHEN_REQUIRED' },
  );
  const uploads = createUploadSigner({ s3: presigner, endpoint: 'http://127.0.0.1:8333', buckets: ['documents', 'other'], maxObjectBytes: 1000, ttlSeconds: 600 });
  const reconciler = createReconciler({ s3: { send: async () => ({ Contents: [] }) } as unknown as S3Client, status, index: store, publish: async () => undefined, buckets: ['documents', 'other'], log });
  let metrics = '';
  const pipeline = createPipelineMonitor({
    targets: [{ name: 'split', url: 'http://split/metrics' }],
    status,
    deadLetters: () => letters.size,
    reconcile: () => reconciler.state(),
    intervalMs: 5000,
    capacity: 10,
    log,
    fetch: (async () => new Response(metrics)) as typeof fetch,
  });
  const docId = documentId('documents', HOSTILE_KEY);

  before(async () => {
    const at = (s: number) => `2026-01-01T00:00:0${s}Z`;
    await status.record({ docId, bucket: 'documents', key: HOSTILE_KEY, status: 'queued', cycle: at(0), at: at(0) });
    await status.record({ docId, bucket: 'documents', key: HOSTILE_KEY, status: 'splitting', cycle: at(0), at: at(1), version: 'v2' });
    await status.record({ docId, bucket: 'documents', key: HOSTILE_KEY, status: 'failed', cycle: at(0), at: at(2), version: 'v2', reason: 'dead_lettered', error: '<i>boom</i>' });
    await deadLetters.add(new CloudEvent({ id: 'dl-1', type: 'io.sluice.object.created', source: '/x', subject: HOSTILE_KEY, datacontenttype: 'application/json', data: { bucket: 'documents', key: HOSTILE_KEY } }));
    await deadLetters.add(new CloudEvent({ id: 'dl-2', type: 'io.sluice.object.created', source: '/x', subject: 'other.txt', datacontenttype: 'application/json', data: { bucket: 'documents', key: 'other.txt' } }));
    const app = createApiApp({ embedder, store, status, s3, buckets: ['documents', 'other'], publish: async (e) => void published.push(e), deadLetters, log, reconciler, uploads, chunks, pipeline });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const keyPath = (key: string) => key.split('/').map(encodeURIComponent).join('/');
  const post = (path: string, body: unknown) => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('renders the document page with the key escaped, under a CSP that allows only S3 beyond itself', async () => {
    const res = await fetch(`${base}/ui/doc/${keyPath(HOSTILE_KEY)}`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /connect-src 'self' http:\/\/127\.0\.0\.1:8333;/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await res.text();
    assert.ok(!html.includes('<img src=x'), 'the key must not become markup');
    assert.ok(html.includes('x/&lt;img src=x onerror=alert(1)&gt;&quot;&#39;.txt'));
    assert.match(html, /data-key="x\/&lt;img/);
    assert.doesNotMatch(html, /<script>(?!<\/script>)/, 'no inline script');
    assert.equal((await fetch(`${base}/ui/doc/a.txt?bucket=nope`)).status, 400);
  });

  it('links every document of the table to its view', async () => {
    const html = await (await fetch(`${base}/ui`)).text();
    assert.ok(html.includes(`href="/ui/doc/x/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%22'.txt?bucket=documents"`.replace("'", '&#39;')), 'the link is URL-escaped, then HTML-escaped');
  });

  it('answers the document view: record, timeline, versions, chunks and its own dead letters', async () => {
    const res = await fetch(`${base}/documents/${keyPath(HOSTILE_KEY)}?include=history,chunks,letters&offset=0&limit=25`);
    assert.equal(res.status, 200);
    const detail = (await res.json()) as DocumentDetail;
    assert.equal(detail.record?.status, 'failed');
    assert.deepEqual(detail.transitions?.map((t) => t.status), ['queued', 'splitting', 'failed']);
    assert.deepEqual(detail.versions, [{ version: 'v2', points: 3, current: true, indexed: false }]);
    assert.equal(detail.chunks?.items.length, 2);
    assert.equal(detail.chunks?.items[1]?.ocr, true);
    assert.deepEqual(chunkRequests.at(-1), { docId, version: 'v2', offset: 0, limit: 25 });
    assert.deepEqual(detail.deadLetters?.map((l) => l.eventId), ['dl-1'], 'only the letters of this document');
    // Without include it is the CLI's answer, as before.
    assert.deepEqual(await (await fetch(`${base}/documents/a.txt`)).json(), { bucket: 'documents', key: 'a.txt', docId: documentId('documents', 'a.txt'), points: 3 });
    assert.equal((await fetch(`${base}/documents/a.txt?include=secrets`)).status, 400);
    assert.equal((await fetch(`${base}/documents/a.txt?include=chunks&limit=100000`)).status, 400);
  });

  it('deletes the object (its points follow through the pipeline), or asks for an orphan\'s points to go', async () => {
    s3Calls.length = 0;
    const res = await fetch(`${base}/documents/a/b.txt?bucket=other`, { method: 'DELETE' });
    assert.equal(res.status, 202);
    assert.deepEqual(s3Calls.map((c) => [c.name, c.input.Bucket, c.input.Key]), [
      ['HeadObjectCommand', 'other', 'a/b.txt'],
      ['DeleteObjectCommand', 'other', 'a/b.txt'],
    ]);
    const orphan = await fetch(`${base}/documents/${GONE_KEY}`, { method: 'DELETE' });
    assert.deepEqual(await orphan.json(), { bucket: 'documents', key: GONE_KEY, deleted: 'points' });
    assert.equal(published.at(-1)?.type, 'io.sluice.object.deleted');
    assert.deepEqual(published.at(-1)?.data, { bucket: 'documents', key: GONE_KEY });
    assert.equal((await fetch(`${base}/documents/a.txt?bucket=sluice-pipeline`, { method: 'DELETE' })).status, 400, 'only configured buckets');
  });

  it('re-ingests a document as an ingest request', async () => {
    assert.equal((await post('/ingest', { key: 'r.txt', bucket: 'other' })).status, 202);
    assert.equal(published.at(-1)?.type, 'io.sluice.ingest.requested');
    assert.deepEqual(published.at(-1)?.data, { bucket: 'other', key: 'r.txt' });
    assert.equal((await post('/ingest', {})).status, 400);
    assert.equal((await post('/ingest', { key: 'r.txt', bucket: 'sluice-pipeline' })).status, 400);
  });

  it('issues a presigned PUT for exactly the key, size and type asked, within the limits', async () => {
    const res = await post('/uploads', { key: 'reports/2026/a b.pdf', size: 1000, contentType: 'application/pdf' });
    assert.equal(res.status, 200);
    const grant = (await res.json()) as { url: string; method: string; headers: Record<string, string>; bucket: string };
    const url = new URL(grant.url);
    assert.equal(url.origin, 'http://127.0.0.1:8333');
    assert.equal(url.pathname, '/documents/reports/2026/a%20b.pdf');
    assert.equal(url.searchParams.get('X-Amz-SignedHeaders'), 'content-length;content-type;host', 'the size and type are signed');
    assert.equal(url.searchParams.get('X-Amz-Expires'), '600');
    assert.equal([...url.searchParams.keys()].some((k) => k.startsWith('x-amz-checksum')), false, 'no checksum of an empty body signed in');
    assert.deepEqual(grant.headers, { 'content-type': 'application/pdf' });
    assert.equal(grant.method, 'PUT');

    const refused: Array<[unknown, RegExp]> = [
      [{ key: 'big.bin', size: 1001 }, /over the limit of 1000 bytes \(MAX_OBJECT_BYTES\)/],
      [{ key: '../etc/passwd', size: 1 }, /\.\. segment/],
      [{ key: 'a//b.txt', size: 1 }, /empty/],
      [{ key: '/abs.txt', size: 1 }, /start with \//],
      [{ key: 'a\u0000b', size: 1 }, /control/],
      [{ key: 'a.txt', size: 1, bucket: 'sluice-pipeline' }, /not a configured bucket/],
      [{ key: 'a.txt', size: -1 }, /size/],
      [{ key: 'a.txt', size: 1.5 }, /size/],
      [{ key: 'a.txt' }, /size/],
      [{ key: '', size: 1 }, /key/],
      [{ key: 'k'.repeat(1025), size: 1 }, /1024 bytes/],
      [{ key: 'a.txt', size: 1, contentType: 'text/html\r\nx-evil: 1' }, /media type/],
    ];
    for (const [body, message] of refused) {
      const answer = await post('/uploads', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.match(((await answer.json()) as { error: string }).error, message, JSON.stringify(body));
    }
  });

  it('serves the console\'s scripts by name only, with an ETag', async () => {
    const res = await fetch(`${base}/ui/js/documents.js`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
    const etag = res.headers.get('etag')!;
    assert.equal((await fetch(`${base}/ui/js/documents.js`, { headers: { 'if-none-match': etag } })).status, 304);
    for (const name of ['nope.js', '..%2Fapp.ts', '..%2F..%2Fpackage.json', 'highlight.test.js', 'DOM.js']) {
      assert.equal((await fetch(`${base}/ui/js/${name}`)).status, 404, name);
    }
    // Every module a page imports is served.
    for (const name of ['dom.js', 'highlight.js', 'chart.js', 'upload.js', 'doc.js', 'pipeline.js']) assert.equal((await fetch(`${base}/ui/js/${name}`)).status, 200, name);
  });

  it('answers the pipeline view from its samples', async () => {
    metrics = 'sluice_events_received_total{stage="split",type="x"} 10\nsluice_events_total{stage="split",type="x",outcome="processed"} 8\n';
    await pipeline.sample();
    metrics = 'sluice_events_received_total{stage="split",type="x"} 20\nsluice_events_total{stage="split",type="x",outcome="processed"} 15\nsluice_events_total{stage="split",type="x",outcome="retry"} 3\n';
    await pipeline.sample();
    const view = (await (await fetch(`${base}/pipeline`)).json()) as { samples: { waiting: number; deadLetters: number; stages: Record<string, { inFlight: number; errorRate: number }> }[]; stages: string[]; reconcile: { intervalMs: number } };
    assert.deepEqual(view.stages, ['split', 'embed', 'index']);
    assert.equal(view.samples.length, 2);
    const last = view.samples[1]!;
    assert.equal(last.stages.split?.inFlight, 2);
    assert.equal(last.stages.split?.errorRate, 0.3);
    assert.equal(last.deadLetters, letters.size);
    assert.equal(view.reconcile.intervalMs, 0);
  });

  it('renders the pipeline page', async () => {
    const html = await (await fetch(`${base}/ui/pipeline`)).text();
    assert.match(html, /<script type="module" src="\/ui\/js\/pipeline.js"><\/script>/);
    assert.match(html, /id="reconcile-now"/);
  });
});
