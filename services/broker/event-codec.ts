/**
 * CloudEvents on the broker's two transports, as eventing-rabbitmq encodes them. Pure.
 *
 * - HTTP in (ingress, subscriber replies): binary (`ce-*` headers) or structured
 *   (`application/cloudevents+json`), parsed and validated with the cloudevents SDK. Data bytes
 *   are kept exactly as received in binary mode (the broker never parses data).
 * - AMQP (pkg/rabbit/message.go `CloudEventToRabbitMQMessage`): every attribute and extension is
 *   a header under its bare name (`type`, `source`, `id`, ...), except datacontenttype, which is
 *   the header `content-type`; `time` is always present (the zero time `0001-01-01T00:00:00Z` when
 *   the event had none, which subscribers then receive as `ce-time`); body = data bytes.
 * - HTTP out (dispatcher → subscriber): binary mode.
 */
import { CloudEvent, HTTP, ValidationError } from 'cloudevents';
import { eventLogFields as sharedEventLogFields, type EventLogFields } from '../../lib/runtime/event-context.js';
import { InvalidCloudEventError } from './errors.js';

/** A CloudEvent as the broker carries it: attributes as strings, data as opaque bytes. */
export interface BrokerEvent {
  /** Context attributes and extensions by name; `datacontenttype` included when present. */
  readonly attributes: Readonly<Record<string, string>>;
  readonly data?: Buffer;
}

export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface AmqpMessage {
  readonly content: Buffer;
  readonly headers: Record<string, unknown>;
  readonly messageId: string;
  readonly contentType?: string;
}

const STRUCTURED = 'application/cloudevents+json';
const BATCH = 'application/cloudevents-batch+json';
const SPEC_VERSION = '1.0';
/** Go's zero `time.Time` as `cloudevents.Timestamp.String()` renders it. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
const CONTEXT_ATTRIBUTES = new Set(['id', 'source', 'specversion', 'type', 'datacontenttype', 'dataschema', 'subject', 'time']);
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
/** The CloudEvents Distributed Tracing extension's attributes (W3C trace context). */
const TRACE_CONTEXT = ['traceparent', 'tracestate'] as const;
/** Data larger than this is not parsed just to name the document in logs (the subject still does). */
const LOG_DATA_MAX_BYTES = 64 * 1024;

/** Whether an HTTP message claims to carry a CloudEvent (structured or batch content type, or ce-specversion). */
export function looksLikeCloudEvent(headers: HttpHeaders): boolean {
  const h = normaliseHeaders(headers);
  const media = mediaType(h['content-type']);
  return media === STRUCTURED || media === BATCH || h['ce-specversion'] !== undefined;
}

/** Parses and validates the CloudEvent of an HTTP message. Throws {@link InvalidCloudEventError}. */
export function parseHttpEvent(headers: HttpHeaders, body: Buffer): BrokerEvent {
  const h = normaliseHeaders(headers);
  const media = mediaType(h['content-type']);
  if (media === BATCH) throw new InvalidCloudEventError('batched CloudEvents are not supported');
  if (media === STRUCTURED) return parseStructured(body);
  if (h['ce-specversion'] !== undefined) return parseBinary(h, body);
  throw new InvalidCloudEventError(
    `no CloudEvent in the message: expected ce-* headers (binary mode) or a ${STRUCTURED} body (structured mode)`,
  );
}

function parseBinary(h: Record<string, string>, body: Buffer): BrokerEvent {
  const sdkHeaders = Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith('ce-') || k === 'content-type'));
  // No body for the SDK: it would JSON-parse it, and data is opaque to a broker.
  validateWithSdk(sdkHeaders, undefined);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(h)) {
    if (key.startsWith('ce-')) attributes[key.slice(3)] = value;
  }
  const contentType = h['content-type'];
  if (contentType !== undefined && contentType !== '') attributes.datacontenttype = contentType;
  return finish(attributes, body.length > 0 ? body : undefined);
}

