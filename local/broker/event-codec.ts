/**
 * CloudEvents on the broker's two transports, as eventing-rabbitmq encodes them. Pure.
 *
 * - HTTP in (ingress, subscriber replies): binary (`ce-*` headers) or structured
 *   (`application/cloudevents+json`), validated with the cloudevents SDK. Data bytes are kept
 *   exactly as received in both modes; the broker never re-serialises data.
 * - AMQP (pkg/rabbit/message.go `CloudEventToRabbitMQMessage`): every attribute and extension is
 *   a header under its bare name (`type`, `source`, `id`, ...), except datacontenttype, which is
 *   the header `content-type`; `time` is always present (the zero time `0001-01-01T00:00:00Z` when
 *   the event had none); integer and boolean extensions keep their types; the W3C trace context
 *   of the hop travels as `traceparent`/`tracestate` headers; body = data bytes.
 * - HTTP out (dispatcher → subscriber): binary mode; the trace context as W3C headers only, and a
 *   missing time replaced by the send time, as the Go SDK's client does ({@link withSendTime}).
 *
 * The wire names are lib/events/http.ts `Wire`, but not its `fromHttpMessage`/`toBinaryMessage`:
 * those go through the SDK's CloudEvent, which parses and re-serialises JSON data (a 20-digit
 * number loses digits), makes every extension a string and percent-decodes `ce-*` values. A
 * broker, like sdk-go's `protocol/http` Message, keeps header values as sent (a producer's
 * percent-encoding reaches the subscriber, whose fromHttpMessage decodes it) and data as bytes.
 */
import { CloudEvent, HTTP, ValidationError } from 'cloudevents';
import { parseTree, type Node as JsonNode } from 'jsonc-parser';
import { Wire } from '../../lib/events/http.js';
import { eventLogFields as sharedEventLogFields, type EventLogFields } from '../../lib/runtime/event-context.js';
import { InvalidCloudEventError } from './errors.js';

/** A W3C trace context (`traceparent`, `tracestate`), as HTTP or AMQP headers carry it. */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** The value types of a CloudEvents extension besides String (spec: Boolean, Integer). */
export type TypedValue = number | boolean;

/** A CloudEvent as the broker carries it: attributes as strings, data as opaque bytes. */
export interface BrokerEvent {
  /**
   * Context attributes and extensions by name, in their canonical string form (what a
   * subscriber receives as `ce-` headers); `datacontenttype` included when present.
   */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * Extensions that are Integers (int32) or Booleans rather than Strings: structured-mode JSON
   * numbers and booleans. They become AMQP int / bool headers, so a Trigger's string filter does
   * not match them. Their string form is in {@link attributes} too.
   */
  readonly typedExtensions?: Readonly<Record<string, TypedValue>>;
  /**
   * The trace context of this hop, apart from the event's own `traceparent` extension: the W3C
   * headers of the request at the ingress, the AMQP headers at the dispatcher.
   */
  readonly traceContext?: TraceContext;
  readonly data?: Buffer;
}

export type HttpHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface AmqpMessage {
  readonly content: Buffer;
  readonly headers: Record<string, unknown>;
  readonly messageId: string;
  readonly contentType?: string;
}

const CE_SPECVERSION = `${Wire.headerPrefix}specversion`;
/** Go's zero `time.Time` as `cloudevents.Timestamp.String()` renders it. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
const CONTEXT_ATTRIBUTES = new Set(['id', 'source', 'specversion', 'type', 'datacontenttype', 'dataschema', 'subject', 'time']);
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;
/** The AMQP header names of the trace context (pkg/rabbit/message.go `traceparent`, `tracestate`). */
const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
/** Data larger than this is not parsed just to name the document in logs (the subject still does). */
const LOG_DATA_MAX_BYTES = 64 * 1024;

/** Whether an HTTP message claims to carry a CloudEvent (structured or batch content type, or ce-specversion). */
export function looksLikeCloudEvent(headers: HttpHeaders): boolean {
  const h = normaliseHeaders(headers);
  const media = mediaType(h['content-type']);
  return media === Wire.structured || media === Wire.batch || h[CE_SPECVERSION] !== undefined;
}

/**
 * Parses and validates the CloudEvent of an HTTP message; its W3C `traceparent`/`tracestate`
 * headers become the event's {@link BrokerEvent.traceContext}. Throws {@link InvalidCloudEventError}.
 */
