/**
 * Wraps a backend with latency metrics and a short in-process retry of retryable failures
 * (overload, rate limit, network): a blip then costs one document a few hundred ms instead of
 * a broker redelivery of every document in the same micro-batch.
 */
import pRetry, { AbortError } from 'p-retry';
import { EmbeddingBackendError } from './errors.js';
import { embeddingBackendSeconds, embeddingBackendTexts, embeddingRetries } from './metrics.js';
import type { Embedder } from './types.js';

export interface InstrumentOptions {
  /** Label of the backend in the metrics (`onnx`, `openai`). */
  backend: string;
  /** Retries of a retryable failure before it is passed on (default 2; 0 = none). */
  retries?: number;
  /** First back-off in ms (doubles per attempt; default 200). */
  minDelayMs?: number;
  /** A backend asking to wait longer than this (Retry-After) is not retried in process (default 5000). */
  maxDelayMs?: number;
}

export function instrumentEmbedder(inner: Embedder, { backend, retries = 2, minDelayMs = 200, maxDelayMs = 5000 }: InstrumentOptions): Embedder {
  const timedCall = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const stop = embeddingBackendSeconds.startTimer({ backend });
    try {
      const vectors = await inner.embed(texts);
      stop({ outcome: 'ok' });
      return vectors;
    } catch (err) {
      stop({ outcome: 'error' });
      const retryable = err instanceof EmbeddingBackendError && err.retryable && (err.retryAfterMs ?? 0) <= maxDelayMs;
      // AbortError ends p-retry at once and rethrows the original error.
      throw retryable ? err : new AbortError(err instanceof Error ? err : new Error(String(err)));
    }
  };

  return {
    model: inner.model,
    async embed(texts) {
      if (texts.length === 0) return [];
      embeddingBackendTexts.observe({ backend }, texts.length);
      return pRetry(() => timedCall(texts), {
        retries,
        minTimeout: minDelayMs,
        maxTimeout: maxDelayMs,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          if (retriesLeft === 0) return;
          embeddingRetries.inc({ backend });
          const asked = error instanceof EmbeddingBackendError ? error.retryAfterMs : undefined;
          if (asked !== undefined) await new Promise((r) => setTimeout(r, asked));
        },
      });
    },
    close: () => inner.close(),
  };
}
