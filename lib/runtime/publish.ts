/** Sending a CloudEvent to the broker ingress (binary mode); 202 means RabbitMQ has it. */
import { HTTP, type CloudEvent } from 'cloudevents';
import { encodeHeaderValue, mapCeHeaders } from './ce-headers.js';
import { TransientError } from './errors.js';
import { ensureTraceContext } from './tracing.js';

/** Published inside a span (an event handler), the event joins that span's trace. */
export async function publishEvent(brokerUrl: string, event: CloudEvent<unknown>, options: { authorization?: string | undefined } = {}): Promise<void> {
  const message = HTTP.binary(ensureTraceContext(event));
  const headers = mapCeHeaders(message.headers, encodeHeaderValue);
  // The broker ingress asks for basic auth when SLUICE_BASIC_AUTH is set (see lib/http/basic-auth.ts).
  if (options.authorization) headers.authorization = options.authorization;
  let res: Response;
  try {
    res = await fetch(brokerUrl, {
      method: 'POST',
      headers,
      body: message.body as string,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new TransientError(`cannot reach the broker at ${brokerUrl}: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (res.status !== 202) throw new TransientError(`broker answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}