export function parseHttpEvent(headers: HttpHeaders, body: Buffer): BrokerEvent {
  const h = normaliseHeaders(headers);
  const media = mediaType(h['content-type']);
  let event: BrokerEvent;
  if (media === Wire.batch) throw new InvalidCloudEventError('batched CloudEvents are not supported');
  if (media === Wire.structured) event = parseStructured(body);
  else if (h[CE_SPECVERSION] !== undefined) event = parseBinary(h, body);
  else {
    throw new InvalidCloudEventError(
      `no CloudEvent in the message: expected ce-* headers (binary mode) or a ${Wire.structured} body (structured mode)`,
    );
  }
  const traceContext = traceContextOf(h[TRACEPARENT], h[TRACESTATE]);
  return traceContext === undefined ? event : { ...event, traceContext };
}

function parseBinary(h: Record<string, string>, body: Buffer): BrokerEvent {
  const sdkHeaders = Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith(Wire.headerPrefix) || k === 'content-type'));
  // No body for the SDK: it would JSON-parse it, and data is opaque to a broker.
  validateWithSdk(sdkHeaders, undefined);
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(h)) {
    if (key.startsWith(Wire.headerPrefix)) attributes[key.slice(Wire.headerPrefix.length)] = value;
  }
  const contentType = h['content-type'];
  if (contentType !== undefined && contentType !== '') attributes.datacontenttype = contentType;
  return finish(attributes, {}, body.length > 0 ? body : undefined);
}

/**
 * Structured mode as the Go SDK reads it (sdk-go v2/event/event_unmarshal.go
 * `readJsonFromIterator`): attributes from the members; JSON extension numbers and booleans
 * typed ({@link integerExtension}); `data` under a JSON media type (or none) kept as the raw
 * bytes of the member (`consumeData` → jsoniter `SkipAndReturnBytes`), never re-serialised.
 */
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
  validateWithSdk({ 'content-type': Wire.structured }, text);
  const obj = parsed as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  const typed: Record<string, TypedValue> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'data' || key === 'data_base64' || value === null) continue;
    if (typeof value === 'string') attributes[key] = value;
    else if (CONTEXT_ATTRIBUTES.has(key)) throw new InvalidCloudEventError(`attribute ${key} must be a string`);
    else if (typeof value === 'number') {
      const int = integerExtension(key, value);
      typed[key] = int;
      attributes[key] = String(int);
    } else if (typeof value === 'boolean') {
      typed[key] = value;
      attributes[key] = String(value);
    } else throw new InvalidCloudEventError(`extension ${key} must be a string, number or boolean`);
  }
  const hasData = obj.data !== undefined;
  const base64 = obj.data_base64;
  if (base64 !== undefined && base64 !== null) {
    if (hasData && obj.data !== null) throw new InvalidCloudEventError('a CloudEvent cannot have both data and data_base64');
    if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
      throw new InvalidCloudEventError('data_base64 must be a base64 string');
    }
    return finish(attributes, typed, Buffer.from(base64, 'base64'));
  }
  if (!hasData) return finish(attributes, typed, undefined);
  const ct = attributes.datacontenttype;
  if (ct !== undefined && !isJsonMediaType(ct)) {
    // Go reads the member as a JSON string (`ReadString`, which takes null for ""): the text itself.
    if (obj.data === null) return finish(attributes, typed, undefined);
    if (typeof obj.data !== 'string') throw new InvalidCloudEventError(`data under the media type "${ct}" must be a JSON string`);
    return finish(attributes, typed, Buffer.from(obj.data, 'utf8'));
  }
  return finish(attributes, typed, rawDataMember(body));
}

/**
 * The bytes of the top-level `data` member's value, from just after its colon to the end of the
 * value: jsoniter's `SkipAndReturnBytes` starts capturing right after the colon, so whitespace
 * between the colon and the value is part of the data (`"data": 1` gives ` 1`), and so is
 * `null`. The tree is built over the body read as latin1, one character per byte, so its offsets
 * are byte offsets into `body` even when strings hold multi-byte or invalid UTF-8. A duplicated
 * member: the last one wins, as in Go and in `JSON.parse`.
 */
