/**
 * Typed errors of the embedding backends. The type says what to do (lib/retry.ts decides by
 * type), never a flag or the message text:
 * - {@link EmbeddingUnavailableError} (a {@link TransientError}): the same request may pass later
 *   (overload, rate limit, network, timeout); retried in process, then by the broker (503).
 * - {@link EmbeddingBackendError}: trying again will not help (a refused request, a malformed
 *   answer, a broken model).
 * - {@link EmbeddingConfigError}: the embedder cannot be set up as configured.
 */
import { TransientError } from '../runtime/errors.js';

/** Options shared by the embedding errors. */
export interface EmbeddingBackendErrorOptions {
  /** HTTP status of the failed call, for remote backends. */
  status?: number;
  cause?: unknown;
}

/** An embedding call failed, and the same call would fail again. */
export class EmbeddingBackendError extends Error {
  override readonly name = 'EmbeddingBackendError';
  readonly status: number | undefined;

  constructor(message: string, options: EmbeddingBackendErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }
}

/** The backend cannot answer now (overload, rate limit, network, timeout): retry later. */
export class EmbeddingUnavailableError extends TransientError {
  override readonly name = 'EmbeddingUnavailableError';
  readonly status: number | undefined;

  constructor(message: string, options: EmbeddingBackendErrorOptions & { retryAfterMs?: number | undefined } = {}) {
    super(message, options.retryAfterMs === undefined ? undefined : options.retryAfterMs / 1000, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }

  /** How long the backend asked us to wait (its `Retry-After`), in ms. */
  get retryAfterMs(): number | undefined {
    return this.retryAfterSeconds === undefined ? undefined : this.retryAfterSeconds * 1000;
  }
}

/**
 * The embedder cannot be set up as configured: a bad option or environment value, or model
 * files that are not there. Never retryable; the message says what to change or run.
 */
export class EmbeddingConfigError extends Error {
  override readonly name = 'EmbeddingConfigError';
}
