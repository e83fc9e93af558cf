import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TransientError } from '../runtime/errors.js';
import { EmbeddingBackendError, EmbeddingConfigError, EmbeddingUnavailableError } from './errors.js';
import { createEmbedderFromEnv } from './index.js';
import { instrumentEmbedder } from './instrumented.js';
import { createOpenAICompatibleEmbedder } from './openai.js';

interface RecordedRequest {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  body: { input: string[]; model: string };
}

type Reply = (request: RecordedRequest, res: ServerResponse) => void;

/** Deterministic fake vector: [length of text, position in batch, 1]. */
function fakeEmbedding(text: string, index: number): number[] {
  return [text.length, index, 1];
}

const answerEmbeddings: Reply = (request, res) => {
  const data = request.body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text, index) }));
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: request.body.model }));
};

describe('OpenAI-compatible embedder', () => {
  let server: Server;
  let baseUrl: string;
  let requests: RecordedRequest[];
  let reply: Reply;

  before(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request: RecordedRequest = {
          method: req.method,
          url: req.url,
          authorization: req.headers.authorization,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedRequest['body'],
        };
        requests.push(request);
        reply(request, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    requests = [];
    reply = answerEmbeddings;
  });

  it('posts {input, model} to /v1/embeddings and returns one Float32Array per text', async () => {
    const embedder = createOpenAICompatibleEmbedder({ url: baseUrl, apiKey: 'sk-test', model: 'test-model' });
    const vectors = await embedder.embed(['a', 'bb', 'ccc']);

    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.method, 'POST');
    assert.equal(requests[0]!.url, '/v1/embeddings');
    assert.equal(requests[0]!.authorization, 'Bearer sk-test');
    assert.deepEqual(requests[0]!.body, { input: ['a', 'bb', 'ccc'], model: 'test-model' });
    assert.ok(vectors.every((v) => v instanceof Float32Array));
    assert.deepEqual(vectors.map((v) => [...v]), [fakeEmbedding('a', 0), fakeEmbedding('bb', 1), fakeEmbedding('ccc', 2)]);
    assert.deepEqual({ ...embedder.model }, { name: 'test-model', dimension: 3 }, 'dimension learned from the response');
    await embedder.close();
  });

  it('accepts a base URL that already ends in /v1 and sends no Authorization without a key', async () => {
    const embedder = createOpenAICompatibleEmbedder({ url: `${baseUrl}/v1/`, model: 'm' });
    await embedder.embed(['x']);
    assert.equal(requests[0]!.url, '/v1/embeddings');
    assert.equal(requests[0]!.authorization, undefined);
  });

  it('splits inputs into batches and keeps the caller order', async () => {
    const embedder = createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm', batchSize: 2 });
    const texts = ['one', 'two', 'three', 'four', 'five'];
    const vectors = await embedder.embed(texts);

    assert.deepEqual(requests.map((r) => r.body.input), [['one', 'two'], ['three', 'four'], ['five']]);
    assert.deepEqual(vectors.map((v) => v[0]), texts.map((t) => t.length));
  });

  it('places embeddings by their index field, not by array order', async () => {
    reply = (request, res) => {
      const data = request.body.input.map((text, index) => ({ index, embedding: fakeEmbedding(text, index) })).reverse();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    };
    const embedder = createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm' });
    const vectors = await embedder.embed(['a', 'bb']);
    assert.deepEqual(vectors.map((v) => v[0]), [1, 2]);
  });

  it('maps 429 with Retry-After seconds to a transient error with retryAfterMs, in one request', async () => {
    reply = (_request, res) => res.writeHead(429, { 'retry-after': '3' }).end('{"error":"rate limited"}');
    const embedder = createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm' });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => {
      assert.ok(err instanceof EmbeddingUnavailableError);
      assert.ok(err instanceof TransientError);
      assert.equal(err.retryAfterMs, 3000);
      assert.equal(err.status, 429);
      assert.match(err.message, /429.*rate limited/);
      return true;
    });
    assert.equal(requests.length, 1, 'the backend itself makes one attempt: the retries are instrumented.ts\'s');
  });

  it('maps 503 with an HTTP-date Retry-After to a transient error', async () => {
    reply = (_request, res) => res.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end();
    const embedder = createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm' });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => {
      assert.ok(err instanceof EmbeddingUnavailableError);
      assert.ok(err instanceof TransientError);
      // HTTP dates have 1 s resolution, and some time passes before the client parses it.
      assert.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 55_000 && err.retryAfterMs <= 60_000, String(err.retryAfterMs));
      return true;
    });
  });

  it('waits out a short Retry-After and retries, so a brief rate limit costs nothing', async () => {
    let refusals = 2;
    reply = (request, res) => {
      if (refusals-- > 0) res.writeHead(429, { 'retry-after': '1' }).end('{"error":"rate limited"}');
      else answerEmbeddings(request, res);
    };
    const embedder = instrumentEmbedder(createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm' }), { backend: 'openai-test' });
    const vectors = await embedder.embed(['abc']);
    assert.deepEqual(Array.from(vectors[0]!), [3, 0, 1]);
    assert.equal(requests.length, 3, 'two refusals, then the answer');
  });

  it('gives up after 3 attempts in all and leaves longer Retry-After waits to the caller', async () => {
    reply = (_request, res) => res.writeHead(503, { 'retry-after': '0' }).end();
    const embedder = instrumentEmbedder(createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm' }), { backend: 'openai-test', retries: 2 });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => err instanceof EmbeddingUnavailableError && err.status === 503);
    assert.equal(requests.length, 3);

    requests = [];
    reply = (_request, res) => res.writeHead(429, { 'retry-after': '120' }).end();
    await assert.rejects(embedder.embed(['x']), (err: unknown) => err instanceof EmbeddingUnavailableError && err.retryAfterMs === 120_000);
    assert.equal(requests.length, 1, 'a 2-minute Retry-After is not waited out inside the request');
  });

  it('as the factory builds it, one batch that keeps failing is sent 3 times in all (no retries nested in retries)', async () => {
    reply = (_request, res) => res.writeHead(503).end();
    const embedder = await createEmbedderFromEnv({ EMBED_BACKEND: 'openai', EMBED_API_URL: baseUrl, EMBED_API_MODEL: 'm' });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => err instanceof EmbeddingUnavailableError && err.status === 503);
    assert.equal(requests.length, 3);
  });

  it('maps 400 to a permanent error that carries the server message', async () => {
    reply = (_request, res) => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"input too long"}');
    const embedder = createOpenAICompatibleEmbedder({ url: baseUrl, apiKey: 'sk-secret', model: 'm' });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => {
      assert.ok(err instanceof EmbeddingBackendError);
      assert.equal(err instanceof TransientError, false);
      assert.equal((err as { retryAfterMs?: number }).retryAfterMs, undefined);
      assert.equal(err.status, 400);
      assert.match(err.message, /input too long/);
      assert.doesNotMatch(err.message, /sk-secret/);
      return true;
    });
  });

  it('treats an unreachable server as transient', async () => {
    // Bind then close a port so nothing listens on it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const embedder = createOpenAICompatibleEmbedder({ url: `http://127.0.0.1:${port}`, model: 'm' });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => {
      assert.ok(err instanceof EmbeddingUnavailableError);
      assert.ok(err instanceof TransientError);
      assert.match(err.message, /cannot reach.*ECONNREFUSED/);
      return true;
    });
  });

  it('treats a timeout as transient', async () => {
    reply = (request, res) => setTimeout(() => answerEmbeddings(request, res), 500);
    const embedder = createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm', timeoutMs: 50 });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => {
      assert.ok(err instanceof EmbeddingUnavailableError);
      assert.ok(err instanceof TransientError);
      assert.match(err.message, /within 50 ms/);
      return true;
    });
  });

  it('rejects a response whose vectors do not match the configured dimension', async () => {
    const embedder = createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm', dimension: 384 });
    await assert.rejects(embedder.embed(['x']), (err: unknown) => err instanceof EmbeddingBackendError && !(err instanceof TransientError));
  });

  it('rejects invalid options up front', () => {
    assert.throws(() => createOpenAICompatibleEmbedder({ url: 'not a url', model: 'm' }), EmbeddingConfigError);
    assert.throws(() => createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm', batchSize: 0 }), EmbeddingConfigError);
  });

  it('refuses to embed after close', async () => {
    const embedder = createOpenAICompatibleEmbedder({ url: baseUrl, model: 'm' });
    await embedder.close();
    await assert.rejects(embedder.embed(['x']), EmbeddingBackendError);
    assert.equal(requests.length, 0);
  });
});
