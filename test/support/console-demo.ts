/**
 * The API and its console on fake stores, with a pretend pipeline behind them: for the page's
 * browser test and for the README's screenshots, without the stack. Everything the API calls is
 * in memory; a small HTTP server stands in for S3's presigned PUTs (with the CORS answers a
 * browser needs); an upload, an ingest request or a replay walks the document through
 * queued → splitting → embedding → indexing → indexed (or failed) on a timer, and the stages'
 * /metrics count what it did, so the pipeline view has something to draw.
 *
 *   node --import tsx test/support/console-demo.ts [--port 8484]   serves it until Ctrl-C
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, NotFound, type S3Client } from '@aws-sdk/client-s3';
import type { CloudEvent } from 'cloudevents';
import { CloudEvent as Event } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import type { Embedder } from '../../lib/embedding/types.js';
import { EventType } from '../../lib/events/types.js';
import { parseBasicAuthUsers } from '../../lib/http/basic-auth.js';
import { createLogger } from '../../lib/log.js';
import { createS3Client } from '../../lib/storage/s3.js';
import type { DocumentStatus } from '../../lib/status/index.js';
import { chunkSparseVector, type SparseVector } from '../../lib/text/sparse-vector.js';
import { toIndexedChunk, type ChunkReader } from '../../lib/vector-store/chunks.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import { createAccess } from '../../services/api/access.js';
import { createApiApp } from '../../services/api/app.js';
import { toStoredDeadLetter } from '../../services/api/dead-letters.js';
import { createPipelineMonitor } from '../../services/api/pipeline-monitor.js';
import { createReconciler } from '../../services/api/reconciler.js';
import { createUploadSigner } from '../../services/api/uploads.js';
import { createMemoryDeadLetterStore, createMemoryStatusStore } from './fakes.js';

export const DEMO_USERS = { operator: { user: 'ops', password: 'demo-operator' }, viewer: { user: 'viewer', password: 'demo-viewer' } };
const BUCKET = 'documents';
const STAGES = ['split', 'embed', 'index'] as const;

interface StoredObject {
  body: Buffer;
  contentType: string;
  etag: string;
}

interface Chunk {
  payload: Record<string, unknown>;
}

export interface ConsoleDemoOptions {
  /** Basic auth with an operator and a read-only viewer (DEMO_USERS); default true. */
  auth?: boolean;
  /** Sample documents, chunks, a dead letter and ten minutes of pipeline history; default true. */
  seed?: boolean;
  /** Time each pretend stage takes, in ms. */
  stepMs?: number;
  /** The pipeline view's sampling interval, in ms. */
  sampleMs?: number;
  port?: number;
}

export interface ConsoleDemo {
  url: string;
  s3Url: string;
  /** While true, every new document's cycle ends dead-lettered (split "down"), as in an outage. */
  splitDown: boolean;
  objects: Map<string, StoredObject>;
  published: CloudEvent<unknown>[];
  close(): Promise<void>;
}

const md5 = (body: Buffer) => createHash('md5').update(body).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Chunks of about 400 characters at paragraph boundaries, each with the heading above it. */
function chunkText(text: string): { text: string; heading?: string; page?: number }[] {
  const out: { text: string; heading?: string; page?: number }[] = [];
  let heading: string | undefined;
  let current = '';
  const flush = () => {
    if (current.trim()) out.push({ text: current.trim(), ...(heading ? { heading } : {}) });
    current = '';
  };
  for (const block of text.split(/\n\s*\n/)) {
    const h = /^#+\s+(.*)$/.exec(block.trim());
    if (h) {
      flush();
      heading = heading && block.trim().startsWith('##') ? `${heading.split(' › ')[0]} › ${h[1]}` : h[1];
      continue;
    }
    if (current.length + block.length > 400) flush();
    current += (current ? '\n\n' : '') + block.trim();
  }
  flush();
  return out;
}

