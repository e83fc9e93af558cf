/**
 * The search and document API (a Knative Service in the cluster): search, what the index
 * holds for a document, status, the web page, and the broker's dead-letter sink.
 *
 * Access control (SLUICE_BASIC_AUTH): everything a person or the CLI calls needs credentials.
 * Open are the probes (/health/*) and /metrics (Prometheus scrapes without credentials; counts
 * only, no keys or text). The two POSTs the broker delivers to (/events, /dead-letters) need an
 * event sender's OIDC token instead (the Broker's dispatchers, and the functions parking invalid
 * events), checked against eventing/policies.yaml: a person's password is not an event sender.
 * Users named in SLUICE_READ_ONLY_USERS may only look (access.ts: 403 for anything that changes
 * the bucket, the index, the dead letters or the pipeline's work), and no change is taken from
 * a browser page of another origin.
 * A user bound to a tenant (SLUICE_TENANT_BINDINGS) may only search, and only that tenant's
 * documents (search-filter.ts).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { CloudEvent } from 'cloudevents';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { receiveCloudEvent } from '../../lib/runtime/http-event.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import type { StatusStore } from '../../lib/status/index.js';
import { createReconciler, type Reconciler } from './reconciler.js';
import { handleStatusEvent, recordDeadLetter } from './status-events.js';
import { checkDeadLetter } from './dead-letter-check.js';
import { parseStatusPage } from './status-page.js';
import { z } from 'zod';
import { documentId } from '../../lib/documents/identity.js';
import type { Embedder } from '../../lib/embedding/types.js';
import type { Logger } from '../../lib/log.js';
import { registry } from '../../lib/runtime/metrics.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import { search } from './search.js';
import { bindTenant, readFilters, type FilterPolicy } from './search-filter.js';
import { SEARCH_MODES, type SearchMode } from '../../lib/vector-store/search-mode.js';
import { createBasicAuth, type Credentials } from '../../lib/http/basic-auth.js';
import { checkEventAllowed, requireEventSender, type ReceiverAuth } from '../../lib/auth/http.js';
import { DeadLetterNotFoundError, replayDeadLetters, summarise, type DeadLetterStore } from './dead-letters.js';
import { registerDeadLetterGauge, registerDocumentStatusGauge } from './metrics.js';
import { reindexRequest, reindexRoutes } from './reindex-routes.js';
import type { Reindexer } from './reindex.js';
import { createEvent } from '../../lib/events/create-event.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { ObjectNotFoundError, headObject } from '../../lib/storage/s3.js';
import type { ChunkReader } from '../../lib/vector-store/chunks.js';
import { createAccess, refuseCrossSiteChanges, refuseViewerChanges, roleOf, userOf, type Access } from './access.js';
import { DOCUMENT_PARTS, documentDetail, type DocumentPart } from './document-view.js';
import type { PipelineMonitor } from './pipeline-monitor.js';
import { UploadRefusedError, UploadRequest, type UploadSigner } from './uploads.js';
import { loadWebAssets } from './web-assets.js';
import { pageCsp, PAGE_CSS, renderDocumentPage, renderPage, renderPipelinePage } from './web-page.js';

export interface ApiOptions {
  embedder: Embedder;
  store: VectorStore;
  status: StatusStore;
  s3: S3Client;
  buckets: readonly string[];
  publish(event: CloudEvent<unknown>): Promise<void>;
  deadLetters: DeadLetterStore;
  /** Basic-auth users; undefined = no authentication. */
  users?: Credentials | undefined;
  /** Who may deliver to `/events` and `/dead-letters` (OIDC + eventing/policies.yaml); undefined = anyone. */
  eventAuth?: ReceiverAuth | undefined;
  log: Logger;
  /** Reconcile with its sweeps and schedule (main.ts); default: reconcile of `buckets` only. */
  reconciler?: Reconciler;
  /** Largest dead letter stored (DEAD_LETTER_MAX_BYTES); default 256 KiB. */
  deadLetterMaxBytes?: number;
  /** How far ahead of our clock a status cycle time may be (STATUS_MAX_CLOCK_SKEW_S). */
  maxClockSkewMs?: number;
  /** Index generations (services/api/reindex.ts): /reindex, the copy of live events to a build. */
  reindexer?: Reindexer;
  /** The status store of a generation an event is tagged with (see status-events.ts). */
  statusFor?: (generation: number) => Promise<Pick<StatusStore, 'record'> | undefined>;
  /**
   * What one search runs against: the serving generation's model and collection, resolved once
   * per search so that the query vector and the points are of one generation. Default: `embedder`, `store`.
   */
  searchTarget?: () => Promise<{ embedder: Embedder; store: VectorStore; generation?: number }>;
  /** Roles of the basic-auth users (SLUICE_READ_ONLY_USERS); default: everyone is an operator. */
  access?: Access;
  /** Presigned uploads from the console; without it `POST /uploads` is 503. */
  uploads?: UploadSigner | undefined;
  /** The chunks as indexed, for the document view; without it the view shows none. */
  chunks?: ChunkReader | undefined;
  /** The pipeline view's samples; without it `GET /pipeline` has no samples. */
  pipeline?: PipelineMonitor | undefined;
  /** Metadata names search may filter by (SLUICE_FILTER_FIELDS and the tenant field). */
  filterFields?: readonly string[] | undefined;
  /** The metadata name holding a document's tenant (SLUICE_TENANT_FIELD). */
  tenantField?: string | undefined;
  /** Basic-auth user → the one tenant it may search (SLUICE_TENANT_BINDINGS); needs `users`. */
  tenantBindings?: Readonly<Record<string, string>> | undefined;
}

