/** The API's own metrics: documents by status, read from the status store at scrape time. */
import { Gauge } from 'prom-client';
import { registry } from '../../lib/runtime/metrics.js';
import { STATUSES, type StatusStore } from '../../lib/status/index.js';

const NAME = 'sluice_documents';

/** Registers (or re-points, when an app is created again in one process) the gauge. */
export function registerDocumentStatusGauge(status: Pick<StatusStore, 'list'>): void {
  registry.removeSingleMetric(NAME);
  new Gauge({
    name: NAME,
    help: 'Documents by processing status (from the status store)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = new Map<string, number>(STATUSES.map((s) => [s, 0]));
      for (const record of await status.list()) counts.set(record.status, (counts.get(record.status) ?? 0) + 1);
      for (const [name, count] of counts) this.set({ status: name }, count);
    },
  });
}
