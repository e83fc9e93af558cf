/**
 * The one retry module: Knative's rule for which answers are retried, the backoff strategies,
 * `Retry-After`, and the loop that applies them. Every retrying caller goes through it: the
 * local broker's dispatcher, the SeaweedFS source (its sink and its filer loops), the embedding
 * backends. What is retried is decided by the error's type ({@link TransientError} by default),
 * never by a flag or a message.
 *
 * Backoff is eventing-rabbitmq's, exactly (the CloudEvents Go SDK's `RetryParams.BackoffFor`,
 * sdk-go v2/context/retry.go): before retry n (n = 1, 2, …) an exponential policy waits
 * `delay × 2^n` (so the first retry already waits twice the delay), a linear one `delay × n`.
 * One difference, on purpose and opt-in ({@link withJitter}): our callers may add up to 20 % to
 * each wait so that deliveries that failed together do not all come back in the same instant;
 * jitter only ever adds, so no retry comes sooner than eventing-rabbitmq's would.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TransientError } from './runtime/errors.js';

// --- Which answers are retried ------------------------------------------------------------------

/** The status a caller records for an attempt that got no HTTP response (network error, timeout). */
export const NO_RESPONSE_STATUS = -1;

/**
 * Knative's `SelectiveRetry` (eventing pkg/kncloudevents/retries.go): besides every 5xx, these
 * 4xx mean "not now" (the subscriber is not there yet, timed out, conflicts, is rate limited).
 */
export const RETRYABLE_4XX: ReadonlySet<number> = new Set([404, 408, 409, 429]);

/** Knative's rule for an event delivery: 5xx, {@link RETRYABLE_4XX}, and no response at all. */
export function isRetryableStatus(status: number): boolean {
  return status === NO_RESPONSE_STATUS || status >= 500 || RETRYABLE_4XX.has(status);
}

/** The dispatcher's success rule: whatever is not retryable was delivered (2xx, 3xx, most 4xx). */
export function isDelivered(status: number): boolean {
  return !isRetryableStatus(status);
}

/**
 * The same rule for a request to a REST dependency (Qdrant, an embeddings server): there a 404
 * or 409 is an answer about the resource (no such collection, already exists), not "not now".
 */
export function isRetryableRequestStatus(status: number): boolean {
  return isRetryableStatus(status) && status !== 404 && status !== 409;
}

/**
 * `Retry-After` (RFC 9110 §10.2.3), delay-seconds or an HTTP-date, as milliseconds from `now`;
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// --- Backoff strategies -------------------------------------------------------------------------

export type BackoffPolicy = 'linear' | 'exponential';

/** Milliseconds eventing-rabbitmq waits before retry number `retry` (1-based). */
export function backoffDelayMs(policy: BackoffPolicy, delayMs: number, retry: number): number {
  return policy === 'linear' ? delayMs * retry : delayMs * 2 ** retry;
}

/** The waits before retries 1..`retries`, in order. */
export function backoffSchedule(policy: BackoffPolicy, delayMs: number, retries: number): number[] {
  return Array.from({ length: retries }, (_, i) => backoffDelayMs(policy, delayMs, i + 1));
}

/** The largest share of a wait {@link withJitter} adds (not in eventing-rabbitmq). */
export const JITTER_RATIO = 0.2;

/** `delayMs` plus up to {@link JITTER_RATIO} of it; `random` in [0, 1) (default Math.random). */
export function withJitter(delayMs: number, random: () => number = Math.random): number {
  return Math.round(delayMs * (1 + random() * JITTER_RATIO));
}

/** The wait before retry `retry` (1-based), which may depend on the failure it follows. */
export type Backoff = (retry: number, error: unknown) => number;

export interface BackoffOptions {
  /** Default exponential. */
  policy?: BackoffPolicy;
  /** Knative's `backoffDelay`: retry n waits `delayMs × 2^n` (exponential) or `delayMs × n`. */
  delayMs: number;
  /** The longest wait before jitter (a loop that retries forever needs a ceiling). */
  maxMs?: number;
  /** Add up to 20 % ({@link withJitter}); default false, eventing-rabbitmq's exact waits. */
  jitter?: boolean;
  random?: () => number;
}

export function createBackoff({ policy = 'exponential', delayMs, maxMs = Number.POSITIVE_INFINITY, jitter = false, random }: BackoffOptions): Backoff {
  return (retry) => {
    // 2^n overflows to Infinity long before a loop that retries forever gives up: cap first.
    const wait = Math.min(backoffDelayMs(policy, delayMs, Math.min(retry, 64)), maxMs);
    return jitter ? withJitter(wait, random) : wait;
  };
}

// --- The loop ----------------------------------------------------------------------------------

export interface RetryInfo {
  /** The attempt that failed (1-based); the next one is `attempt + 1`. */
  readonly attempt: number;
  readonly error: unknown;
  readonly waitMs: number;
}

export interface RetryOptions {
  /** Retries after the first attempt, so `retries + 1` attempts at most; Infinity: until success or abort. */
  retries: number;
  backoff: Backoff;
  /** Which failures are retried. Default: a {@link TransientError}; anything else is thrown at once. */
  retryable?: (error: unknown) => boolean;
  /**
   * Honour a TransientError's `retryAfterSeconds` up to this long: the wait is then the longer of
   * the backoff and the server's ask; an ask beyond it is not waited out here but thrown to the
   * caller (whose broker retries later). Unset: `Retry-After` is ignored, as eventing-rabbitmq's
   * dispatcher ignores it.
   */
  maxRetryAfterMs?: number;
  /** Aborting ends the attempts and any wait at once: `retry` then rejects with the abort reason. */
  signal?: AbortSignal;
  /** Called before each wait. */
  onRetry?: (info: RetryInfo) => void;
}

/** Runs `attempt` (given its 1-based number) until it resolves, a failure is not retryable, or the retries run out (the last error is thrown). */
export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { signal } = options;
  const retryable = options.retryable ?? ((error: unknown) => error instanceof TransientError);
  for (let n = 1; ; n++) {
    signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (error) {
      signal?.throwIfAborted();
      if (n > options.retries || !retryable(error)) throw error;
      const asked = options.maxRetryAfterMs === undefined ? undefined : retryAfterMsOf(error);
      if (asked !== undefined && asked > (options.maxRetryAfterMs ?? 0)) throw error;
      const waitMs = Math.max(options.backoff(n, error), asked ?? 0);
      options.onRetry?.({ attempt: n, error, waitMs });
      try {
        await sleep(waitMs, undefined, signal ? { signal } : {});
      } catch {
        signal?.throwIfAborted();
      }
    }
  }
}

function retryAfterMsOf(error: unknown): number | undefined {
  return error instanceof TransientError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : undefined;
}
