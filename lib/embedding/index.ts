/**
 * Embedding backends behind one interface, and the factory that picks one from the
 * configuration (lib/config/embedding.ts).
 */
import { resolve } from 'node:path';
import { DEFAULT_BATCH_SIZE, loadEmbeddingConfig, type EmbeddingConfig } from '../config/embedding.js';
import type { Env } from '../config/env.js';
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

export { DEFAULT_BATCH_SIZE, DEFAULT_MODEL_DIR, DEFAULT_MODEL_FILE } from '../config/embedding.js';

export interface EmbedderOptions {
  /**
   * Micro-batch concurrent calls (see batching.ts): they wait up to this many ms to fill one
   * backend call of EMBED_BATCH_SIZE texts. Unset: every call goes to the backend on its own.
   */
  microBatchLingerMs?: number;
}

/**
 * Creates the embedder the configuration asks for (lib/config/embedding.ts documents each
 * variable): `EMBED_BACKEND` `onnx` (the model in `SLUICE_MODEL_DIR`/`EMBED_MODEL_FILE`, on
 * `EMBED_THREADS`) or `openai` (`EMBED_API_URL`, `EMBED_API_MODEL`, `EMBED_API_KEY`), with
 * latency metrics and the one in-process retry of transient failures (instrumented.ts).
 */
export async function createEmbedder(config: EmbeddingConfig, options: EmbedderOptions = {}): Promise<Embedder> {
  const backend = await createBackend(config);
  if (options.microBatchLingerMs === undefined) return backend;
  return createBatchingEmbedder(backend, { maxBatch: config.EMBED_BATCH_SIZE ?? DEFAULT_BATCH_SIZE, lingerMs: options.microBatchLingerMs });
}

/** {@link createEmbedder} from the embedding variables of `env` alone (benchmarks, tools). */
export function createEmbedderFromEnv(env: Env = process.env, options: EmbedderOptions = {}): Promise<Embedder> {
  return createEmbedder(loadEmbeddingConfig(env), options);
}

async function createBackend(config: EmbeddingConfig): Promise<Embedder> {
  const batchSize = config.EMBED_BATCH_SIZE;
  switch (config.EMBED_BACKEND) {
    case 'onnx': {
      const onnx = await createOnnxEmbedder({
        modelDir: resolve(config.SLUICE_MODEL_DIR),
        modelFile: config.EMBED_MODEL_FILE,
        ...(config.EMBED_THREADS === undefined ? {} : { threads: config.EMBED_THREADS }),
        ...(batchSize === undefined ? {} : { batchSize }),
      });
      // Local inference never fails transiently (no EmbeddingUnavailableError): nothing is retried.
      return instrumentEmbedder(onnx, { backend: 'onnx' });
    }
    case 'openai': {
      if (config.EMBED_API_URL === undefined || config.EMBED_API_MODEL === undefined) {
        throw new EmbeddingConfigError('EMBED_BACKEND=openai needs EMBED_API_URL and EMBED_API_MODEL');
      }
      const remote = createOpenAICompatibleEmbedder({
        url: config.EMBED_API_URL,
        model: config.EMBED_API_MODEL,
        ...(config.EMBED_API_KEY === undefined ? {} : { apiKey: config.EMBED_API_KEY }),
        ...(batchSize === undefined ? {} : { batchSize }),
      });
      return instrumentEmbedder(remote, { backend: 'openai' });
    }
  }
}
