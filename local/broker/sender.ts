/**
 * One HTTP delivery with Knative's retries (lib/retry.ts): up to `retry + 1` attempts, waiting
 * eventing-rabbitmq's backoff plus up to 20 % jitter (a documented difference, see lib/retry.ts)
 * between them, stopping at the first response that is not retryable. `timeoutMs` bounds each
 * attempt (response body included), like Go's `http.Client.Timeout`.
 */
import { createBackoff, isDelivered, NO_RESPONSE_STATUS, retry } from '../../lib/retry.js';
import type { DeliveryPolicy } from './manifests.js';

export type SendPolicy = Pick<DeliveryPolicy, 'retry' | 'backoffPolicy' | 'backoffDelayMs' | 'timeoutMs'>;

export interface HttpResponseData {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export type SendOutcome =
  | { readonly kind: 'delivered'; readonly status: number; readonly attempts: number; readonly response: HttpResponseData }
  | { readonly kind: 'failed'; readonly status: number; readonly attempts: number; readonly error: string }
  /** Shutdown cut the delivery short: nothing may be acked. */
  | { readonly kind: 'aborted'; readonly attempts: number };

export interface SendOptions {
  /** Aborting stops waiting (request or backoff) at once. */
  readonly signal?: AbortSignal;
  /** Source of the jitter, in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /**
   * The `Authorization` value for each attempt (an OIDC token for the target's audience), asked
   * anew per attempt so that a long retry sequence never presents an expired token.
   */
  readonly authorization?: () => Promise<string | undefined>;
  /** Called before each retry's wait. */
  readonly onRetry?: (info: { attempt: number; status: number; error: string; waitMs: number }) => void;
}

/** An attempt that got no response, or one Knative retries: what the retry loop sees. */
class Undelivered extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function sendWithRetries(
  url: string,
  request: { headers: Record<string, string>; body: Buffer },
  policy: SendPolicy,
  options: SendOptions = {},
): Promise<SendOutcome> {
  const { signal } = options;
  let attempts = 0;
  try {
    const delivered = await retry(
      async (attempt) => {
        attempts = attempt;
        const authorized = await withAuthorization(request, options.authorization);
        // No token (the issuer is down) counts as an attempt without a response: retried.
        const result = 'error' in authorized ? authorized : await attemptOnce(url, authorized, policy.timeoutMs, signal);
        signal?.throwIfAborted();
        if ('response' in result && isDelivered(result.status)) return { status: result.status, response: result.response };
        throw new Undelivered(result.status, 'error' in result ? result.error : describeResponse(result.status, result.response.body));
      },
      {
        retries: policy.retry,
        backoff: createBackoff({ policy: policy.backoffPolicy, delayMs: policy.backoffDelayMs, jitter: true, ...(options.random ? { random: options.random } : {}) }),
        retryable: (err) => err instanceof Undelivered,
        ...(signal ? { signal } : {}),
        onRetry: ({ attempt, error, waitMs }) => {
          const { status, message } = error as Undelivered;
          options.onRetry?.({ attempt, status, error: message, waitMs });
        },
      },
    );
    return { kind: 'delivered', ...delivered, attempts };
  } catch (err) {
    if (signal?.aborted) return { kind: 'aborted', attempts };
    if (err instanceof Undelivered) return { kind: 'failed', status: err.status, attempts, error: err.message };
    throw err;
  }
}

async function withAuthorization(
  request: { headers: Record<string, string>; body: Buffer },
  authorization: SendOptions['authorization'],
): Promise<{ headers: Record<string, string>; body: Buffer } | { status: number; error: string }> {
  if (!authorization) return request;
  try {
    const value = await authorization();
    return value === undefined ? request : { ...request, headers: { ...request.headers, authorization: value } };
  } catch (err) {
    return { status: NO_RESPONSE_STATUS, error: `no token: ${(err as Error).message}` };
  }
}

type AttemptResult = { status: number; response: HttpResponseData } | { status: number; error: string };

async function attemptOnce(
  url: string,
  request: { headers: Record<string, string>; body: Buffer },
  timeoutMs: number | undefined,
  signal: AbortSignal | undefined,
): Promise<AttemptResult> {
  const signals = [signal, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs)].filter((s): s is AbortSignal => s !== undefined);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: request.headers,
      body: new Uint8Array(request.body),
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
    });
    const body = Buffer.from(await res.arrayBuffer());
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key] = value;
    });
    return { status: res.status, response: { headers, body } };
  } catch (err) {
    return { status: NO_RESPONSE_STATUS, error: describe(err) };
  }
}

/** `HTTP 503: <start of the body>`, for logs. */
function describeResponse(status: number, body: Buffer): string {
  const text = body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
  return text ? `HTTP ${status}: ${text}` : `HTTP ${status}`;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError') return 'timed out';
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}
