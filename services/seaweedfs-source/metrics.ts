/** The SeaweedFS source's Prometheus metrics, on the shared registry (served on SOURCE_METRICS_PORT). */
import { Counter, Gauge } from 'prom-client';
import { registry } from '../../lib/runtime/metrics.js';

/** Every event is delivered in the end (the source never skips one); outcome is always delivered. */
export const sourceEvents = new Counter({
  name: 'sluice_source_events_total',
  help: 'CloudEvents the SeaweedFS source delivered to the sink for object changes, by type and outcome (delivered)',
  labelNames: ['type', 'outcome'] as const,
  registers: [registry],
});

export const sinkRetries = new Counter({
  name: 'sluice_source_sink_retries_total',
  help: 'Failed attempts to post an event to the sink that were retried (the sink was down or overloaded)',
  registers: [registry],
});

/** 1 while the broker refuses the event at the head of the stream (by the status it answers). */
export const sinkBlocked = new Gauge({
  name: 'sluice_source_blocked',
  help: 'Whether the source is held at an event the broker refuses (401/403/413/400): nothing after it is sent until it is accepted',
  labelNames: ['status'] as const,
  registers: [registry],
});
