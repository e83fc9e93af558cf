/**
 * What the dead-letter sink believes about a letter, and what a replay may publish for it.
 *
 * A dead letter is accepted only as what Knative would deliver: a CloudEvent of a catalogue type
 * with the `knativeerrordest` and `knativeerrorcode` extensions, whose data validates against
 * the type's schema and names one of our buckets. One exception: a letter a stage refused as
 * invalid (`knativeerrorcode: 400`, functions park those themselves, lib/runtime/dead-letter.ts)
 * carries exactly the data that failed the stage's schema or verification; it is kept for
 * inspection, records no status and replays as nothing.
 */
import type { CloudEvent } from 'cloudevents';
import { createEvent } from '../../lib/events/create-event.js';
import { DATA_SCHEMAS } from '../../lib/events/schemas.js';
import { ALL_EVENT_TYPES, EventSource, EventType, type EventTypeName } from '../../lib/events/types.js';
import { InvalidEventError } from '../../lib/runtime/errors.js';

const ERROR_CODE = /^-?\d{1,3}$/;
const MAX_DEST_LENGTH = 2048;

/** The code a stage answers for an event that does not match its schema. */
const REFUSED_AS_INVALID = '400';

export interface DeadLetterVerdict {
  /** The data matched the type's schema (false only for a stage's own 400 refusal). */
  dataValid: boolean;
}

/** Throws InvalidEventError (400, nothing stored) unless `event` is a letter we accept. */
export function checkDeadLetter(event: Pick<CloudEvent<unknown>, 'type' | 'data'> & Record<string, unknown>, buckets: readonly string[]): DeadLetterVerdict {
  if (!(ALL_EVENT_TYPES as readonly string[]).includes(event.type)) {
    throw new InvalidEventError(`dead letter of type ${JSON.stringify(event.type.slice(0, 100))}: not an event type of the catalogue`);
  }
  const dest = event.knativeerrordest;
  const code = event.knativeerrorcode;
  if (typeof dest !== 'string' || dest.length === 0 || dest.length > MAX_DEST_LENGTH) {
    throw new InvalidEventError('dead letter without a knativeerrordest extension (where delivery failed)');
  }
  if (typeof code !== 'string' || !ERROR_CODE.test(code)) {
    throw new InvalidEventError('dead letter without a numeric knativeerrorcode extension (what the last attempt got)');
  }
  if (event.knativeerrordata !== undefined && typeof event.knativeerrordata !== 'string') {
    throw new InvalidEventError('knativeerrordata must be a string (base64)');
  }
  // A stage's own refusal: its data failed the schema or the stage's verification (a forged
  // docId, a bucket not ours, ...), so nothing in it is believed; kept for inspection only.
  if (code === REFUSED_AS_INVALID) return { dataValid: false };
  const parsed = parseData(event.type as EventTypeName, event.data);
  if (!parsed.success) {
    throw new InvalidEventError(`dead letter of ${event.type}: data does not match the schema`, parsed.problems);
  }
  const bucket = bucketOf(event.type as EventTypeName, parsed.data);
  if (bucket !== undefined && !buckets.includes(bucket)) {
    throw new InvalidEventError(`dead letter names bucket ${JSON.stringify(bucket)}, not a configured bucket`);
  }
  return { dataValid: true };
}

type Parsed = { success: true; data: Record<string, unknown> } | { success: false; problems: string[] };

function parseData(type: EventTypeName, data: unknown): Parsed {
  let value = data;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { success: false, problems: ['data is not JSON'] };
    }
  }
  const result = DATA_SCHEMAS[type].safeParse(value);
  return result.success
    ? { success: true, data: result.data as Record<string, unknown> }
    : { success: false, problems: result.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`) };
}

function bucketOf(type: EventTypeName, data: Record<string, unknown>): string | undefined {
  const document = (data.document ?? data) as { bucket?: unknown };
  if (type === EventType.IngestRequested || type === EventType.ReconcileRequested) return typeof data.bucket === 'string' ? data.bucket : undefined;
  return typeof document.bucket === 'string' ? document.bucket : undefined;
}

/**
 * The one event a replay of `stored` (a letter's event, as stored) publishes, or why there is
 * none. Only the requests the API may send anyway (eventing/policies.yaml): re-ingest the
 * document, remove a deleted one, or reconcile a bucket; each a new event of our own.
 */
export function replayRequestFor(stored: Record<string, unknown>, buckets: readonly string[]): { event: CloudEvent<unknown> } | { reason: string } {
  const type = String(stored.type);
  if (!(ALL_EVENT_TYPES as readonly string[]).includes(type)) return { reason: `${type.slice(0, 100)} is not a catalogue event type` };
  const parsed = parseData(type as EventTypeName, stored.data);
  if (!parsed.success) return { reason: `its data does not match the ${type} schema, so it names no document` };
  const data = parsed.data;
  if (type === EventType.ReconcileRequested) {
    const bucket = data.bucket as string | undefined;
    if (bucket !== undefined && !buckets.includes(bucket)) return { reason: `bucket ${bucket} is not a configured bucket` };
    return { event: createEvent(EventType.ReconcileRequested, EventSource.api, undefined, bucket !== undefined ? { bucket } : {}) };
  }
  const document = (data.document ?? data) as { bucket?: string; key: string };
  const bucket = document.bucket ?? buckets[0]!;
  if (!buckets.includes(bucket)) return { reason: `bucket ${bucket} is not a configured bucket` };
  const request = { bucket, key: document.key };
  if (type === EventType.ObjectDeleted || type === EventType.DocumentDeleted) {
    return { event: createEvent(EventType.ObjectDeleted, EventSource.api, document.key, request) };
  }
  return { event: createEvent(EventType.IngestRequested, EventSource.api, document.key, request) };
}
