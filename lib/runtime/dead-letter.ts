/**
 * Parking events that can never be processed. eventing-rabbitmq acks a 400 from a subscriber
 * without dead-lettering it (a non-retryable answer counts as delivered), so a schema-invalid
 * event would otherwise only be logged. The functions post such events to the Broker's dead-letter
 * sink themselves, with the extensions the broker would have added, so they land in the same
 * store as events the broker gave up on (`sluice dlq list`).
 */
import { CloudEvent, HTTP } from 'cloudevents';
import { encodeHeaderValue, mapCeHeaders } from './ce-headers.js';

export interface DeadLetterReason {
  /** The function that refused it (`knativeerrordest`). */
  destination: string;
  /** The HTTP status it answered (`knativeerrorcode`). */
  code: number;
  /** Why (`knativeerrordata`, base64 like Knative's). */
  message: string;
}

export type DeadLetterSink = (event: CloudEvent<unknown>, reason: DeadLetterReason) => Promise<void>;

export function createDeadLetterSink(url: string, options: { authorization?: string | undefined } = {}): DeadLetterSink {
  return async (event, reason) => {
    const letter = event.cloneWith({
      knativeerrordest: reason.destination,
      knativeerrorcode: String(reason.code),
      // Knative carries the response body base64-encoded here; so do we.
      knativeerrordata: Buffer.from(reason.message.slice(0, 1024)).toString('base64'),
    });
    const message = HTTP.binary(letter);
    const headers = mapCeHeaders(message.headers, encodeHeaderValue);
    if (options.authorization) headers.authorization = options.authorization;
    const res = await fetch(url, { method: 'POST', headers, body: message.body as string, signal: AbortSignal.timeout(15_000) });
    if (!res.ok) throw new Error(`dead-letter sink ${url} answered ${res.status}`);
  };
}
