/**
 * Delivers CloudEvents to the sink (Knative `K_SINK`, locally the broker ingress) through the
 * one emitter (lib/events/emitter.ts), with the source's OIDC token for the Broker's audience.
 * Nothing is ever skipped: the checkpoint must not move past an event the broker did not accept.
 * While the sink is down or overloaded the POST is retried (lib/retry.ts: exponential backoff,
 * retry n waiting `minRetryDelayMs × 2^n` up to `maxRetryDelayMs`, plus up to 20 % jitter);
 * while it refuses the event (401/403 after a credential rotation, 413, 400) the source keeps
 * trying at the longest backoff, says so in every log line and in `sluice_source_blocked`,
 * and carries on by itself once the cause is fixed.
 */
import type { CloudEvent } from 'cloudevents';
import { brokerAudience } from '../../lib/auth/identity.js';
import type { TokenSource } from '../../lib/auth/token-source.js';
import { createEmitter, EventRefusedError, type Emit } from '../../lib/events/emitter.js';
import type { Logger } from '../../lib/log.js';
import { createBackoff, retry } from '../../lib/retry.js';
import { sinkBlocked, sinkRetries } from './metrics.js';

export interface SinkOptions {
  log: Logger;
  /** Backoff delay (ms): retry n waits this × 2^n (Knative's exponential policy), plus up to 20 %. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Per-POST timeout (ms). */
  requestTimeoutMs?: number;
  /** Aborting stops retrying: `send` then rejects with the abort reason. */
  signal?: AbortSignal;
  /** The source's tokens; undefined = authentication off. */
  tokens?: TokenSource | undefined;
  /** The Broker the sink is (its audience). */
  broker?: string;
}

export class HttpSink {
  private readonly emit: Emit;
  private readonly minRetryDelayMs: number;
  private readonly maxRetryDelayMs: number;

  constructor(
    readonly url: string,
    private readonly opts: SinkOptions,
  ) {
    this.minRetryDelayMs = opts.minRetryDelayMs ?? 250;
    this.maxRetryDelayMs = opts.maxRetryDelayMs ?? 30_000;
    this.emit = createEmitter({ url, audience: brokerAudience(opts.broker ?? 'sluice'), tokens: opts.tokens, timeoutMs: opts.requestTimeoutMs ?? 15_000 });
  }

  /** Resolves once the sink accepted the event (2xx); rejects only when aborted. */
  async send(event: CloudEvent<unknown>): Promise<void> {
    const ctx = { eventId: event.id, type: event.type, subject: event.subject };
    const backoff = createBackoff({ delayMs: this.minRetryDelayMs, maxMs: this.maxRetryDelayMs, jitter: true });
    let refused = false;
    await retry(() => this.emit(event), {
      retries: Infinity,
      // A refusal will not pass by itself soon: wait the longest between those attempts.
      backoff: (n, error) => (error instanceof EventRefusedError ? this.maxRetryDelayMs : backoff(n, error)),
      // Everything is retried, plain TypeErrors too: a bad header would fail every time, but skipping the event would lose it.
      retryable: () => true,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      onRetry: ({ error, attempt }) => {
        sinkRetries.inc();
        if (error instanceof EventRefusedError) {
          refused = true;
          sinkBlocked.set({ status: String(error.status) }, 1);
          this.opts.log.error({ ...ctx, attempt, status: error.status, err: error.message }, 'the broker refuses this event; holding the stream here until it is accepted (check the source credentials and the broker)');
        } else {
          this.opts.log.warn({ ...ctx, attempt, err: (error as Error).message }, 'sink delivery failed; retrying');
        }
      },
    });
    if (refused) sinkBlocked.reset();
  }
}
