/**
 * Prometheus metrics shared by every component: one registry per process, exposed on the
 * component's own port at /metrics. Every name starts with `sluice_`; the Grafana dashboard in
 * deploy/monitoring queries only names defined with `name: 'sluice_…'` in the code (checked by
 * `make validate`). Component-specific metrics (broker, source) live next to their component
 * and register here, so a process only exposes the series it can produce.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
// Process metrics: CPU, resident memory, heap, event-loop lag, GC, open handles.
collectDefaultMetrics({ register: registry, prefix: 'sluice_' });

/** `sluice_events_received_total`: every request that reached a stage, before any parsing. */
export const eventsReceived = new Counter({
  name: 'sluice_events_received_total',
  help: 'CloudEvents received by a stage, by event type (unknown when the request was not a CloudEvent)',
  labelNames: ['stage', 'type'] as const,
  registers: [registry],
});

/**
 * Outcome of each received event: processed (the stage did its work), failed (a bad document,
 * recorded as ingest.failed), invalid (refused with 400), retry (5xx: the broker will retry).
 */
export const eventsTotal = new Counter({
  name: 'sluice_events_total',
  help: 'CloudEvents handled by a stage, by event type and outcome (processed, failed, invalid, retry)',
  labelNames: ['stage', 'type', 'outcome'] as const,
  registers: [registry],
});

export const stageDuration = new Histogram({
  name: 'sluice_stage_duration_seconds',
  help: 'Time a stage spent on one event',
  labelNames: ['stage', 'type'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  registers: [registry],
});

/** Chunks carried by one reply event: the batch size each stage hands to the next. */
export const chunksPerEvent = new Histogram({
  name: 'sluice_chunks_per_event',
  help: 'Chunks in one reply event (chunks.ready, vectors.ready, document.indexed), by stage',
  labelNames: ['stage', 'type'] as const,
  buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000],
  registers: [registry],
});

export const chunksTotal = new Counter({
  name: 'sluice_chunks_total',
  help: 'Chunks handed on by a stage in its reply events (split: chunks made, embed: chunks embedded, index: chunks written)',
  labelNames: ['stage', 'type'] as const,
  registers: [registry],
});

export const vectorsWritten = new Counter({
  name: 'sluice_vectors_written_total',
  help: 'Vectors (points) written to the vector store by index, one per chunk of each indexed document version',
  registers: [registry],
});

export const embeddedChunks = new Counter({
  name: 'sluice_embedded_chunks_total',
  help: 'Chunks given a vector by embed: computed by the model (model), reused from an identical chunk already indexed (reused), or sharing the text of another chunk of the same document version, embedded once (duplicate)',
  labelNames: ['origin'] as const,
  registers: [registry],
});

/** Units of work of large documents (EMBED_UNIT_CHUNKS distinct texts each; functions/embed/handler.ts). */
export const embedUnits = new Counter({
  name: 'sluice_embed_units_total',
  help: 'Units of documents embedded in several deliveries (EMBED_UNIT_CHUNKS distinct texts each): embedded by this delivery, or resumed (a retry found the vectors an earlier attempt had stored)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** The Prometheus text exposition of this process's registry, for a `/metrics` route. */
export async function metricsResponse(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
