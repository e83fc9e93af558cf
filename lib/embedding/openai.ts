/**
 * Remote embeddings over the OpenAI `POST /v1/embeddings` protocol, which OpenAI, Hugging Face
 * Text Embeddings Inference and Ollama all serve. One attempt per request: a failure that may
 * pass becomes an EmbeddingUnavailableError (a TransientError, with the server's `Retry-After`),
 * any other an EmbeddingBackendError. The retries are instrumented.ts's (lib/retry.ts), once.
 */
import { isRetryableRequestStatus, parseRetryAfter } from '../retry.js';
import { EmbeddingBackendError, EmbeddingConfigError, EmbeddingUnavailableError } from './errors.js';
import type { Embedder, EmbeddingModel } from './types.js';

/** Options of {@link createOpenAICompatibleEmbedder}. */
export interface OpenAICompatibleEmbedderOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080`; `/v1/embeddings` is appended (a trailing `/v1` is accepted). */
  url: string;
  /** Sent as `Authorization: Bearer …` when given. */
  apiKey?: string;
  /** Model name sent in each request and reported as `model.name`. */
  model: string;
  /** Vector length; when omitted it is learned from the first response (`model.dimension` is 0 until then). */
  dimension?: number;
  /** Texts per request (default 32, the default request limit of Text Embeddings Inference). */
  batchSize?: number;
  /** Per-request timeout in ms, covering the response body too (default 30 000). */
  timeoutMs?: number;
}

interface EmbeddingsResponse {
  data: Array<{ embedding: number[]; index?: number }>;
}

const DEFAULT_BATCH_SIZE = 32;
const DEFAULT_TIMEOUT_MS = 30_000;
const ERROR_BODY_LIMIT = 300;

/**
 * Creates an embedder backed by an OpenAI-compatible server. Nothing is sent until `embed`.
 * @throws {EmbeddingConfigError} for an invalid URL, model name or numeric option.
 */
export function createOpenAICompatibleEmbedder(options: OpenAICompatibleEmbedderOptions): Embedder {
  const endpoint = embeddingsEndpoint(options.url);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (options.model.trim() === '') throw new EmbeddingConfigError('model must not be empty');
  requirePositiveInteger('batchSize', batchSize);
  requirePositiveInteger('timeoutMs', timeoutMs);
  if (options.dimension !== undefined) requirePositiveInteger('dimension', options.dimension);

  let dimension = options.dimension;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  // A getter, so the learned dimension shows through (also in JSON.stringify of `model`).
  const model: EmbeddingModel = {
    name: options.model,
    get dimension() {
      return dimension ?? 0;
    },
  };

  async function requestBatch(batch: readonly string[]): Promise<Float32Array[]> {
    let response: Response;
    let payload: unknown;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ input: batch, model: options.model }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) throw await statusError(response, endpoint);
      payload = await response.json();
    } catch (err) {
      throw toBackendError(err);
    }
    const vectors = parseEmbeddings(payload, batch.length);
    dimension ??= vectors[0]?.length;
    const wrong = vectors.find((v) => v.length !== dimension);
    if (wrong) {
      throw new EmbeddingBackendError(`${endpoint} returned a ${wrong.length}-dimensional vector, expected ${dimension}`);
    }
    return vectors;
  }

  function toBackendError(err: unknown): EmbeddingBackendError | EmbeddingUnavailableError {
    if (err instanceof EmbeddingBackendError || err instanceof EmbeddingUnavailableError) return err;
    const name = (err as Error | undefined)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new EmbeddingUnavailableError(`${endpoint} did not answer within ${timeoutMs} ms`, { cause: err });
    }
    if (err instanceof SyntaxError) {
      // A 2xx with a body that is not JSON: a wrong URL (some other service), not a hiccup.
      return new EmbeddingBackendError(`${endpoint} answered with invalid JSON: ${err.message}`, { cause: err });
    }
    // undici reports connection problems as `TypeError: fetch failed` with the socket error as cause.
    const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error | undefined)?.message ?? String(err);
    return new EmbeddingUnavailableError(`cannot reach ${endpoint}: ${detail}`, { cause: err });
  }

  let closed = false;
  return {
    model,
    async embed(texts) {
      if (closed) throw new EmbeddingBackendError('embedder is closed');
      const vectors: Float32Array[] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        vectors.push(...(await requestBatch(texts.slice(start, start + batchSize))));
      }
      return vectors;
    },
    async close() {
      // fetch's connection pool is process-wide and idles out by itself; nothing to release.
      closed = true;
    },
  };
}

/** Joins the base URL and the endpoint path, accepting bases given with or without `/v1`. */
function embeddingsEndpoint(base: string): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new EmbeddingConfigError(`embedding API URL is not a valid URL: ${JSON.stringify(base)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EmbeddingConfigError(`embedding API URL must be http(s), got ${url.protocol}`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/v1') ? `${path}/embeddings` : `${path}/v1/embeddings`;
  return url.toString();
}

/**
 * An HTTP error status as an error type (lib/retry.ts's rule for a REST dependency): rate
 * limits (429), timeouts (408) and server errors (5xx) may pass; any other 4xx is a request the
 * server will keep refusing.
 */
async function statusError(response: Response, endpoint: string): Promise<EmbeddingBackendError | EmbeddingUnavailableError> {
  const { status } = response;
  const body = (await response.text().catch(() => '')).slice(0, ERROR_BODY_LIMIT).trim();
  const message = `${endpoint} answered ${status}${body ? `: ${body}` : ''}`;
  if (!isRetryableRequestStatus(status)) return new EmbeddingBackendError(message, { status });
  return new EmbeddingUnavailableError(message, { status, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
}

function parseEmbeddings(payload: unknown, expected: number): Float32Array[] {
  const data = (payload as Partial<EmbeddingsResponse> | null)?.data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new EmbeddingBackendError(
      `embedding API returned ${Array.isArray(data) ? data.length : 'no'} embeddings for ${expected} inputs`,
    );
  }
  // OpenAI documents `index` as the position of the input: honour it rather than trusting the
  // array order. Servers that omit it answer in input order.
  let ordered = data;
  if (data.some((item) => item?.index !== undefined)) {
    ordered = new Array(expected);
    for (const item of data) {
      const index = item?.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= expected || ordered[index]) {
        throw new EmbeddingBackendError(`embedding API returned an invalid or repeated index ${String(index)}`);
      }
      ordered[index] = item;
    }
  }
  return ordered.map((item, i) => {
    const embedding = item?.embedding;
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((x) => typeof x === 'number')) {
      throw new EmbeddingBackendError(`embedding API returned no numeric embedding for input ${i}`);
    }
    return Float32Array.from(embedding);
  });
}

function requirePositiveInteger(option: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new EmbeddingConfigError(`${option} must be a positive integer, got ${value}`);
}
