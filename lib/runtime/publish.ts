/** Publishing to the broker ingress: the one emitter, 202 meaning RabbitMQ has the event. */
import type { CloudEvent } from 'cloudevents';
import { brokerAudience } from '../auth/identity.js';
import type { TokenSource } from '../auth/token-source.js';
import { createEmitter } from '../events/emitter.js';
import { ensureTraceContext } from './tracing.js';

export type Publish = (event: CloudEvent<unknown>) => Promise<void>;

export interface BrokerPublisherOptions {
  /** The ingress URL (BROKER_URL, the Broker's `status.address.url`). */
  url: string;
  /** The sender's tokens for the Broker's audience; undefined = authentication off. */
  tokens: TokenSource | undefined;
  /** The Broker's name (its audience). */
  broker?: string;
}

/** Published inside a span (an event handler), the event joins that span's trace. */
export function createBrokerPublisher(options: BrokerPublisherOptions): Publish {
  const emit = createEmitter({ url: options.url, audience: brokerAudience(options.broker ?? 'sluice'), tokens: options.tokens, accepted: (status) => status === 202 });
  return (event) => emit(ensureTraceContext(event));
}
