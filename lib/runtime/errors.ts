/**
 * Errors that say what the broker should do with the event. The retry decision is carried by
 * the type, never by matching message strings; the mapping to HTTP lives in one place
 * (function-server.ts).
 */

/**
 * The event itself is malformed (schema, missing data). 400: never retried. Note that the
 * eventing-rabbitmq dispatcher acks a non-retryable response without dead-lettering it, so the
 * event is logged by the function and dropped by the broker.
 */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
  ) {
    super(message);
  }
}

export interface FailedDocument {
  bucket: string;
  key: string;
  version?: string;
  requestedAt?: string;
  /** The index generation the failed work was for (lib/generations). */
  generation?: number;
}

/**
 * The document cannot be processed, and trying again will not help (corrupt file, unsupported
 * type, over a limit). Answered with an `ingest.failed` reply so the failure is recorded for
 * that document and the pipeline moves on.
 */
export class DocumentError extends Error {
  override readonly name = 'DocumentError';
  constructor(
    /** Machine-readable reason, e.g. `unsupported_type`, `no_text`, `too_large`. */
    readonly reason: string,
    message: string,
    readonly document: FailedDocument,
  ) {
    super(message);
  }
}

/** A dependency is unavailable or overloaded. 503: the broker retries with backoff. */
export class TransientError extends Error {
  override readonly name: string = 'TransientError';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
