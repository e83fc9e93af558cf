/**
 * Knative's retry rules as the RabbitMQ broker's dispatcher applies them. Pure.
 *
 * The dispatcher (eventing-rabbitmq pkg/dispatcher/dispatcher.go) sends with the CloudEvents Go
 * SDK's retrying HTTP client (sdk-go v2 protocol/http/protocol_retry.go, context/retry.go):
 * - attempt 1 is sent at once; before retry n (n = 1..`retry`) it waits
 *   `BackoffFor(n)`: linear `delay * n`, exponential `delay * 2^n`. So the first retry of an
 *   exponential policy already waits 2 x delay; there are `retry + 1` attempts in all.
 * - a response is retried when Knative's `SelectiveRetry` says so (eventing
 *   pkg/kncloudevents/retries.go): 5xx, 404, 408, 409, 429; network errors and timeouts too.
 * - `Retry-After` is NOT honoured (the SDK client ignores it; Knative's `retryAfterMax` is an
 *   opt-in of other dispatchers).
 * - any response that is not retryable counts as delivered, including 400 and other 4xx: the
 *   dispatcher acks it and never dead-letters it (`getStatus` returns `!retry` as success).
 *
 * One difference, on purpose: upstream waits exactly `BackoffFor(n)`; we wait up to 20 % longer
 * ({@link withJitter}), so that deliveries that failed together (a dependency went down) do not
 * all come back in the same instant. {@link backoffDelayMs} is the upstream value; the jitter
 * only ever adds to it, so no retry comes sooner than eventing-rabbitmq's would.
 */
import type { BackoffPolicy } from './manifests.js';

/** What the dispatcher reports as the status of a send that got no HTTP response. */
export const NO_RESPONSE_STATUS = -1;

/** Milliseconds to wait before retry number `retry` (1-based). */
export function backoffDelayMs(policy: BackoffPolicy, delayMs: number, retry: number): number {
  return policy === 'linear' ? delayMs * retry : delayMs * 2 ** retry;
}

/** The largest share of the backoff {@link withJitter} adds (not in eventing-rabbitmq). */
export const JITTER_RATIO = 0.2;

/** `delayMs` plus up to {@link JITTER_RATIO} of it; `random` in [0, 1) (default Math.random). */
export function withJitter(delayMs: number, random: () => number = Math.random): number {
  return Math.round(delayMs * (1 + random() * JITTER_RATIO));
}

/** The waits before retries 1..`retries`, in order. */
export function backoffSchedule(policy: BackoffPolicy, delayMs: number, retries: number): number[] {
  return Array.from({ length: retries }, (_, i) => backoffDelayMs(policy, delayMs, i + 1));
}

/** Knative's `SelectiveRetry`; {@link NO_RESPONSE_STATUS} (network error, timeout) is retryable. */
export function isRetryableStatus(status: number): boolean {
  if (status === NO_RESPONSE_STATUS) return true;
  return status >= 500 || status === 404 || status === 408 || status === 409 || status === 429;
}

/** The dispatcher's success rule: whatever is not retryable was delivered (2xx, 3xx, most 4xx). */
export function isDelivered(status: number): boolean {
  return !isRetryableStatus(status);
}