function rawDataMember(body: Buffer): Buffer {
  const root = parseTree(body.toString('latin1'));
  const member = root?.children?.filter((p: JsonNode) => p.children?.[0]?.value === 'data').at(-1);
  const value = member?.children?.[1];
  if (member?.colonOffset === undefined || value === undefined) {
    throw new InvalidCloudEventError('structured CloudEvent: cannot locate its data member');
  }
  return body.subarray(member.colonOffset + 1, value.offset + value.length);
}

/**
 * A JSON number as a CloudEvents Integer extension, as the Go SDK converts it (jsoniter reads
 * it as a float64; sdk-go v2/types/value.go `Validate`): outside int32 is an error (the Go ingress
 * answers 400), a fraction is truncated toward zero (`int32(f)`: 1.9 → 1, -1.9 → -1).
 */
export function integerExtension(name: string, value: number): number {
  if (!Number.isFinite(value) || value > INT32_MAX || value < INT32_MIN) {
    throw new InvalidCloudEventError(`extension ${name}: cannot convert ${value} to int32: out of range`);
  }
  return Math.trunc(value) || 0; // `|| 0`: -0 is 0
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
function finish(attributes: Record<string, string>, typed: Record<string, TypedValue>, data: Buffer | undefined): BrokerEvent {
  if (attributes.specversion !== Wire.specversion) {
    throw new InvalidCloudEventError(`specversion ${attributes.specversion ?? '(missing)'} is not supported; use ${Wire.specversion}`);
  }
  for (const required of ['id', 'source', 'type']) {
    if (!attributes[required]) throw new InvalidCloudEventError(`required attribute ${required} is missing`);
  }
  for (const name of Object.keys(attributes)) {
    if (!ATTRIBUTE_NAME.test(name)) throw new InvalidCloudEventError(`invalid attribute name "${name}": lowercase letters and digits only`);
  }
  const time = attributes.time;
  const out = time === undefined ? attributes : { ...attributes, time: normaliseTime(time) };
  return {
    attributes: out,
    ...(Object.keys(typed).length > 0 ? { typedExtensions: typed } : {}),
    ...(data === undefined ? {} : { data }),
  };
}

/**
 * Binary-mode HTTP request for a subscriber (or the ingress, for replies): attributes and
 * extensions as `ce-` headers, the hop's trace context as the W3C `traceparent`/`tracestate`
 * headers. A delivered event has no `ce-traceparent`: {@link fromAmqpMessage} drops it, as
 * eventing-rabbitmq does.
 */
export function toHttpBinary(event: BrokerEvent): { headers: Record<string, string>; body: Buffer } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.attributes)) {
    headers[name === 'datacontenttype' ? 'content-type' : `${Wire.headerPrefix}${name}`] = value;
  }
  const trace = event.traceContext;
  if (trace !== undefined) {
    headers[TRACEPARENT] = trace.traceparent;
    if (trace.tracestate) headers[TRACESTATE] = trace.tracestate;
  }
  return { headers, body: event.data ?? Buffer.alloc(0) };
}

/**
 * The event as the dispatcher's CloudEvents client sends it: a missing (or Go zero) `time`
 * becomes the send time (sdk-go v2/client/defaulters.go `DefaultTimeToNowIfNotSet`, which
 * sdk-go observability/opentelemetry/v2/client `NewClientHTTP` installs with
 * `client.WithTimeNow()`). Only the request carries it: the queued message keeps the zero time,
 * so every hop (each Trigger, a redelivery, the dead-letter sink) stamps its own.
 */
export function withSendTime(event: BrokerEvent, now: Date = new Date()): BrokerEvent {
  const time = event.attributes.time;
  if (time !== undefined && time !== ZERO_TIME) return event;
  return { ...event, attributes: { ...event.attributes, time: normaliseTime(now.toISOString()) } };
}

/**
 * The AMQP message of an event (pkg/rabbit/message.go `CloudEventToRabbitMQMessage(event, tp,
 * ts)`, tp/ts being the hop's trace context): the trace context is written first and the
 * extensions after it, so a `traceparent` extension wins. Integer extensions are AMQP signed
 * ints (Go's int32), booleans AMQP booleans. `extraHeaders` are added verbatim (the dispatcher
 * passes `knativeerrorcode` as an AMQP signed int, as Go does).
 */
