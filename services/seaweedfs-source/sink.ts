/**
 * Delivers CloudEvents to the sink (Knative `K_SINK`, locally the broker ingress) as binary-mode
 * HTTP POSTs. While the sink is down or overloaded the POST is retried forever (exponential
 * backoff with jitter, each failure logged): the source must not move past an event it could
 * not deliver. A 4xx other than 404/408/409/429 means the sink will never take this event:
 * it is logged and reported as rejected, and the source moves on.
 */
import { HTTP, type CloudEvent } from 'cloudevents';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../../lib/log.js';
import { sinkRetries } from './metrics.js';

export type DeliveryOutcome = 'delivered' | 'rejected';

export interface SinkOptions {
  log: Logger;
  /** First retry delay (ms); doubles per attempt, randomised ×1–2. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Per-POST timeout (ms). */
  requestTimeoutMs?: number;
  /** Aborting stops retrying: `send` then rejects with the abort reason. */
  signal?: AbortSignal;
  /** `Authorization` header for a broker ingress that needs basic auth (SLUICE_BASIC_AUTH). */
  authorization?: string | undefined;
}

/** 4xx answers that mean "not now" rather than "never": retried like a 5xx. */
const RETRYABLE_4XX = new Set([404, 408, 409, 429]);

/**
 * CloudEvents HTTP binding (1.0.2, §3.1.3.2): header values are percent-encoded (UTF-8) outside
 * printable ASCII, space excepted, and so are `"` and `%`. Object keys in `ce-subject` are often
 * not ASCII; Node's fetch refuses such headers outright. Receivers percent-decode.
 */
export function encodeHeaderValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === ' ' || (code >= 0x21 && code <= 0x7e && ch !== '"' && ch !== '%')) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function encodeHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || value === null) continue;
    out[name] = name.toLowerCase().startsWith('ce-') ? encodeHeaderValue(String(value)) : String(value);
  }
  return out;
}

/** A request that cannot succeed however often it is sent (not a network failure). */
class SinkRequestError extends Error {
  override name = 'SinkRequestError';
}

function isRetryable(status: number): boolean {
  return status < 400 || status >= 500 || RETRYABLE_4XX.has(status);
}

export class SinkHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`sink answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
    this.name = 'SinkHttpError';
  }
}

export class HttpSink {
  private readonly minRetryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    readonly url: string,
    private readonly opts: SinkOptions,
  ) {
    this.minRetryDelayMs = opts.minRetryDelayMs ?? 250;
    this.maxRetryDelayMs = opts.maxRetryDelayMs ?? 30_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 15_000;
  }

  /** Resolves once the sink answered 2xx (`delivered`) or refused the event for good (`rejected`). */
  async send(event: CloudEvent<unknown>): Promise<DeliveryOutcome> {
    const { headers, body } = HTTP.binary(event);
    const ctx = { eventId: event.id, type: event.type, subject: event.subject };
    try {
      const payload = typeof body === 'string' || body === undefined ? body : new Uint8Array(body as Uint8Array);
      const encoded = encodeHeaders(headers as Record<string, unknown>);
      if (this.opts.authorization) encoded.authorization = this.opts.authorization;
      await pRetry(() => this.post(encoded, payload), {
        retries: Infinity,
        factor: 2,
        minTimeout: this.minRetryDelayMs,
        maxTimeout: this.maxRetryDelayMs,
        randomize: true,
        signal: this.opts.signal,
        onFailedAttempt: ({ error, attemptNumber }) => {
          sinkRetries.inc();
          this.opts.log.warn({ ...ctx, attempt: attemptNumber, err: error.message }, 'sink delivery failed; retrying');
        },
      });
      return 'delivered';
    } catch (err) {
      if (err instanceof SinkHttpError && !isRetryable(err.status)) {
        this.opts.log.error({ ...ctx, status: err.status, body: err.body.slice(0, 500) }, 'sink rejected event; skipping it');
        return 'rejected';
      }
      if (err instanceof SinkRequestError) {
        this.opts.log.error({ ...ctx, err: err.message }, 'event cannot be sent; skipping it');
        return 'rejected';
      }
      throw err;
    }
  }

  private async post(headers: Record<string, string>, body: string | Uint8Array<ArrayBuffer> | undefined): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers,
        body,
        signal: this.opts.signal
          ? AbortSignal.any([this.opts.signal, AbortSignal.timeout(this.requestTimeoutMs)])
          : AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (err) {
      if (this.opts.signal?.aborted) throw new AbortError(this.opts.signal.reason ?? 'aborted');
      const e = err as Error & { cause?: { code?: string; message?: string } };
      // fetch reports network failures as TypeError('fetch failed', { cause }): retry those (and
      // timeouts) under a plain Error, since p-retry does not retry TypeErrors. Any other
      // TypeError (an invalid header, say) will fail the same way on every attempt.
      if (e.name === 'TimeoutError' || e.message === 'fetch failed' || e.cause) {
        throw new Error(`sink unreachable: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
      }
      throw new AbortError(new SinkRequestError(`invalid sink request: ${e.message}`));
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return;
    const error = new SinkHttpError(res.status, text);
    throw isRetryable(res.status) ? error : new AbortError(error);
  }
}
