/**
 * Parking events that can never be processed. eventing-rabbitmq acks a 400 from a subscriber
 * without dead-lettering it (a non-retryable answer counts as delivered), so a schema-invalid
 * event would otherwise only be logged. The functions post such events to the Broker's dead-letter
 * sink themselves, with the extensions the broker would have added, so they land in the same
 * store as events the broker gave up on (`sluice dlq list`).
 */
import type { CloudEvent } from 'cloudevents';
import { serviceAudience } from '../auth/identity.js';
import type { TokenSource } from '../auth/token-source.js';
import { createEmitter } from '../events/emitter.js';

export interface DeadLetterReason {
  /** The function that refused it (`knativeerrordest`). */
  destination: string;
  /** The HTTP status it answered (`knativeerrorcode`). */
  code: number;
  /** Why (`knativeerrordata`, base64 like Knative's). */
  message: string;
}

export type DeadLetterSink = (event: CloudEvent<unknown>, reason: DeadLetterReason) => Promise<void>;

/** The sink is the API's `/dead-letters` (the Broker's deadLetterSink), so the token is for the API. */
export function createDeadLetterSink(url: string, tokens: TokenSource | undefined, sinkService = 'sluice-api'): DeadLetterSink {
  const emit = createEmitter({ url, audience: serviceAudience(sinkService), tokens });
  return async (event, reason) => {
    await emit(
      event.cloneWith({
        knativeerrordest: reason.destination,
        knativeerrorcode: String(reason.code),
        // Knative carries the response body base64-encoded here; so do we.
        knativeerrordata: Buffer.from(reason.message.slice(0, 1024)).toString('base64'),
      }),
    );
  };
}