const SearchQuery = z.object({
  q: z.string().trim().min(1, 'q (the question) is required').max(4000),
  k: z.coerce.number().int().min(1).max(100).default(5),
  key: z.string().optional(),
  mode: z.enum(SEARCH_MODES as [SearchMode, ...SearchMode[]]).default('hybrid'),
});

const IngestBody = z.object({ key: z.string().min(1, 'key is required'), bucket: z.string().optional() });

/** `include=history,chunks,letters` and the chunk window of `GET /documents/<key>`. */
const DocumentQuery = z.object({
  include: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const parts = (v ?? '').split(',').map((p) => p.trim()).filter(Boolean);
      const unknown = parts.filter((p) => !(DOCUMENT_PARTS as readonly string[]).includes(p));
      if (unknown.length > 0) ctx.addIssue({ code: 'custom', message: `include takes ${DOCUMENT_PARTS.join(', ')}, not ${unknown.join(', ')}` });
      return parts as DocumentPart[];
    }),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  version: z.string().min(1).max(200).optional(),
  bucket: z.string().optional(),
});

export function createApiApp(options: ApiOptions): express.Express {
  const { embedder, store, status, s3, buckets, publish, deadLetters, users, eventAuth, log } = options;
  const access = options.access ?? createAccess();
  const csp = pageCsp(options.uploads?.origin);
  const assets = loadWebAssets();
  const defaultBucket = buckets[0]!;
  const tenantBindings = options.tenantBindings ?? {};
  // Without authentication nobody can be told apart, so a binding would bind no one.
  if (Object.keys(tenantBindings).length > 0 && !users) throw new Error('SLUICE_TENANT_BINDINGS needs SLUICE_BASIC_AUTH: a tenant is bound to a user');
  const filterPolicy: FilterPolicy = {
    fields: [...new Set([...(options.filterFields ?? []), ...(options.tenantField ? [options.tenantField] : [])])],
    tenantField: options.tenantField,
  };
  /** The tenant the request's credential is bound to (express-basic-auth has checked it). */
  const tenantOf = (req: Request): string | undefined => {
    const user = (req as Request & { auth?: { user?: string } }).auth?.user;
    return user !== undefined && Object.hasOwn(tenantBindings, user) ? tenantBindings[user] : undefined;
  };
  const reconciler = options.reconciler ?? createReconciler({ s3, status, index: store, publish, buckets, log });
  const reconcile = (bucket?: string) => reconciler.run(bucket);
  const sinkOptions = {
    status,
    defaultBucket,
    buckets,
    ...(options.maxClockSkewMs !== undefined ? { maxClockSkewMs: options.maxClockSkewMs } : {}),
    ...(options.statusFor ? { statusFor: options.statusFor } : {}),
  };
  const { reindexer } = options;
  const generationEvents = reindexer ? { fanOut: reindexer.fanOut, reindex: reindexRequest(reindexer, log) } : {};
  const app = express();
  app.disable('x-powered-by');
  registerDocumentStatusGauge(status);
  registerDeadLetterGauge(() => deadLetters.stored?.());

  // --- Open: probes, metrics and the broker's deliveries (see the header comment).
  app.get('/health/liveness', (_req, res) => void res.send('ok'));
  app.get('/health/readiness', (_req, res) => void res.send('ready'));
  app.get('/metrics', async (_req, res) => void res.type(registry.contentType).send(await registry.metrics()));
  // Browsers ask for it with every page; there is none.
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());

  // Events the API subscribes to (status recording, reconcile requests).
  const refused = (status: number, message: string) => log.warn({ status, err: message }, 'refused an event from an unauthenticated or unauthorised sender');
  app.post('/events', requireEventSender(eventAuth, refused), ...receiveCloudEvent('1mb'), async (_req, res) => {
    const event = res.locals.event as CloudEvent<unknown>;
    if (!checkEventAllowed(eventAuth, res, event)) return;
    try {
      await handleStatusEvent(event, { ...sinkOptions, ...generationEvents, reconcile });
      res.status(202).end();
    } catch (err) {
      if (err instanceof InvalidEventError) {
        log.warn({ eventId: event.id, eventType: event.type, problems: err.problems }, err.message);
        res.status(400).json({ error: err.message });
        return;
      }
      throw err;
    }
  });

  // Dead-letter sink: events the broker gave up on, with knativeerror* extensions. Stored
  // before the 202, so a letter the broker saw accepted is never lost (a failed store is a
  // 5xx and the broker retries the sink). The status is recorded first: recording it again on
  // such a retry changes nothing, while storing the letter twice would list it twice.
  // A letter is checked first (dead-letter-check.ts): a refused one is a 400 and changes nothing.
  app.post('/dead-letters', requireEventSender(eventAuth, refused), ...receiveCloudEvent(options.deadLetterMaxBytes ?? 256 * 1024), async (_req, res) => {
    const event = res.locals.event as CloudEvent<unknown>;
    if (!checkEventAllowed(eventAuth, res, event)) return;
    try {
      const verdict = checkDeadLetter(event as unknown as Parameters<typeof checkDeadLetter>[0], buckets);
      if (verdict.dataValid) await recordDeadLetter(event, sinkOptions);
    } catch (err) {
      if (err instanceof InvalidEventError) {
        log.warn({ eventId: event.id, eventType: event.type, problems: err.problems }, `dead letter refused: ${err.message}`);
        res.status(400).json({ error: err.message, ...(err.problems.length > 0 ? { problems: err.problems } : {}) });
        return;
      }
      throw err;
    }
    const letter = await deadLetters.add(event);
    log.warn(
      { deadLetter: letter.id, eventId: event.id, eventType: event.type, subject: event.subject, errorDest: event.knativeerrordest, errorCode: event.knativeerrorcode },
      'dead letter stored',
    );
    res.status(202).end();
  });

  // --- Everything below needs credentials when SLUICE_BASIC_AUTH is set, and an operator to change anything.
  app.use(createBasicAuth(users));
  app.use(refuseCrossSiteChanges());
  app.use(refuseViewerChanges(access));

  const bucketOf = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : defaultBucket);
  const knownBucket = (bucket: string | undefined, res: Response): bucket is string => {
    if (bucket !== undefined && buckets.includes(bucket)) return true;
    res.status(400).json({ error: `bucket ${String(bucket)} is not a configured bucket` });
    return false;
  };
  const viewer = (req: Request) => ({ user: userOf(req), role: roleOf(access, req) });
  const page = (res: Response, html: string) =>
    void res.set({ 'content-security-policy': csp, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' }).type('html').send(html);

  // A credential bound to a tenant searches, and nothing else: status records, point counts,
  // the page and dead letters name every tenant's documents.
  app.use((req, res, next) => {
    const tenant = tenantOf(req);
    if (tenant === undefined || (req.path.replace(/\/+$/, '') === '/search' && (req.method === 'GET' || req.method === 'POST'))) return next();
    res.status(403).json({ error: 'this credential is bound to a tenant: it may only search (GET or POST /search)' });
  });

  app.get('/', (_req, res) => res.redirect(302, '/ui'));
  app.get('/ui', async (req, res) => {
    // One page of records (no scan of the status collection on every refresh).
    const { records } = await status.page({ limit: 1000 });
    page(res, renderPage(records.sort((a, b) => a.key.localeCompare(b.key)), { ...viewer(req), buckets }));
  });
  app.get('/ui/doc/*key', (req, res) => {
    const key = (req.params as { key: string[] }).key.join('/');
    const bucket = bucketOf(req.query.bucket);
    if (!knownBucket(bucket, res)) return;
    page(res, renderDocumentPage({ bucket, key }, viewer(req)));
  });
  app.get('/ui/pipeline', (req, res) => page(res, renderPipelinePage(viewer(req))));
  app.get('/ui/app.css', (_req, res) => void res.type('text/css').set('cache-control', 'no-cache').send(PAGE_CSS));
  // The page's ES modules (services/api/web), read once at start: only those files, nothing else from disk.
  app.get('/ui/js/:name', (req, res) => {
    const asset = assets.get(req.params.name);
    if (!asset) return void res.status(404).json({ error: 'no such script' });
    if (req.get('if-none-match') === asset.etag) return void res.status(304).end();
    res.set({ 'content-security-policy': csp, etag: asset.etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).type('text/javascript').send(asset.body);
  });
  app.get('/whoami', (req, res) => void res.json({ ...viewer(req), buckets, uploads: options.uploads !== undefined }));

  app.get('/dead-letters', async (_req, res) => {
    res.json((await deadLetters.list()).map(summarise));
  });
  // Replays one letter (`:id`) or every letter (`all`): asks for the letter's document again
  // (never the stored event itself, see dead-letters.ts), then removes the letter.
  app.post('/dead-letters/:id/replay', async (req, res) => {
    const id = req.params.id;
    const ids = id === 'all' ? (await deadLetters.list()).map((l) => l.id) : [id];
    try {
      const result = await replayDeadLetters(deadLetters, publish, ids, buckets);
      log.info({ replayed: result.replayed.length, failed: result.failed.length }, 'dead letters replayed');
      res.status(result.failed.length > 0 ? 502 : 200).json(result);
    } catch (err) {
      if (err instanceof DeadLetterNotFoundError) return void res.status(404).json({ error: err.message });
      throw err;
    }
  });

  // Filters: `filter=name:value` (repeatable) on GET, `filter: { name: value }` in a POST body.
  const runSearch = async (input: unknown, filterInput: unknown, req: Request, res: Response) => {
    const parsed = SearchQuery.safeParse(input);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => i.message).join('; ') });
      return;
    }
    const filters = readFilters(filterInput, filterPolicy);
    const bound = 'meta' in filters ? bindTenant(filters.meta, filterPolicy, tenantOf(req)) : filters;
    if (!('meta' in bound)) {
      res.status(bound.status).json({ error: bound.error });
      return;
    }
    const { q, k, key, mode } = parsed.data;
    const target: { embedder: Embedder; store: VectorStore; generation?: number } = options.searchTarget ? await options.searchTarget() : { embedder, store };
    const hits = await search(target.embedder, target.store, q, { k, mode, ...(key ? { key } : {}), meta: bound.meta });
    // Which index generation answered (every hit is of that one): docs/generations.md. The filter
    // echoed is the one applied, a tenant's condition included.
    res.json({ query: q, mode, filter: bound.meta, hits, ...(target.generation !== undefined ? { generation: target.generation } : {}) });
  };
  app.get('/search', (req, res) => {
    // `filter[owner]=x` would otherwise be ignored, and the search silently wider than asked.
    if (Object.keys(req.query).some((name) => name.startsWith('filter['))) return void res.status(400).json({ error: 'give filters as filter=name:value' });
    return runSearch(req.query, req.query.filter, req, res);
  });
  app.post('/search', express.json({ limit: '64kb' }), (req, res) =>
    runSearch({ q: req.body?.query ?? req.body?.q, k: req.body?.k, key: req.body?.key, mode: req.body?.mode }, req.body?.filter, req, res),
  );

  // What the index holds for one object: its points, and with `include` what the console shows
  // (document-view.ts: history and versions, a window of chunks, its dead letters).
  app.get('/documents/*key', async (req, res) => {
    const key = (req.params as { key: string[] }).key.join('/');
    const query = DocumentQuery.safeParse(req.query);
    if (!query.success) return void res.status(400).json({ error: query.error.issues.map((i) => i.message).join('; ') });
    const bucket = bucketOf(query.data.bucket)!;
    const { include, offset, limit, version } = query.data;
    const docId = documentId(bucket, key);
    if (include.length === 0) {
      // The CLI's question: how many points, of one version if asked.
      const points = await store.countDocumentPoints(docId, version);
      return void res.json({ bucket, key, docId, points, ...(version ? { version } : {}) });
    }
    if (!knownBucket(bucket, res)) return;
    res.json(
      await documentDetail(
        { status, store, chunks: options.chunks, deadLetters, buckets },
        { bucket, key, include, ...(offset !== undefined ? { offset } : {}), ...(limit !== undefined ? { limit } : {}), ...(version ? { version } : {}) },
      ),
    );
  });

  // Delete: the object goes from the bucket, and its points and status follow through the
  // pipeline's delete path (the source's object.deleted). An object already gone whose points
  // remain gets that deletion event from here, as reconcile would send it.
  app.delete('/documents/*key', async (req, res) => {
    const key = (req.params as { key: string[] }).key.join('/');
    const bucket = bucketOf(req.query.bucket);
    if (!knownBucket(bucket, res)) return;
    const exists = await headObject(s3, bucket, key).then(
      () => true,
      (err: unknown) => {
        if (err instanceof ObjectNotFoundError) return false;
        throw err;
      },
    );
    if (exists) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    else await publish(createEvent(EventType.ObjectDeleted, EventSource.api, key, { bucket, key }));
    log.info({ bucket, key, user: userOf(req), objectExisted: exists }, 'document deleted from the console');
    res.status(202).json({ bucket, key, deleted: exists ? 'object' : 'points' });
  });

  // Re-ingest: the same request `sluice ingest` sends (the object as it is now, whatever its status).
  app.post('/ingest', express.json({ limit: '8kb' }), async (req, res) => {
    const body = IngestBody.safeParse(req.body ?? {});
    if (!body.success) return void res.status(400).json({ error: body.error.issues.map((i) => i.message).join('; ') });
    const bucket = bucketOf(body.data.bucket);
    if (!knownBucket(bucket, res)) return;
    const { key } = body.data;
    await publish(createEvent(EventType.IngestRequested, EventSource.api, key, { bucket, key }));
    log.info({ bucket, key, user: userOf(req) }, 'ingest requested from the console');
    res.status(202).json({ bucket, key, requested: true });
  });

  // A presigned PUT for one file (uploads.ts): the bytes go from the browser to S3 directly.
  app.post('/uploads', express.json({ limit: '16kb' }), async (req, res) => {
    if (!options.uploads) return void res.status(503).json({ error: 'uploads from the console are not configured' });
    const body = UploadRequest.safeParse(req.body ?? {});
    if (!body.success) return void res.status(400).json({ error: body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    try {
      const grant = await options.uploads.sign(body.data);
      log.info({ bucket: grant.bucket, key: grant.key, size: body.data.size, user: userOf(req) }, 'upload URL issued');
      res.json(grant);
    } catch (err) {
      if (err instanceof UploadRefusedError) return void res.status(400).json({ error: err.message });
      throw err;
    }
  });

  // The pipeline view's samples, the reconcile schedule and the last run.
  app.get('/pipeline', (_req, res) => {
    const view = options.pipeline?.view();
    res.json(view ?? { intervalS: 0, capacity: 0, stages: [], samples: [], targets: [], reconcile: reconciler.state() });
  });

  // Per-document status. With `limit` (and `cursor`), one page: `{ records, next }`; without,
  // every record (the CLI's list), read page by page.
  app.get('/status', async (req, res) => {
    const query = parseStatusPage(req.query);
    if ('error' in query) return void res.status(400).json({ error: query.error });
    if (query.limit === undefined) return void res.json(await status.list(query.status ? { status: query.status } : {}));
    res.json(await status.page(query));
  });
  app.get('/status/*key', async (req, res) => {
    const key = (req.params as { key: string[] }).key.join('/');
    const bucket = typeof req.query.bucket === 'string' ? req.query.bucket : defaultBucket;
    const record = await status.get(documentId(bucket, key));
    if (!record) res.status(404).json({ error: `no status for s3://${bucket}/${key}` });
    else res.json(record);
  });

  app.post('/reconcile', express.json({ limit: '4kb' }), async (req, res) => {
    res.json(await reconcile(typeof req.body?.bucket === 'string' ? req.body.bucket : undefined));
  });

  if (reindexer) app.use('/reindex', reindexRoutes(reindexer));

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    // The body parsers' own refusals (413 over the size cap, 400 unreadable) are the client's fault.
    const { status: code, expose } = err as { status?: number; expose?: boolean };
    if (expose && typeof code === 'number' && code >= 400 && code < 500) {
      log.warn({ status: code }, err instanceof Error ? err.message : String(err));
      return void res.status(code).json({ error: err instanceof Error ? err.message : String(err) });
    }
    log.error({ err }, 'request failed');
    res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
  });
  return app;
}
