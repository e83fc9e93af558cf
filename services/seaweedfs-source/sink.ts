/**
 * Delivers CloudEvents to the sink (Knative `K_SINK`, locally the broker ingress) through the
 * one emitter (lib/events/emitter.ts), with the source's OIDC token for the Broker's audience.
 * Nothing is ever skipped: the checkpoint must not move past an event the broker did not accept.
 * While the sink is down or overloaded the POST is retried with exponential backoff and jitter;
 * while it refuses the event (401/403 after a credential rotation, 413, 400) the source keeps
 * trying at the longest backoff, says so in every log line and in `sluice_source_blocked`,
 * and carries on by itself once the cause is fixed.
 */
import type { CloudEvent } from 'cloudevents';
import pRetry from 'p-retry';
import { brokerAudience } from '../../lib/auth/identity.js';
import type { TokenSource } from '../../lib/auth/token-source.js';
import { createEmitter, EventRefusedError, type Emit } from '../../lib/events/emitter.js';
import type { Logger } from '../../lib/log.js';
import { sinkBlocked, sinkRetries } from './metrics.js';

export interface SinkOptions {
  log: Logger;
  /** First retry delay (ms); doubles per attempt, randomised ×1–2. */
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
    let refused = false;
    await pRetry(
      async () => {
        if (refused) await this.wait(this.maxRetryDelayMs);
        await this.emit(event);
      },
      {
        retries: Infinity,
        factor: 2,
        minTimeout: this.minRetryDelayMs,
        maxTimeout: this.maxRetryDelayMs,
        randomize: true,
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        onFailedAttempt: ({ error, attemptNumber }) => {
          sinkRetries.inc();
          if (error instanceof EventRefusedError) {
            refused = true;
            sinkBlocked.set({ status: String(error.status) }, 1);
            this.opts.log.error({ ...ctx, attempt: attemptNumber, status: error.status, err: error.message }, 'the broker refuses this event; holding the stream here until it is accepted (check the source credentials and the broker)');
          } else {
            this.opts.log.warn({ ...ctx, attempt: attemptNumber, err: error.message }, 'sink delivery failed; retrying');
          }
        },
        // Plain TypeErrors are retried too: a bad header would fail every time, but skipping the event would lose it.
        shouldRetry: () => true,
      },
    );
    if (refused) sinkBlocked.reset();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.opts.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
