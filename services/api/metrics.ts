/**
 * The API's own metrics: documents by status (one filtered count per status at scrape time, no
 * scan of the status collection) and the dead letters stored.
 */
import { Gauge } from 'prom-client';
import { registry } from '../../lib/runtime/metrics.js';
import { STATUSES, type StatusStore } from '../../lib/status/index.js';

const NAME = 'sluice_documents';

/** Registers (or re-points, when an app is created again in one process) the gauge. */
export function registerDocumentStatusGauge(status: Pick<StatusStore, 'counts'>): void {
  registry.removeSingleMetric(NAME);
  new Gauge({
    name: NAME,
    help: 'Documents by processing status (from the status store)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await status.counts();
      for (const name of STATUSES) this.set({ status: name }, counts[name] ?? 0);
    },
  });
}

const DEAD_LETTERS = 'sluice_dead_letters_stored';

/** How many dead letters the store holds (as of its last count: add and prune keep it current). */
export function registerDeadLetterGauge(stored: () => number | undefined): void {
  registry.removeSingleMetric(DEAD_LETTERS);
  new Gauge({
    name: DEAD_LETTERS,
    help: 'Dead letters stored in the pipeline bucket (bounded by DEAD_LETTER_MAX_COUNT and DEAD_LETTER_TTL_HOURS)',
    registers: [registry],
    collect() {
      const count = stored();
      if (count !== undefined) this.set(count);
    },
  });
}
