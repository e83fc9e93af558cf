/**
 * Embedding backends behind one interface, and the factory that picks one from the
 * environment (variables documented in .env.example).
 */
import { resolve } from 'node:path';
import { createBatchingEmbedder } from './batching.js';
import { EmbeddingConfigError } from './errors.js';
import { instrumentEmbedder } from './instrumented.js';
import { createOnnxEmbedder } from './onnx.js';
import { createOpenAICompatibleEmbedder } from './openai.js';
import type { Embedder } from './types.js';

export type { Embedder, EmbeddingModel } from './types.js';
export { EmbeddingBackendError, EmbeddingConfigError, EmbeddingUnavailableError, type EmbeddingBackendErrorOptions } from './errors.js';
export { createBatchingEmbedder, type BatchingOptions } from './batching.js';
export { instrumentEmbedder, type InstrumentOptions } from './instrumented.js';
export { createOnnxEmbedder, type OnnxEmbedderOptions } from './onnx.js';
export { createOpenAICompatibleEmbedder, type OpenAICompatibleEmbedderOptions } from './openai.js';
export { decodeVector, encodeVector } from './vector-codec.js';

/** The model directory used when SLUICE_MODEL_DIR is unset, relative to the working directory. */
export const DEFAULT_MODEL_DIR = '.sluice/model';

const BACKENDS = ['onnx', 'openai'] as const;

/** Texts per model run when EMBED_BATCH_SIZE is unset (the ONNX backend's default). */
export const DEFAULT_BATCH_SIZE = 8;

/**
 * The graph used when EMBED_MODEL_FILE is unset: the int8 variant, 1.4× more chunks per CPU
 * second than fp32 and a quarter of its size, with vectors that agree with fp32 (mean cosine
 * >= 0.99, checked by onnx.test.ts).
 */
export const DEFAULT_MODEL_FILE = 'model_int8.onnx';

export interface EmbedderFromEnvOptions {
  /**
   * Micro-batch concurrent calls (see batching.ts): they wait up to this many ms to fill one
   * backend call of EMBED_BATCH_SIZE texts. Unset: every call goes to the backend on its own.
   */
  microBatchLingerMs?: number;
}

/**
 * Creates the embedder that the environment asks for:
 * - `EMBED_BACKEND`: `onnx` (default) or `openai`;
 * - onnx: `SLUICE_MODEL_DIR` (default `.sluice/model`, relative to the cwd), `EMBED_MODEL_FILE`
 *   (default `model_int8.onnx`),
 *   `EMBED_THREADS` (0 = onnxruntime default), `EMBED_BATCH_SIZE`;
 * - openai: `EMBED_API_URL` and `EMBED_API_MODEL` (required), `EMBED_API_KEY`, `EMBED_BATCH_SIZE`.
 *
 * Empty values count as unset, as in .env files.
 * @throws {EmbeddingConfigError} naming the variable when a value is missing or invalid.
 */
export async function createEmbedderFromEnv(env: NodeJS.ProcessEnv = process.env, options: EmbedderFromEnvOptions = {}): Promise<Embedder> {
  const backend = await createBackendFromEnv(env);
  if (options.microBatchLingerMs === undefined) return backend;
  const batchSize = readInteger((name) => env[name]?.trim() || undefined, 'EMBED_BATCH_SIZE', 1) ?? DEFAULT_BATCH_SIZE;
  return createBatchingEmbedder(backend, { maxBatch: batchSize, lingerMs: options.microBatchLingerMs });
}

/** The configured backend, with latency metrics and in-process retries of transient failures. */
async function createBackendFromEnv(env: NodeJS.ProcessEnv): Promise<Embedder> {
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const backend = read('EMBED_BACKEND') ?? 'onnx';
  const batchSize = readInteger(read, 'EMBED_BATCH_SIZE', 1);

  switch (backend) {
    case 'onnx': {
      const modelFile = read('EMBED_MODEL_FILE') ?? DEFAULT_MODEL_FILE;
      const threads = readInteger(read, 'EMBED_THREADS', 0);
      const onnx = await createOnnxEmbedder({
        modelDir: resolve(read('SLUICE_MODEL_DIR') ?? DEFAULT_MODEL_DIR),
        modelFile,
        ...(threads === undefined ? {} : { threads }),
        ...(batchSize === undefined ? {} : { batchSize }),
      });
      // Local inference never fails transiently (no EmbeddingUnavailableError): nothing is retried.
      return instrumentEmbedder(onnx, { backend });
    }
    case 'openai': {
      const url = read('EMBED_API_URL');
      const model = read('EMBED_API_MODEL');
      if (url === undefined || model === undefined) {
        throw new EmbeddingConfigError('EMBED_BACKEND=openai needs EMBED_API_URL and EMBED_API_MODEL');
      }
      if (!/^https?:\/\/./i.test(url)) {
        throw new EmbeddingConfigError(`EMBED_API_URL must be an http(s) URL, got ${JSON.stringify(url)}`);
      }
      const apiKey = read('EMBED_API_KEY');
      const remote = createOpenAICompatibleEmbedder({
        url,
        model,
        ...(apiKey === undefined ? {} : { apiKey }),
        ...(batchSize === undefined ? {} : { batchSize }),
      });
      return instrumentEmbedder(remote, { backend });
    }
    default:
      throw new EmbeddingConfigError(`EMBED_BACKEND must be one of ${BACKENDS.join(', ')}, got ${JSON.stringify(backend)}`);
  }
}

function readInteger(read: (name: string) => string | undefined, name: string, min: number): number | undefined {
  const raw = read(name);
  if (raw === undefined) return undefined;
  // Number('') and Number('1e3') would slip through parseInt-style checks; accept digits only.
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new EmbeddingConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}
