/**
 * What every log line (and span) about an event says: the CloudEvent id and type, the document
 * key and version it is about, and its trace id. Pure: the function server and the broker
 * dispatcher build their per-event child loggers from it.
 */

export interface EventAttributes {
  readonly id?: string | undefined;
  readonly type?: string | undefined;
  readonly subject?: string | undefined;
  readonly traceparent?: unknown;
}

export interface EventLogFields {
  eventId?: string;
  eventType?: string;
  /** Object key of the document, from the data (or the subject, which sources set to the key). */
  key?: string;
  /** Version (ETag) of the document, when the event names one. */
  version?: string;
  traceId?: string;
}

export interface DocumentFields {
  key?: string;
  version?: string;
}

/**
 * The document an event's data is about, across the catalogue's shapes: pipeline events carry
 * `document: { key, version }`; object and failure events carry `key` with `etag` or `version`.
 */
export function documentOf(data: unknown): DocumentFields {
  if (data === null || typeof data !== 'object') return {};
  const record = data as Record<string, unknown>;
  const source = record.document !== null && typeof record.document === 'object' ? (record.document as Record<string, unknown>) : record;
  const key = typeof source.key === 'string' ? source.key : undefined;
  const versionValue = source.version ?? source.etag;
  const version = typeof versionValue === 'string' && versionValue !== '' ? versionValue : undefined;
  return { ...(key === undefined ? {} : { key }), ...(version === undefined ? {} : { version }) };
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The trace id of a W3C `traceparent` value; undefined when absent or malformed. */
export function traceIdOf(traceparent: unknown): string | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const match = TRACEPARENT.exec(traceparent.trim());
  return match?.[1];
}

export function eventLogFields(attributes: EventAttributes, data: unknown): EventLogFields {
  const document = documentOf(data);
  const key = document.key ?? attributes.subject;
  const traceId = traceIdOf(attributes.traceparent);
  const fields: EventLogFields = {};
  if (attributes.id !== undefined) fields.eventId = attributes.id;
  if (attributes.type !== undefined) fields.eventType = attributes.type;
  if (key !== undefined) fields.key = key;
  if (document.version !== undefined) fields.version = document.version;
  if (traceId !== undefined) fields.traceId = traceId;
  return fields;
}

/** Event data as the function server sees it: parsed JSON, or a JSON string. */
export function parsedData(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
