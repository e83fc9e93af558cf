/**
 * The CloudEvents HTTP binding (1.0.2) as every Sluice process speaks it: binary mode out,
 * binary or structured mode in. The cloudevents SDK builds and validates the event; this module
 * adds what the SDK leaves out: percent-encoding of `ce-*` header values (§3.1.3.2: space, `"`,
 * `%` and anything outside printable ASCII travel as UTF-8 %XX, so a key such as `café.pdf` in
 * `ce-subject` is a legal header) and the refusal of batches.
 */
import { HTTP, ValidationError, type CloudEvent } from 'cloudevents';

/** Header and media-type names, once. */
export const Wire = Object.freeze({
  headerPrefix: 'ce-',
  specversion: '1.0',
  structured: 'application/cloudevents+json',
  batch: 'application/cloudevents-batch+json',
  json: 'application/json',
});

const NEEDS_ENCODING = /[^\x21-\x7e]|["%]/gu;

export function encodeHeaderValue(value: string): string {
  return value.replace(NEEDS_ENCODING, (c) => encodeURIComponent(c).replace(/"/g, '%22'));
}

export function decodeHeaderValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // not percent-encoded after all: keep it as sent
  }
}

/** Applies `transform` to the values of CloudEvents context headers (`ce-*`) only. */
export function mapCeHeaders(headers: Record<string, unknown>, transform: (value: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    out[name] = name.toLowerCase().startsWith(Wire.headerPrefix) ? transform(text) : text;
  }
  return out;
}

export interface HttpMessage {
  readonly headers: Record<string, string>;
  readonly body: string | Uint8Array<ArrayBuffer>;
}

/** An event as a binary-mode HTTP message, header values percent-encoded. */
export function toBinaryMessage(event: CloudEvent<unknown>): HttpMessage {
  const message = HTTP.binary(event);
  const body = message.body;
  return {
    headers: mapCeHeaders(message.headers, encodeHeaderValue),
    body: typeof body === 'string' ? body : body === undefined || body === null ? '' : new Uint8Array(body as Uint8Array),
  };
}

/** Throws (cloudevents' ValidationError) unless the message carries exactly one valid CloudEvent. */
export function fromHttpMessage(headers: Record<string, unknown>, body: Buffer | string): CloudEvent<unknown> {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const parsed = HTTP.toEvent({ headers: mapCeHeaders(headers, decodeHeaderValue), body: text });
  if (Array.isArray(parsed)) throw new ValidationError('batched CloudEvents are not accepted');
  return parsed as CloudEvent<unknown>;
}
