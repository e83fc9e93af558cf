/**
 * `sluice watch`: live progress of a bulk ingest from the status records. The arithmetic
 * (counts, rate, ETA) is pure and separate from the polling loop.
 */
import type { StatusRecord } from './api-client.js';

export interface IngestCounts {
  queued: number;
  /** splitting, embedding or indexing. */
  inFlight: number;
  indexed: number;
  unchanged: number;
  failed: number;
  total: number;
}

const IN_FLIGHT = new Set(['splitting', 'embedding', 'indexing']);

/** Counts the documents by phase; deleted documents are not part of an ingest. */
export function countStatuses(records: readonly Pick<StatusRecord, 'status'>[]): IngestCounts {
  const counts: IngestCounts = { queued: 0, inFlight: 0, indexed: 0, unchanged: 0, failed: 0, total: 0 };
  for (const { status } of records) {
    if (status === 'queued') counts.queued++;
    else if (IN_FLIGHT.has(status)) counts.inFlight++;
    else if (status === 'indexed') counts.indexed++;
    else if (status === 'unchanged') counts.unchanged++;
    else if (status === 'failed') counts.failed++;
    else continue;
    counts.total++;
  }
  return counts;
}

export const finishedOf = (c: IngestCounts) => c.indexed + c.unchanged + c.failed;
export const pendingOf = (c: IngestCounts) => c.queued + c.inFlight;

/**
 * Documents finished per second over a sliding window of samples, and the time the pending ones
 * need at that rate. Undefined until two samples with progress between them exist.
 */
export class RateTracker {
  private readonly samples: { at: number; finished: number }[] = [];

  constructor(private readonly windowMs = 30_000) {}

  add(at: number, finished: number): void {
    this.samples.push({ at, finished });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }

  /** Documents per second, or undefined before there is anything to measure. */
  rate(): number | undefined {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at <= first.at) return undefined;
    // Re-uploads move documents back to queued, so "finished" can drop: count progress only.
    const progress = Math.max(0, last.finished - first.finished);
    return progress / ((last.at - first.at) / 1000);
  }

  /** Seconds until `pending` documents are done at the current rate. */
  eta(pending: number): number | undefined {
    const rate = this.rate();
    if (pending === 0) return 0;
    return rate ? pending / rate : undefined;
  }
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatProgress(c: IngestCounts, rate: number | undefined, eta: number | undefined): string {
  const rateText = rate === undefined ? '? docs/s' : `${rate.toFixed(rate < 10 ? 2 : 0)} docs/s`;
  return `${finishedOf(c)}/${c.total} done · queued ${c.queued} · in flight ${c.inFlight} · indexed ${c.indexed} · unchanged ${c.unchanged} · failed ${c.failed} · ${rateText} · ETA ${formatDuration(eta)}`;
}
