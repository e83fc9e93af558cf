/**
 * Typed errors of the embedding backends. Callers decide what to do from the type and its
 * fields (`retryable`, `retryAfterMs`), never by matching message text.
 */

/** Options shared by the embedding errors. */
export interface EmbeddingBackendErrorOptions {
  /** True when the same request may succeed later (overload, rate limit, network, timeout). */
  retryable: boolean;
  /** How long the backend asked us to wait before retrying (from `Retry-After`), in ms. */
  retryAfterMs?: number;
  /** HTTP status of the failed call, for remote backends. */
  status?: number;
  cause?: unknown;
}

/**
 * An embedding call failed. `retryable` says whether retrying can help; the embed function maps
 * retryable errors to a broker retry (503) and the rest to a failure.
 */
export class EmbeddingBackendError extends Error {
  override readonly name = 'EmbeddingBackendError';
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(message: string, options: EmbeddingBackendErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/**
 * The embedder cannot be set up as configured: a bad option or environment value, or model
 * files that are not there. Never retryable; the message says what to change or run.
 */
export class EmbeddingConfigError extends Error {
  override readonly name = 'EmbeddingConfigError';
}
