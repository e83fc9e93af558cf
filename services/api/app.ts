/**
 * The search and document API (a Knative Service in the cluster): search, what the index
 * holds for a document, and the broker's dead-letter sink.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { HTTP } from 'cloudevents';
import { z } from 'zod';
import { documentId } from '../../lib/documents/identity.js';
import type { Embedder } from '../../lib/embedding/types.js';
import type { Logger } from '../../lib/log.js';
import { registry } from '../../lib/runtime/metrics.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import { search } from './search.js';

export interface ApiOptions {
  embedder: Embedder;
  store: VectorStore;
  defaultBucket: string;
  log: Logger;
}

const SearchQuery = z.object({
  q: z.string().trim().min(1, 'q (the question) is required').max(4000),
  k: z.coerce.number().int().min(1).max(100).default(5),
  key: z.string().optional(),
});

export function createApiApp({ embedder, store, defaultBucket, log }: ApiOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/health/liveness', (_req, res) => void res.send('ok'));
  app.get('/health/readiness', (_req, res) => void res.send('ready'));
  app.get('/metrics', async (_req, res) => void res.type(registry.contentType).send(await registry.metrics()));

  const runSearch = async (input: unknown, res: Response) => {
    const parsed = SearchQuery.safeParse(input);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => i.message).join('; ') });
      return;
    }
    const { q, k, key } = parsed.data;
    const hits = await search(embedder, store, q, { k, ...(key ? { key } : {}) });
    res.json({ query: q, hits });
  };
  app.get('/search', (req, res) => runSearch(req.query, res));
  app.post('/search', express.json({ limit: '64kb' }), (req, res) =>
    runSearch({ q: req.body?.query ?? req.body?.q, k: req.body?.k, key: req.body?.key }, res),
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

  // Dead-letter sink: events the broker gave up on, with knativeerror* extensions.
  app.post('/dead-letters', express.raw({ type: () => true, limit: '8mb' }), (req, res) => {
    try {
      const event = HTTP.toEvent({ headers: req.headers as Record<string, string>, body: req.body?.toString('utf8') ?? '' });
      const single = Array.isArray(event) ? event[0] : event;
      log.warn(
        { eventId: single?.id, eventType: single?.type, subject: single?.subject, errorDest: single?.knativeerrordest, errorCode: single?.knativeerrorcode },
        'dead letter received',
      );
      res.status(202).end();
    } catch (err) {
      res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
    }
  });

  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log.error({ err }, 'request failed');
    res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
  });
  return app;
}
