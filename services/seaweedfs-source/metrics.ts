/** The SeaweedFS source's Prometheus metrics, on the shared registry (served on SOURCE_METRICS_PORT). */
import { Counter } from 'prom-client';
import { registry } from '../../lib/runtime/metrics.js';

/** delivered: the sink (broker ingress) accepted it; rejected: the sink refused it for good. */
export const sourceEvents = new Counter({
  name: 'sluice_source_events_total',
  help: 'CloudEvents emitted by the SeaweedFS source for object changes, by type and outcome (delivered, rejected)',
  labelNames: ['type', 'outcome'] as const,
  registers: [registry],
});

export const sinkRetries = new Counter({
  name: 'sluice_source_sink_retries_total',
  help: 'Failed attempts to post an event to the sink that were retried (the sink was down or overloaded)',
  registers: [registry],
});
