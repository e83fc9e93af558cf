/** Posting CloudEvents to the stack's broker ingress, as a user (or a replaying source) would. */
import { CloudEvent, HTTP } from 'cloudevents';
import { config } from './stack.js';

export type EventMode = 'binary' | 'structured';

/** POSTs one CloudEvent to the broker ingress in the given content mode; throws unless 202. */
export async function postEvent(event: CloudEvent<unknown>, mode: EventMode = 'binary'): Promise<void> {
  const message = (mode === 'binary' ? HTTP.binary : HTTP.structured)(event);
  const res = await fetch(config.BROKER_URL, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
  if (res.status !== 202) throw new Error(`broker ingress answered ${res.status} to ${event.type} ${event.subject}: ${await res.text()}`);
}

/**
 * POSTs one CloudEvent straight to a receiver (the API's /events or /dead-letters, a function),
 * past the broker, as an attacker on the network would; returns the response whatever its status.
 */
export async function postDirect(url: string, event: CloudEvent<unknown>, mode: EventMode = 'binary'): Promise<Response> {
  const message = (mode === 'binary' ? HTTP.binary : HTTP.structured)(event);
  return fetch(url, { method: 'POST', headers: message.headers as Record<string, string>, body: message.body as string });
}
