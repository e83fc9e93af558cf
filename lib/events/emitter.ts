/**
 * The one way a Sluice process sends a CloudEvent over HTTP (the CloudEvents SDK's emitter
 * shape: an event in, one attempt out): binary mode, the sender's OIDC token for the receiver's
 * audience, a timeout. What to do about a failure is the caller's retry policy; the error's type
 * says which kind it is.
 */
import type { CloudEvent } from 'cloudevents';
import type { TokenSource } from '../auth/token-source.js';
import { isRetryableStatus, parseRetryAfter } from '../retry.js';
import { TransientError } from '../runtime/errors.js';
import { toBinaryMessage } from './http.js';

export interface EmitterOptions {
  /** The receiver: the broker ingress, the dead-letter sink, … */
  url: string;
  /** The receiver's audience; the token presented is for it. */
  audience: string;
  /** The sender's tokens; undefined = authentication off. */
  tokens?: TokenSource | undefined;
  /** Status that counts as accepted (the broker ingress answers 202). Default: any 2xx. */
  accepted?: (status: number) => boolean;
  timeoutMs?: number;
}

/** The receiver answered and will never take this event as sent (a 4xx that is not "not now"). */
export class EventRefusedError extends Error {
  override readonly name = 'EventRefusedError';
  constructor(
    readonly status: number,
    readonly body: string,
    url: string,
  ) {
    super(`${url} refused the event: ${status}${body ? ` ${body.slice(0, 300)}` : ''}`);
  }
}

export type Emit = (event: CloudEvent<unknown>) => Promise<void>;

/** Throws TransientError (network, 5xx, retryable 4xx, no token) or EventRefusedError. */
export function createEmitter(options: EmitterOptions): Emit {
  const accepted = options.accepted ?? ((status: number) => status >= 200 && status < 300);
  return async (event) => {
    const { headers, body } = toBinaryMessage(event);
    if (options.tokens) {
      try {
        headers.authorization = `Bearer ${await options.tokens.token(options.audience)}`;
      } catch (err) {
        throw new TransientError(`no token to send to ${options.url}: ${(err as Error).message}`, undefined, { cause: err });
      }
    }
    let res: Response;
    try {
      res = await fetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
    } catch (err) {
      throw new TransientError(`cannot reach ${options.url}: ${(err as Error).message}`, undefined, { cause: err });
    }
    const text = await res.text().catch(() => '');
    if (accepted(res.status)) return;
    // Knative's data-plane contract (lib/retry.ts): 5xx and the "not now" 4xx are retried.
    if (isRetryableStatus(res.status)) {
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      throw new TransientError(`${options.url} answered ${res.status}: ${text.slice(0, 300)}`, retryAfterMs ? retryAfterMs / 1000 : undefined);
    }
    throw new EventRefusedError(res.status, text, options.url);
  };
}
