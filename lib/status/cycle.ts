/** The processing cycle an event belongs to: its CloudEvent time, normalised for comparison. */
import type { CloudEvent } from 'cloudevents';

/** Times before this are placeholders (the RabbitMQ broker sends year 1 for events without one). */
const EARLIEST_REAL_TIME = Date.UTC(2000, 0, 1);

export function cycleOf(event: Pick<CloudEvent<unknown>, 'time'>, now: () => Date = () => new Date()): string {
  const parsed = event.time ? Date.parse(event.time) : NaN;
  return Number.isFinite(parsed) && parsed >= EARLIEST_REAL_TIME ? new Date(parsed).toISOString() : now().toISOString();
}