function parseStructured(body: Buffer): BrokerEvent {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidCloudEventError('structured CloudEvent is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidCloudEventError('structured CloudEvent must be a JSON object');
  }
  validateWithSdk({ 'content-type': STRUCTURED }, text);
  const obj = parsed as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'data' || key === 'data_base64' || value === null) continue;
    if (typeof value === 'string') attributes[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') attributes[key] = String(value);
    else throw new InvalidCloudEventError(`attribute ${key} must be a string, number or boolean`);
  }
  const hasData = obj.data !== undefined && obj.data !== null;
  const base64 = obj.data_base64;
  if (base64 !== undefined && base64 !== null) {
    if (hasData) throw new InvalidCloudEventError('a CloudEvent cannot have both data and data_base64');
    if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
      throw new InvalidCloudEventError('data_base64 must be a base64 string');
    }
    return finish(attributes, Buffer.from(base64, 'base64'));
  }
  if (!hasData) return finish(attributes, undefined);
  const ct = attributes.datacontenttype;
  // Like the Go SDK: JSON data keeps its JSON text; a string under a non-JSON type is the text itself.
  const bytes = typeof obj.data === 'string' && ct !== undefined && !isJsonMediaType(ct) ? obj.data : JSON.stringify(obj.data);
  return finish(attributes, Buffer.from(bytes, 'utf8'));
}

/** The SDK's schema validation (required attributes, URI formats, types). */
function validateWithSdk(headers: Record<string, string>, body: string | undefined): void {
  try {
    const event = HTTP.toEvent({ headers, body });
    if (Array.isArray(event)) throw new InvalidCloudEventError('batched CloudEvents are not supported');
    // HTTP.toEvent builds the event without validating it.
    if (!(event instanceof CloudEvent)) throw new InvalidCloudEventError('not a CloudEvent');
    event.validate();
  } catch (err) {
    if (err instanceof InvalidCloudEventError) throw err;
    throw new InvalidCloudEventError(`invalid CloudEvent: ${describeSdkError(err)}`);
  }
}

/** Checks the SDK lets through or papers over (it invents a missing id and time). */
function finish(attributes: Record<string, string>, data: Buffer | undefined): BrokerEvent {
  if (attributes.specversion !== SPEC_VERSION) {
    throw new InvalidCloudEventError(`specversion ${attributes.specversion ?? '(missing)'} is not supported; use ${SPEC_VERSION}`);
  }
  for (const required of ['id', 'source', 'type']) {
    if (!attributes[required]) throw new InvalidCloudEventError(`required attribute ${required} is missing`);
  }
  for (const name of Object.keys(attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) throw new InvalidCloudEventError(`invalid attribute name "${name}": lowercase letters and digits only`);
  }
  const time = attributes.time;
  const out = time === undefined ? attributes : { ...attributes, time: normaliseTime(time) };
  return data === undefined ? { attributes: out } : { attributes: out, data };
}

/**
 * Binary-mode HTTP request for a subscriber (or the ingress, for replies). The Distributed
 * Tracing extension (`traceparent`, `tracestate`) travels unchanged as `ce-` headers and also
 * as the W3C trace context headers, which is where eventing-rabbitmq's dispatcher puts the
 * trace context it read from the AMQP message: a subscriber finds it either way.
 */
export function toHttpBinary(event: BrokerEvent): { headers: Record<string, string>; body: Buffer } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.attributes)) {
    headers[name === 'datacontenttype' ? 'content-type' : `ce-${name}`] = value;
  }
  for (const name of TRACE_CONTEXT) {
    const value = event.attributes[name];
    if (value) headers[name] = value;
  }
  return { headers, body: event.data ?? Buffer.alloc(0) };
}

/**
 * The AMQP message of an event. `extraHeaders` are added verbatim (the dispatcher passes
 * `knativeerrorcode` as an AMQP signed int, as Go does).
 */
