/**
 * An OpenAI-compatible embeddings server for tests: `POST /v1/embeddings` answered by the real
 * ONNX model (lib/embedding), with faults (delay, 429/503 with Retry-After for the next N calls)
 * set at run time:
 *   POST /control/faults {"delayMs":3000,"delayForMs":20000} | {"fail":{"status":429,"count":5,"retryAfterSeconds":2}} | {"clear":true}
 *   GET  /control/stats  → calls, answered, failed by status, current faults
 *
 *   node --import tsx test/chaos/embedding-server.ts --port 7430 [--host 127.0.0.1]
 * The model comes from SLUICE_MODEL_DIR / EMBED_MODEL_FILE as for the embed function.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createOnnxEmbedder, DEFAULT_MODEL_DIR } from '../../lib/embedding/index.js';
import { createLogger } from '../../lib/log.js';
import { FaultPlan, FaultRequest } from './embedding-faults.js';

const EmbeddingsRequest = z.object({
  input: z.union([z.string(), z.array(z.string()).min(1)]),
  model: z.string().optional(),
});

const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } } });
const port = Number(values.port ?? process.env.CHAOS_EMBEDDING_PORT ?? 7430);
const log = createLogger('chaos-embedding');
const embedder = await createOnnxEmbedder({
  modelDir: resolve(process.env.SLUICE_MODEL_DIR || DEFAULT_MODEL_DIR),
  ...(process.env.EMBED_MODEL_FILE ? { modelFile: process.env.EMBED_MODEL_FILE } : {}),
});
const plan = new FaultPlan();

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8') || '{}');
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

async function embeddings(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const parsed = EmbeddingsRequest.safeParse(await readJson(req));
  if (!parsed.success) return send(res, 400, { error: { message: parsed.error.issues.map((i) => i.message).join('; ') } });
  const outcome = plan.next();
  if (outcome.delayMs > 0) await sleep(outcome.delayMs);
  if (outcome.kind === 'fail') {
    log.info({ status: outcome.status, retryAfterSeconds: outcome.retryAfterSeconds }, 'injected failure');
    return send(res, outcome.status, { error: { message: `injected ${outcome.status}` } }, { 'retry-after': String(outcome.retryAfterSeconds) });
  }
  const inputs = typeof parsed.data.input === 'string' ? [parsed.data.input] : parsed.data.input;
  const vectors = await embedder.embed(inputs);
  send(res, 200, {
    object: 'list',
    model: parsed.data.model ?? embedder.model.name,
    data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: Array.from(v) })),
    usage: { prompt_tokens: 0, total_tokens: 0 },
  });
}

const server = createServer((req, res) => {
  const route = `${req.method} ${req.url?.split('?')[0]}`;
  const handle = async () => {
    switch (route) {
      case 'POST /v1/embeddings':
        return embeddings(req, res);
      case 'POST /control/faults': {
        const parsed = FaultRequest.safeParse(await readJson(req));
        if (!parsed.success) return send(res, 400, { error: parsed.error.issues.map((i) => i.message).join('; ') });
        plan.apply(parsed.data);
        log.info({ faults: plan.describe() }, 'faults set');
        return send(res, 200, plan.describe());
      }
      case 'GET /control/stats':
        return send(res, 200, { ...plan.stats, faults: plan.describe() });
      case 'GET /health':
        return send(res, 200, { ok: true });
      default:
        return send(res, 404, { error: `no route ${route}` });
    }
  };
  handle().catch((err: unknown) => {
    log.error({ err }, 'request failed');
    if (!res.headersSent) send(res, 500, { error: { message: err instanceof Error ? err.message : String(err) } });
  });
});
server.listen(port, values.host, () => log.info({ port, host: values.host, model: embedder.model }, 'listening'));
const stop = () => server.close(() => void embedder.close().finally(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
