/**
 * The re-index API (docs/generations.md): `GET /reindex` (progress of every generation),
 * `POST /reindex` (start one: `{modelFile?, chunkSize?, chunkOverlap?}`), and
 * `POST /reindex/{cancel,rollback,prune}`. A request the generations' state does not allow
 * (a second build, nothing to roll back to) is a 409 saying why.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ReindexRequestedData } from '../../lib/events/schemas.js';
import { GenerationStateError } from '../../lib/generations/index.js';
import type { Logger } from '../../lib/log.js';
import type { Reindexer } from './reindex.js';

export function reindexRoutes(reindexer: Reindexer): express.Router {
  const router = express.Router();
  router.get('/', async (_req, res) => void res.json(await reindexer.status()));
  router.post('/', express.json({ limit: '4kb' }), async (req, res) => {
    const parsed = ReindexRequestedData.strict().safeParse(req.body ?? {});
    if (!parsed.success) return void res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') });
    res.status(202).json(await reindexer.start(parsed.data));
  });
  router.post('/cancel', async (_req, res) => void res.json(await reindexer.cancel()));
  router.post('/rollback', async (_req, res) => void res.json(await reindexer.rollback()));
  router.post('/prune', async (_req, res) => void res.json(await reindexer.prune()));
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof GenerationStateError) return void res.status(409).json({ error: err.message });
    next(err);
  });
  return router;
}

/**
 * `io.sluice.reindex.requested`: starts a build. One the state does not allow is logged and
 * accepted (retrying it cannot help), not dead-lettered.
 */
export function reindexRequest(reindexer: Reindexer, log: Logger) {
  return async (request: ReindexRequestedData) => {
    try {
      await reindexer.start(request);
    } catch (err) {
      if (!(err instanceof GenerationStateError)) throw err;
      log.warn({ request }, `re-index request refused: ${err.message}`);
    }
  };
}