export function toAmqpMessage(event: BrokerEvent, extraHeaders: Record<string, unknown> = {}): AmqpMessage {
  const a = event.attributes;
  const id = a.id ?? '';
  const headers: Record<string, unknown> = {
    'content-type': a.datacontenttype ?? '',
    specversion: a.specversion ?? Wire.specversion,
    time: a.time ?? ZERO_TIME,
    id,
  };
  for (const name of ['type', 'source', 'subject', 'dataschema']) {
    const value = a[name];
    if (value) headers[name] = value;
  }
  const trace = event.traceContext;
  if (trace !== undefined) {
    headers[TRACEPARENT] = trace.traceparent;
    headers[TRACESTATE] = trace.tracestate ?? '';
  }
  for (const [name, value] of Object.entries(a)) {
    if (CONTEXT_ATTRIBUTES.has(name)) continue;
    const typed = event.typedExtensions?.[name];
    // amqplib would pick the smallest integer type that fits; Go's int32 is always 'I'.
    headers[name] = typed === undefined ? value : typeof typed === 'number' ? { '!': 'int', value: typed } : typed;
  }
  Object.assign(headers, extraHeaders);
  return {
    content: event.data ?? Buffer.alloc(0),
    headers,
    messageId: id,
    ...(a.datacontenttype ? { contentType: a.datacontenttype } : {}),
  };
}

/**
 * Rebuilds an event from an AMQP delivery, as the dispatcher's `NewMessageFromDelivery` does:
 * every header becomes a string attribute (`fmt.Sprint`), `x-` headers are skipped, and the
 * `traceparent`/`tracestate` headers are not extensions but the delivery's trace context
 * (pkg/dispatcher/dispatcher.go `readSpan`), which reaches the subscriber as W3C headers only.
 */
export function fromAmqpMessage(headers: Readonly<Record<string, unknown>> | undefined, content: Buffer): BrokerEvent {
  const attributes: Record<string, string> = {};
  const all = headers ?? {};
  for (const [rawKey, value] of Object.entries(all)) {
    // Upstream compares the key as sent, before lower-casing it.
    if (rawKey === TRACEPARENT || rawKey === TRACESTATE) continue;
    const key = rawKey.toLowerCase();
    const name = key.startsWith(Wire.headerPrefix) ? key.slice(Wire.headerPrefix.length) : key;
    if (name.startsWith('x-') || value === undefined || value === null) continue;
    const text = headerText(value);
    if (name === 'content-type') {
      if (text !== '') attributes.datacontenttype = text;
    } else {
      attributes[name] = text;
    }
  }
  const traceContext = traceContextOf(stringHeader(all[TRACEPARENT]), stringHeader(all[TRACESTATE]));
  return {
    attributes,
    ...(traceContext === undefined ? {} : { traceContext }),
    ...(content.length > 0 ? { data: content } : {}),
  };
}

/** A copy of the event with (string) extensions added or replaced. */
export function withExtensions(event: BrokerEvent, extensions: Readonly<Record<string, string>>): BrokerEvent {
  const { typedExtensions, ...rest } = event;
  const typed = Object.fromEntries(Object.entries(typedExtensions ?? {}).filter(([name]) => !(name in extensions)));
  return {
    ...rest,
    attributes: { ...event.attributes, ...extensions },
    ...(Object.keys(typed).length > 0 ? { typedExtensions: typed } : {}),
  };
}

/** The fields every log line about an event carries: id, type, document key and version, trace id. */
export function eventLogFields(event: BrokerEvent): EventLogFields {
  const traceparent = event.attributes.traceparent ?? event.traceContext?.traceparent;
  const attributes = traceparent === undefined ? event.attributes : { ...event.attributes, traceparent };
  return sharedEventLogFields(attributes, jsonDataForLogs(event));
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
  return media === Wire.json || media === 'text/json' || media.endsWith('+json');
}

/** A trace context from header values; undefined without a (non-empty) traceparent. */
function traceContextOf(traceparent: string | undefined, tracestate: string | undefined): TraceContext | undefined {
  if (traceparent === undefined || traceparent === '') return undefined;
  return tracestate ? { traceparent, tracestate } : { traceparent };
}

/** An AMQP header that is a string (amqplib decodes long strings as strings, byte arrays as Buffers). */
function stringHeader(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
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
