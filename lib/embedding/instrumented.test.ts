import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EmbeddingBackendError, EmbeddingUnavailableError } from './errors.js';
import { instrumentEmbedder } from './instrumented.js';
import { embeddingBackendSeconds, embeddingRetries } from './metrics.js';
import type { Embedder } from './types.js';

/** A backend failing with the given errors first, then answering. */
function flakyBackend(failures: Error[]) {
  let calls = 0;
  const embedder: Embedder = {
    model: { name: 'fake', dimension: 1 },
    async embed(texts) {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return texts.map(() => Float32Array.of(1));
    },
    close: async () => undefined,
  };
  return { embedder, calls: () => calls };
}

async function retriesOf(backend: string): Promise<number> {
  return (await embeddingRetries.get()).values.find((v) => v.labels.backend === backend)?.value ?? 0;
}

async function callsOf(backend: string, outcome: string): Promise<number> {
  const metric = await embeddingBackendSeconds.get();
  return metric.values.find((v) => v.metricName === 'sluice_embedding_backend_seconds_count' && v.labels.backend === backend && v.labels.outcome === outcome)?.value ?? 0;
}

describe('instrumented embedder', () => {
  it('retries a retryable failure, counts the retry and times every call', async () => {
    const backend = flakyBackend([new EmbeddingUnavailableError('overloaded', { status: 503 })]);
    const embedder = instrumentEmbedder(backend.embedder, { backend: 'test-retry', delayMs: 1 });
    assert.equal((await embedder.embed(['a', 'b'])).length, 2);
    assert.equal(backend.calls(), 2);
    assert.equal(await retriesOf('test-retry'), 1);
    assert.equal(await callsOf('test-retry', 'error'), 1);
    assert.equal(await callsOf('test-retry', 'ok'), 1);
  });

  it('passes a non-retryable failure on at once, unchanged', async () => {
    const refused = new EmbeddingBackendError('bad request', { status: 400 });
    const backend = flakyBackend([refused]);
    const embedder = instrumentEmbedder(backend.embedder, { backend: 'test-fatal', delayMs: 1 });
    await assert.rejects(embedder.embed(['a']), (err) => err === refused);
    assert.equal(backend.calls(), 1);
    assert.equal(await retriesOf('test-fatal'), 0);
  });

  it('gives up after the configured retries with the last retryable error', async () => {
    const busy = () => new EmbeddingUnavailableError('busy');
    const backend = flakyBackend([busy(), busy(), busy()]);
    const embedder = instrumentEmbedder(backend.embedder, { backend: 'test-exhausted', retries: 2, delayMs: 1 });
    await assert.rejects(embedder.embed(['a']), (err) => err instanceof EmbeddingUnavailableError && err.message === 'busy');
    assert.equal(backend.calls(), 3);
    assert.equal(await retriesOf('test-exhausted'), 2);
  });

  it('does not wait in process when the backend asks for a long pause', async () => {
    const backend = flakyBackend([new EmbeddingUnavailableError('rate limited', { status: 429, retryAfterMs: 60_000 })]);
    const embedder = instrumentEmbedder(backend.embedder, { backend: 'test-long-pause', maxRetryAfterMs: 5_000 });
    await assert.rejects(embedder.embed(['a']), (err) => err instanceof EmbeddingUnavailableError && err.retryAfterMs === 60_000);
    assert.equal(backend.calls(), 1);
  });
});
