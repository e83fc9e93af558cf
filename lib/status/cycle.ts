/**
 * The processing cycle an event belongs to: its CloudEvent time, normalised for comparison.
 *
 * Cycles are compared as strings (`applyTransition`), so every cycle must be one canonical form
 * (`Date#toISOString`) of a real time. A cycle in the future would outrank every real
 * transition that follows and freeze the document's record for good (a forged
 * `requestedAt: "~"` or `"9999-12-31T00:00:00Z"`), so no time later than now plus a small clock
 * skew is accepted.
 */
import type { CloudEvent } from 'cloudevents';
import { InvalidEventError } from '../runtime/errors.js';

/** Times before this are placeholders (the RabbitMQ broker sends year 1 for events without one). */
const EARLIEST_REAL_TIME = Date.UTC(2000, 0, 1);

/** How far ahead of our clock a sender's clock may be (STATUS_MAX_CLOCK_SKEW_S). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * RFC 3339 date-time (section 5.6): full date, `T` (or `t`/space is not accepted here), time
 * with optional fraction, and `Z` or a numeric offset. `Date.parse` alone accepts far more
 * ("1", "Jan 1 2026"), which is not a time a producer of ours would send.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

export interface CycleTimeOptions {
  now?: () => Date;
  maxSkewMs?: number;
}

/**
 * `value` as a canonical cycle time, or an InvalidEventError saying why it is not one: not an
 * RFC 3339 time, or later than now + skew. `field` names it in the message.
 */
export function parseCycleTime(value: unknown, field: string, options: CycleTimeOptions = {}): string {
  if (typeof value !== 'string' || !RFC3339.test(value)) {
    throw new InvalidEventError(`${field} must be an RFC 3339 time, got ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  const parsed = Date.parse(value);
  if (!Number.isFinite(parsed)) throw new InvalidEventError(`${field} is not a real time: ${value.slice(0, 80)}`);
  const now = (options.now ?? (() => new Date()))().getTime();
  const skew = options.maxSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  if (parsed > now + skew) {
    throw new InvalidEventError(`${field} ${value} is in the future (more than ${Math.round(skew / 1000)} s ahead of this clock)`);
  }
  return new Date(parsed).toISOString();
}

/** True when `value` is a cycle as stored: the canonical form of a real time. */
export function isCanonicalCycle(value: unknown): value is string {
  return typeof value === 'string' && Number.isFinite(Date.parse(value)) && new Date(Date.parse(value)).toISOString() === value;
}

/**
 * The cycle of `event`: its `time` when it is a real one, else now (placeholder or absent).
 * Not checked against the clock here (stages' tests run on fixed clocks): the status store
 * refuses a future cycle when it is recorded, and the API checks before recording.
 */
export function cycleOf(event: Pick<CloudEvent<unknown>, 'time'>, now: () => Date = () => new Date()): string {
  const parsed = event.time ? Date.parse(event.time) : NaN;
  return Number.isFinite(parsed) && parsed >= EARLIEST_REAL_TIME ? new Date(parsed).toISOString() : now().toISOString();
}
