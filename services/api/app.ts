/**
 * The search and document API (a Knative Service in the cluster): search, what the index
 * holds for a document, status, the web page, and the broker's dead-letter sink.
 *
 * Access control (SLUICE_BASIC_AUTH): everything a person or the CLI calls needs credentials.
 * Open are the probes (/health/*), /metrics (Prometheus scrapes without credentials; counts only,
 * no keys or text) and the two POSTs the broker delivers to (/events, /dead-letters), because
 * Knative delivery carries no credentials: they accept CloudEvents only, the local stack binds
 * to loopback, and in the cluster only Traefik (with its own basicAuth) exposes the API.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { CloudEvent } from 'cloudevents';
import type { S3Client } from '@aws-sdk/client-s3';
import { receiveCloudEvent } from '../../lib/runtime/http-event.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';
import { STATUSES, type StatusStore } from '../../lib/status/index.js';
import { reconcileBucket } from './reconcile.js';
import { handleStatusEvent, recordDeadLetter } from './status-events.js';
import { z } from 'zod';
import { documentId } from '../../lib/documents/identity.js';
import type { Embedder } from '../../lib/embedding/types.js';
import type { Logger } from '../../lib/log.js';
import { registry } from '../../lib/runtime/metrics.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import { search } from './search.js';
import { SEARCH_MODES, type SearchMode } from '../../lib/vector-store/search-mode.js';
import { createBasicAuth, type Credentials } from '../../lib/http/basic-auth.js';
import { DeadLetterNotFoundError, replayDeadLetters, summarise, type DeadLetterStore } from './dead-letters.js';
import { registerDocumentStatusGauge } from './metrics.js';
import { PAGE_CSP, PAGE_CSS, PAGE_SCRIPT, renderPage } from './web-page.js';

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
  log: Logger;
}

const SearchQuery = z.object({
  q: z.string().trim().min(1, 'q (the question) is required').max(4000),
  k: z.coerce.number().int().min(1).max(100).default(5),
  key: z.string().optional(),
  mode: z.enum(SEARCH_MODES as [SearchMode, ...SearchMode[]]).default('hybrid'),
});

export function createApiApp({ embedder, store, status, s3, buckets, publish, deadLetters, users, log }: ApiOptions): express.Express {
  const defaultBucket = buckets[0]!;
  const reconcile = async (bucket?: string) => {
    const reports = [];
    for (const b of bucket ? [bucket] : buckets) {
      if (!buckets.includes(b)) throw new InvalidEventError(`bucket ${b} is not a configured bucket`);
      const report = await reconcileBucket({ s3, status, index: store, publish }, b);
      log.info({ bucket: b, requested: report.requested.length, deleted: report.deleted.length, inSync: report.inSync }, 'reconciled');
      reports.push(report);
    }
    return reports;
  };
  const app = express();
  app.disable('x-powered-by');
  registerDocumentStatusGauge(status);

  // --- Open: probes, metrics and the broker's deliveries (see the header comment).
  app.get('/health/liveness', (_req, res) => void res.send('ok'));
  app.get('/health/readiness', (_req, res) => void res.send('ready'));
  app.get('/metrics', async (_req, res) => void res.type(registry.contentType).send(await registry.metrics()));
  // Browsers ask for it with every page; there is none.
  app.get('/favicon.ico', (_req, res) => void res.status(204).end());

  // Events the API subscribes to (status recording, reconcile requests).
  app.post('/events', ...receiveCloudEvent('1mb'), async (_req, res) => {
    const event = res.locals.event as CloudEvent<unknown>;
    try {
      await handleStatusEvent(event, { status, defaultBucket, reconcile });
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
  app.post('/dead-letters', ...receiveCloudEvent('8mb'), async (_req, res) => {
    const event = res.locals.event as CloudEvent<unknown>;
    await recordDeadLetter(event, { status, defaultBucket });
    const letter = await deadLetters.add(event);
    log.warn(
      { deadLetter: letter.id, eventId: event.id, eventType: event.type, subject: event.subject, errorDest: event.knativeerrordest, errorCode: event.knativeerrorcode },
      'dead letter stored',
    );
    res.status(202).end();
  });

  // --- Everything below needs credentials when SLUICE_BASIC_AUTH is set.
  app.use(createBasicAuth(users));

  app.get('/', (_req, res) => res.redirect(302, '/ui'));
  app.get('/ui', async (_req, res) => {
    res.set({ 'content-security-policy': PAGE_CSP, 'cache-control': 'no-store' }).type('html').send(renderPage(await status.list()));
  });
  app.get('/ui/app.js', (_req, res) => void res.set('content-security-policy', PAGE_CSP).type('text/javascript').send(PAGE_SCRIPT));
  app.get('/ui/app.css', (_req, res) => void res.type('text/css').send(PAGE_CSS));

  app.get('/dead-letters', async (_req, res) => {
    res.json((await deadLetters.list()).map(summarise));
  });
  // Replays one letter (`:id`) or every letter (`all`): publishes the original event to the
  // broker again without the error extensions, then removes the letter.
  app.post('/dead-letters/:id/replay', async (req, res) => {
    const id = req.params.id;
    const ids = id === 'all' ? (await deadLetters.list()).map((l) => l.id) : [id];
    try {
      const result = await replayDeadLetters(deadLetters, publish, ids);
      log.info({ replayed: result.replayed.length, failed: result.failed.length }, 'dead letters replayed');
      res.status(result.failed.length > 0 ? 502 : 200).json(result);
    } catch (err) {
      if (err instanceof DeadLetterNotFoundError) return void res.status(404).json({ error: err.message });
      throw err;
    }
  });

  const runSearch = async (input: unknown, res: Response) => {
    const parsed = SearchQuery.safeParse(input);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => i.message).join('; ') });
      return;
    }
    const { q, k, key, mode } = parsed.data;
    const hits = await search(embedder, store, q, { k, mode, ...(key ? { key } : {}) });
    res.json({ query: q, mode, hits });
  };
  app.get('/search', (req, res) => runSearch(req.query, res));
  app.post('/search', express.json({ limit: '64kb' }), (req, res) =>
    runSearch({ q: req.body?.query ?? req.body?.q, k: req.body?.k, key: req.body?.key, mode: req.body?.mode }, res),
  );

  // What the index holds for one object: its points and their version(s).
  app.get('/documents/*key', async (req, res) => {
    const key = (req.params as { key: string[] }).key.join('/');
    const bucket = typeof req.query.bucket === 'string' ? req.query.bucket : defaultBucket;
    const version = typeof req.query.version === 'string' && req.query.version ? req.query.version : undefined;
    const docId = documentId(bucket, key);
    const points = await store.countDocumentPoints(docId, version);
    res.json({ bucket, key, docId, points, ...(version ? { version } : {}) });
  });

  // Per-document status.
  app.get('/status', async (req, res) => {
    const wanted = typeof req.query.status === 'string' ? req.query.status : undefined;
    if (wanted && !(STATUSES as readonly string[]).includes(wanted)) {
      res.status(400).json({ error: `status must be one of ${STATUSES.join(', ')}` });
      return;
    }
    res.json(await status.list(wanted ? { status: wanted as (typeof STATUSES)[number] } : {}));
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

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log.error({ err }, 'request failed');
    res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
  });
  return app;
}
