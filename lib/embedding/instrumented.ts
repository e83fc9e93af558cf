/**
 * Wraps a backend with latency metrics and the one in-process retry of the embedding path
 * (lib/retry.ts): a failure that may pass (an EmbeddingUnavailableError: overload, rate limit,
 * network) is retried `retries` times, so a call is tried at most `retries + 1` = 3 times by
 * default, before it goes up as a 503 and the broker redelivers the event. The backends
 * themselves make one attempt per request, so nothing multiplies these attempts. A blip then
 * costs one document a few hundred ms instead of a broker redelivery of every document in the
 * same micro-batch.
 */
import { createBackoff, retry } from '../retry.js';
import { embeddingBackendSeconds, embeddingBackendTexts, embeddingRetries } from './metrics.js';
import type { Embedder } from './types.js';

export interface InstrumentOptions {
  /** Label of the backend in the metrics (`onnx`, `openai`). */
  backend: string;
  /** Retries of a transient failure before it is passed on (default 2; 0 = none). */
  retries?: number;
  /** Backoff delay in ms: retry n waits this × 2^n (default 100, so 200 ms, then 400 ms). */
  delayMs?: number;
  /** The longest `Retry-After` waited out here (default 10 000 ms); a longer one goes straight to the caller. */
  maxRetryAfterMs?: number;
}

export function instrumentEmbedder(inner: Embedder, { backend, retries = 2, delayMs = 100, maxRetryAfterMs = 10_000 }: InstrumentOptions): Embedder {
  const timedCall = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const stop = embeddingBackendSeconds.startTimer({ backend });
    try {
      const vectors = await inner.embed(texts);
      stop({ outcome: 'ok' });
      return vectors;
    } catch (err) {
      stop({ outcome: 'error' });
      throw err;
    }
  };
  // Jitter, so that replicas rate-limited together do not come back in step.
  const backoff = createBackoff({ delayMs, jitter: true });

  return {
    model: inner.model,
    async embed(texts) {
      if (texts.length === 0) return [];
      embeddingBackendTexts.observe({ backend }, texts.length);
      return retry(() => timedCall(texts), { retries, backoff, maxRetryAfterMs, onRetry: () => embeddingRetries.inc({ backend }) });
    },
    close: () => inner.close(),
  };
}