export async function startConsoleDemo(options: ConsoleDemoOptions = {}): Promise<ConsoleDemo> {
  const stepMs = options.stepMs ?? 600;
  const sampleMs = options.sampleMs ?? 5000;
  const capacity = 120;
  const log = createLogger('demo').child({}, { level: 'silent' });
  const status = createMemoryStatusStore();
  const objects = new Map<string, StoredObject>();
  const chunks = new Map<string, Chunk[]>();
  const published: CloudEvent<unknown>[] = [];
  const counters = Object.fromEntries(STAGES.map((s) => [s, { received: 0, processed: 0, failed: 0, retry: 0, queued: 0 }])) as Record<(typeof STAGES)[number], { received: number; processed: number; failed: number; retry: number; queued: number }>;
  let dlqDepth = 0;
  const demo = { splitDown: false } as ConsoleDemo;

  const record = (key: string, s: DocumentStatus, cycle: string, extra: Record<string, unknown> = {}, at = new Date().toISOString()) =>
    status.record({ docId: documentId(BUCKET, key), bucket: BUCKET, key, status: s, cycle, at, ...extra });

  const storeChunks = (key: string, object: StoredObject, ocr: boolean) => {
    const docId = documentId(BUCKET, key);
    const made = chunkText(object.body.toString('utf8'));
    chunks.set(
      docId,
      made.map((c, index) => ({
        payload: {
          doc_id: docId, bucket: BUCKET, key, version: object.etag, chunk_index: index, chunk_count: made.length, chunk_hash: md5(Buffer.from(c.text)), text: c.text,
          ...(c.heading ? { heading: c.heading } : {}), ...(object.contentType === 'application/pdf' ? { page: Math.floor(index / 2) + 1 } : {}),
          ...(ocr ? { ocr: true } : {}), content_type: object.contentType, indexed_at: new Date().toISOString(),
          ...(key.endsWith('.pdf') ? { lang: 'en', source: 'scanner-2' } : {}),
        },
      })),
    );
    return made.length;
  };

  /** What the real stages would do with one cycle of one document, a step at a time. */
  const pipeline = async (key: string) => {
    const cycle = new Date().toISOString();
    const object = objects.get(key);
    await record(key, 'queued', cycle);
    counters.split.queued++;
    await sleep(stepMs);
    counters.split.queued--;
    counters.split.received++;
    if (!object) {
      await record(key, 'failed', cycle, { reason: 'not_found', error: 'the object is gone' });
      counters.split.failed++;
      return;
    }
    if (demo.splitDown) {
      // Every delivery fails; after the retries the broker dead-letters the event.
      counters.split.retry += 5;
      dlqDepth++;
      await sleep(stepMs);
      dlqDepth--;
      const event = new Event({ type: EventType.ObjectCreated, source: '/seaweedfs/documents', subject: key, datacontenttype: 'application/json', data: { bucket: BUCKET, key, etag: object.etag }, knativeerrorcode: '503', knativeerrordest: 'http://127.0.0.1:8181/' });
      const letter = toStoredDeadLetter(event as CloudEvent<unknown>, new Date());
      letters.set(letter.id, letter);
      await record(key, 'failed', cycle, { version: object.etag, reason: 'dead_lettered', error: 'dead-lettered after 5 delivery attempts: 503 from split' });
      return;
    }
    await record(key, 'splitting', cycle, { version: object.etag });
    await sleep(stepMs);
    if (key.includes('corrupt')) {
      counters.split.failed++;
      await record(key, 'failed', cycle, { version: object.etag, reason: 'corrupt', error: 'not a PDF: no %PDF- header in the first 1024 bytes' });
      return;
    }
    counters.split.processed++;
    counters.embed.received++;
    await record(key, 'embedding', cycle, { version: object.etag });
    await sleep(stepMs);
    counters.embed.processed++;
    counters.index.received++;
    await record(key, 'indexing', cycle, { version: object.etag });
    await sleep(stepMs);
    const count = storeChunks(key, object, key.startsWith('scans/'));
    counters.index.processed++;
    await record(key, 'indexed', cycle, { version: object.etag, chunkCount: count });
  };

  const putObject = (key: string, body: Buffer, contentType: string) => {
    objects.set(key, { body, contentType, etag: md5(body) });
  };
  const deleteObject = async (key: string) => {
    objects.delete(key);
    chunks.delete(documentId(BUCKET, key));
    await record(key, 'deleted', new Date().toISOString());
  };

  const publish = async (event: CloudEvent<unknown>) => {
    published.push(event);
    const data = event.data as { key?: string };
    if (event.type === EventType.IngestRequested && data.key) void pipeline(data.key);
    if (event.type === EventType.ObjectDeleted && data.key) void deleteObject(data.key);
  };

  // --- the fake S3 the presigned URLs point at (no signature check: this is no security test).
  const s3Server: Server = createServer((req: IncomingMessage, res) => {
    const origin = req.headers.origin;
    if (origin) res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'content-type', 'access-control-expose-headers': 'ETag', 'access-control-max-age': '600' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://s3');
    const [, bucket, ...rest] = url.pathname.split('/');
    const key = rest.map(decodeURIComponent).join('/');
    if (req.method !== 'PUT' || bucket !== BUCKET || !url.searchParams.has('X-Amz-Signature')) {
      res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>demo S3 takes presigned PUTs only</Message></Error>');
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      putObject(key, body, req.headers['content-type'] ?? 'application/octet-stream');
      res.writeHead(200, { etag: `"${md5(body)}"`, 'access-control-expose-headers': 'ETag' }).end();
      // What the SeaweedFS source would announce.
      void pipeline(key);
    });
  });
  await new Promise<void>((r) => s3Server.listen(0, '127.0.0.1', r));
  const s3Url = `http://127.0.0.1:${(s3Server.address() as AddressInfo).port}`;

  // --- the stores the API calls.
  const s3 = {
    send: async (command: object) => {
      if (command instanceof HeadObjectCommand) {
        const object = objects.get(command.input.Key!);
        if (!object) throw new NotFound({ message: 'not found', $metadata: { httpStatusCode: 404 } });
        return { ETag: `"${object.etag}"`, ContentLength: object.body.length, ContentType: object.contentType };
      }
      if (command instanceof DeleteObjectCommand) {
        void deleteObject(command.input.Key!);
        return {};
      }
      if (command instanceof ListObjectsV2Command) {
        if (command.input.Bucket !== BUCKET) return { Contents: [] };
        return { Contents: [...objects].map(([key, o]) => ({ Key: key, ETag: `"${o.etag}"`, LastModified: new Date() })), IsTruncated: false };
      }
      throw new Error(`demo S3 does not do ${command.constructor.name}`);
    },
  } as unknown as S3Client;
  const store = {
    collection: 'demo',
    countDocumentPoints: async (docId: string, version?: string) => (chunks.get(docId) ?? []).filter((c) => version === undefined || c.payload.version === version).length,
    documentKeys: async () => new Set([...chunks.values()].flatMap((c) => c.map((p) => String(p.payload.key)))),
    // Hits are the chunks sharing the most (stemmed) terms with the question, whatever the mode.
    search: async (request: { limit: number; sparse?: SparseVector; filter?: Record<string, string> }) => {
      const query = new Set(request.sparse?.indices ?? []);
      const scored = [...chunks.values()].flat().flatMap((c) => {
        if (request.filter && Object.entries(request.filter).some(([k, v]) => c.payload[k] !== v)) return [];
        const terms = chunkSparseVector({ text: String(c.payload.text), heading: c.payload.heading as string | undefined }).indices;
        const score = terms.filter((t) => query.has(t)).length / Math.max(1, query.size);
        return score > 0 ? [{ id: String(c.payload.chunk_hash), score, payload: c.payload }] : [];
      });
      return scored.sort((a, b) => b.score - a.score).slice(0, request.limit);
    },
  } as unknown as VectorStore;
  const embedder: Embedder = { model: { name: 'demo', dimension: 1 }, embed: async (texts) => texts.map(() => new Float32Array([1])), close: async () => undefined };
  const chunkReader: ChunkReader = {
    documentChunks: async (docId, { version, offset, limit }) => {
      const all = (chunks.get(docId) ?? []).filter((c) => c.payload.version === version);
      return { version, ...(all[0] ? { total: Number(all[0].payload.chunk_count) } : {}), items: all.filter((c) => Number(c.payload.chunk_index) >= offset && Number(c.payload.chunk_index) < offset + limit).map((c) => toIndexedChunk(c.payload)) };
    },
  };
  const deadLetters = createMemoryDeadLetterStore();
  const { letters } = deadLetters;
  const reconciler = createReconciler({ s3, status, index: store, publish, buckets: [BUCKET], log });
  const stopSchedule = reconciler.schedule(300_000);

  const metricsText = () =>
    STAGES.map((stage) => {
      const c = counters[stage];
      return [
        `sluice_events_received_total{stage="${stage}",type="t"} ${c.received}`,
        `sluice_events_total{stage="${stage}",type="t",outcome="processed"} ${c.processed}`,
        `sluice_events_total{stage="${stage}",type="t",outcome="failed"} ${c.failed}`,
        `sluice_events_total{stage="${stage}",type="t",outcome="retry"} ${c.retry}`,
        `sluice_queue_depth{queue="q-${stage}",trigger="${stage}-in",kind="trigger"} ${c.queued}`,
      ].join('\n');
    }).join('\n') + `\nsluice_queue_depth{queue="dlq",trigger="split-dlx",kind="dead-letter"} ${dlqDepth}\n`;
  let clock: (() => number) | undefined;
  // While the history is made up, so are the documents waiting.
  let seededWaiting: number | undefined;
  const monitor = createPipelineMonitor({
    targets: [{ name: 'demo', url: 'http://demo/metrics' }],
    status: { counts: async () => (seededWaiting === undefined ? status.counts() : { ...(await status.counts()), queued: seededWaiting }) },
    deadLetters: () => letters.size,
    reconcile: () => reconciler.state(),
    intervalMs: sampleMs,
    capacity,
    log,
    now: () => new Date(clock ? clock() : Date.now()),
    fetch: (async () => new Response(metricsText())) as typeof fetch,
  });

  if (options.seed !== false) await seed();

  const app = createApiApp({
    embedder,
    store,
    status,
    s3,
    buckets: [BUCKET],
    publish,
    deadLetters,
    log,
    reconciler,
    filterFields: ['lang'],
    chunks: chunkReader,
    pipeline: monitor,
    uploads: createUploadSigner({
      s3: createS3Client({ S3_ENDPOINT: s3Url, S3_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'demo', AWS_SECRET_ACCESS_KEY: 'demo' }, { requestChecksumCalculation: 'WHEN_REQUIRED' }),
      endpoint: s3Url,
      buckets: [BUCKET],
      maxObjectBytes: 10 * 1024 * 1024,
      ttlSeconds: 600,
    }),
    ...(options.auth !== false
      ? { users: parseBasicAuthUsers(`${DEMO_USERS.operator.user}:${DEMO_USERS.operator.password},${DEMO_USERS.viewer.user}:${DEMO_USERS.viewer.password}`), access: createAccess([DEMO_USERS.viewer.user]) }
      : {}),
  });
  const stopSampling = monitor.start();
  const server = app.listen(options.port ?? 0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));

  Object.assign(demo, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    s3Url,
    objects,
    published,
    close: async () => {
      stopSampling();
      stopSchedule();
      await new Promise((r) => server.close(r));
      await new Promise((r) => s3Server.close(r));
    },
  });
  return demo;

  /** A corpus in its various states, and ten minutes of history for the charts. */
  async function seed() {
    const docs: [string, string, string][] = [
      ['reports/2026/q1-summary.pdf', 'application/pdf', '# Quarterly summary\n\nRevenue grew in every region during the first quarter, led by the northern harbour terminals.\n\n## Harbour traffic\n\nThe harbour master records every arrival in the blue ledger before noon; container arrivals rose by a tenth.\n\n## Outlook\n\nThe second quarter brings the new crane at berth four and longer opening hours at the ferry terminal.'],
      ['handbook/onboarding.md', 'text/markdown', '# Onboarding\n\nWelcome aboard. Your first week pairs you with a keeper who shows you the lamps, the logbook and the radio.\n\n## Safety\n\nNever climb the lantern gallery in winds above force eight. Trim the wicks every four hours through the storms.'],
      ['scans/invoice-0042.pdf', 'application/pdf', '# Invoice 0042\n\nParaffin, 40 litres. Bread and letters by boat, once a month when the sea allows it.\n\nTotal due within thirty days.'],
      ['mail/digest-2026-03.eml', 'message/rfc822', '# March digest\n\nThe lighthouse keepers of the Faroe Islands trimmed the wicks every four hours through the winter storms.'],
      ['data/sales.csv', 'text/csv', 'region,quarter,revenue\nnorth,Q1,1200\nsouth,Q1,900'],
    ];
    const base = Date.now() - 40 * 60_000;
    for (const [i, [key, type, text]] of docs.entries()) {
      putObject(key, Buffer.from(text), type);
      const cycle = new Date(base + i * 60_000).toISOString();
      const t = (s: number) => new Date(base + i * 60_000 + s * 700).toISOString();
      const object = objects.get(key)!;
      await record(key, 'queued', cycle, {}, t(0));
      await record(key, 'splitting', cycle, { version: object.etag }, t(1));
      await record(key, 'embedding', cycle, { version: object.etag }, t(2));
      await record(key, 'indexing', cycle, { version: object.etag }, t(3));
      const count = storeChunks(key, object, key.startsWith('scans/'));
      await record(key, 'indexed', cycle, { version: object.etag, chunkCount: count }, t(4));
    }
    putObject('broken/corrupt-scan.pdf', Buffer.from('not a pdf at all'), 'application/pdf');
    const c1 = new Date(base + 20 * 60_000).toISOString();
    await record('broken/corrupt-scan.pdf', 'queued', c1, {}, c1);
    await record('broken/corrupt-scan.pdf', 'splitting', c1, { version: objects.get('broken/corrupt-scan.pdf')!.etag }, new Date(base + 20 * 60_000 + 400).toISOString());
    await record('broken/corrupt-scan.pdf', 'failed', c1, { version: objects.get('broken/corrupt-scan.pdf')!.etag, reason: 'corrupt', error: 'not a PDF: no %PDF- header in the first 1024 bytes' }, new Date(base + 20 * 60_000 + 900).toISOString());
    // An outage: split was down, the broker gave up on this one after its retries.
    const outageKey = 'reports/2026/board-minutes.md';
    putObject(outageKey, Buffer.from('# Board minutes\n\nThe board approved the new crane for berth four and asked for a safety review of the lantern gallery.'), 'text/markdown');
    const c2 = new Date(base + 30 * 60_000).toISOString();
    await record(outageKey, 'queued', c2, {}, c2);
    const letterEvent = new Event({ type: EventType.ObjectCreated, source: '/seaweedfs/documents', subject: outageKey, datacontenttype: 'application/json', data: { bucket: BUCKET, key: outageKey, etag: objects.get(outageKey)!.etag }, knativeerrorcode: '503', knativeerrordest: 'http://127.0.0.1:8181/' });
    const letter = toStoredDeadLetter(letterEvent as CloudEvent<unknown>, new Date(base + 31 * 60_000));
    letters.set(letter.id, letter);
    await record(outageKey, 'failed', c2, { version: objects.get(outageKey)!.etag, reason: 'dead_lettered', error: 'dead-lettered after 5 delivery attempts: 503 from split' }, new Date(base + 31 * 60_000).toISOString());

    // Ten minutes of samples (at the demo's interval), a burst of uploads in the middle.
    let t = Date.now() - capacity * sampleMs;
    clock = () => t;
    for (let i = 0; i < capacity; i++) {
      const burst = Math.max(0, 30 - Math.abs(i - capacity / 2)) / 30;
      const rate = Math.round(burst * 9 * (sampleMs / 5000));
      STAGES.forEach((stage, n) => {
        const c = counters[stage];
        c.processed += Math.max(0, rate - n);
        if (stage === 'split' && i % 17 === 0) c.failed++;
        if (stage === 'split' && Math.abs(i - capacity / 2) < 3) c.retry += 2;
        c.queued = stage === 'split' ? Math.round(burst * 14) : Math.round(burst * 3);
        c.received = c.processed + c.failed + c.retry + Math.round(burst * (4 - n));
      });
      seededWaiting = Math.round(burst * 24);
      await monitor.sample();
      t += sampleMs;
    }
    for (const c of Object.values(counters)) {
      c.queued = 0;
      c.received = c.processed + c.failed + c.retry;
    }
    clock = undefined;
    seededWaiting = undefined;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--port');
  const demo = await startConsoleDemo({ port: at > 0 ? Number(process.argv[at + 1]) : 8484 });
  console.log(`console demo at ${demo.url}/ui (operator ${DEMO_USERS.operator.user}:${DEMO_USERS.operator.password}, read-only ${DEMO_USERS.viewer.user}:${DEMO_USERS.viewer.password}); S3 at ${demo.s3Url}`);
  process.once('SIGINT', () => void demo.close().then(() => process.exit(0)));
}
