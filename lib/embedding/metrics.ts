/**
 * Prometheus metrics of the embedding backends, in the process-wide registry that every
 * component serves at /metrics.
 */
import { Counter, Histogram } from 'prom-client';
import { registry } from '../runtime/metrics.js';

export const embeddingBackendSeconds = new Histogram({
  name: 'sluice_embedding_backend_seconds',
  help: 'Duration of one call to the embedding backend (one model run or one HTTP request batch), by backend and outcome',
  labelNames: ['backend', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const embeddingBackendTexts = new Histogram({
  name: 'sluice_embedding_backend_texts',
  help: 'Texts per call to the embedding backend (shows how well micro-batching fills batches)',
  labelNames: ['backend'] as const,
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
  registers: [registry],
});

export const embeddingRetries = new Counter({
  name: 'sluice_embedding_retries_total',
  help: 'Embedding backend calls retried in process after a retryable failure',
  labelNames: ['backend'] as const,
  registers: [registry],
});