export function toAmqpMessage(event: BrokerEvent, extraHeaders: Record<string, unknown> = {}): AmqpMessage {
  const a = event.attributes;
  const id = a.id ?? '';
  const headers: Record<string, unknown> = {
    'content-type': a.datacontenttype ?? '',
    specversion: a.specversion ?? SPEC_VERSION,
    time: a.time ?? ZERO_TIME,
    id,
  };
  for (const name of ['type', 'source', 'subject', 'dataschema']) {
    const value = a[name];
    if (value) headers[name] = value;
  }
  for (const [name, value] of Object.entries(a)) {
    if (!CONTEXT_ATTRIBUTES.has(name)) headers[name] = value;
  }
  Object.assign(headers, extraHeaders);
  return {
    content: event.data ?? Buffer.alloc(0),
    headers,
    messageId: id,
    ...(a.datacontenttype ? { contentType: a.datacontenttype } : {}),
  };
}

/** Rebuilds an event from an AMQP delivery, as the dispatcher's `NewMessageFromDelivery` does. */
export function fromAmqpMessage(headers: Readonly<Record<string, unknown>> | undefined, content: Buffer): BrokerEvent {
  const attributes: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(headers ?? {})) {
    const key = rawKey.toLowerCase();
    const name = key.startsWith('ce-') ? key.slice(3) : key;
    if (name.startsWith('x-') || value === undefined || value === null) continue;
    const text = headerText(value);
    if (name === 'content-type') {
      if (text !== '') attributes.datacontenttype = text;
    } else {
      attributes[name] = text;
    }
  }
  return content.length > 0 ? { attributes, data: content } : { attributes };
}

/** A copy of the event with extensions added or replaced. */
export function withExtensions(event: BrokerEvent, extensions: Readonly<Record<string, string>>): BrokerEvent {
  return { ...event, attributes: { ...event.attributes, ...extensions } };
}

/** The fields every log line about an event carries: id, type, document key and version, trace id. */
export function eventLogFields(event: BrokerEvent): EventLogFields {
  return sharedEventLogFields(event.attributes, jsonDataForLogs(event));
}

function jsonDataForLogs(event: BrokerEvent): unknown {
  const { data } = event;
  const ct = event.attributes.datacontenttype;
  if (data === undefined || data.length > LOG_DATA_MAX_BYTES || (ct !== undefined && !isJsonMediaType(ct))) return undefined;
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * RFC 3339 as Go's `time.Parse(time.RFC3339Nano)` accepts it, re-rendered the way the Go broker
 * writes the AMQP `time` header: UTC, `Z`, fraction without trailing zeros.
 */
export function normaliseTime(text: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) throw new InvalidCloudEventError(`time "${text}" is not an RFC 3339 timestamp`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const valid =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day &&
    hour < 24 && minute < 60 && second < 60;
  const offsetMinutes = m[8] === 'Z' ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (!valid || Number(m[10] ?? 0) > 23 || Number(m[11] ?? 0) > 59) {
    throw new InvalidCloudEventError(`time "${text}" is not a valid date and time`);
  }
  date.setTime(date.getTime() - offsetMinutes * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const fraction = (m[7] ?? '').replace(/0+$/, '');
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}` +
    `${fraction ? `.${fraction}` : ''}Z`
  );
}

function normaliseHeaders(headers: HttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    const first = typeof value === 'string' ? value : value?.[0];
    if (first !== undefined) out[key.toLowerCase()] = first;
  }
  return out;
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function isJsonMediaType(contentType: string): boolean {
  const media = mediaType(contentType);
  return media === 'application/json' || media === 'text/json' || media.endsWith('+json');
}

function headerText(value: unknown): string {
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function describeSdkError(err: unknown): string {
  const problems: readonly unknown[] = err instanceof ValidationError ? (err.errors ?? []) : [];
  if (problems.length > 0) {
    return problems
      .map((e) => {
        if (e && typeof e === 'object') {
          const { instancePath, message } = e as { instancePath?: string; message?: string };
          return `${instancePath ? `${instancePath.replace(/^\//, '')} ` : ''}${message ?? JSON.stringify(e)}`;
        }
        return String(e);
      })
      .join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}
