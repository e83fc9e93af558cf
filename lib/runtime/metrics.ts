/**
 * Prometheus metrics shared by every component: one registry per process, exposed on the
 * component's own port at /metrics.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'sluice_' });

export const eventsTotal = new Counter({
  name: 'sluice_events_total',
  help: 'CloudEvents handled by a stage, by event type and outcome',
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

export const embeddedChunks = new Counter({
  name: 'sluice_embedded_chunks_total',
  help: 'Chunks given a vector by embed: computed by the model, or reused from an identical chunk already indexed',
  labelNames: ['origin'] as const,
  registers: [registry],
});
