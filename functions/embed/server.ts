/** embed as a Knative function. The model loads before the server reports ready. */
import { loadEmbedProcessConfig } from '../../lib/config.js';
import { documentLimits } from '../../lib/documents/verify.js';
import { createEmbedder } from '../../lib/embedding/index.js';
import { createLogger } from '../../lib/log.js';
import { serveStage } from '../../lib/runtime/serve-stage.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createStores } from '../../lib/stores.js';
import { embeddingSettings, generationLimits, modelSettings, reusableVectors } from '../../lib/generations/index.js';
import { createEmbedderPool } from '../../lib/generations/embedders.js';
import { createEmbedHandler } from './handler.js';

const config = loadEmbedProcessConfig();
const log = createLogger('embed');
const tracing = initTracing({ serviceName: 'embed', exporter: config.OTEL_TRACES_EXPORTER });
const { generations, vectors, status, claims, close } = createStores(config, { initialSettings: () => embeddingSettings(config), log: (message, fields) => log.info(fields ?? {}, message) });
const started = performance.now();
// Deliveries in flight share model runs (micro-batching); see lib/embedding/batching.ts.
const embedder = await createEmbedder(config, { microBatchLingerMs: config.EMBED_LINGER_MS });
log.info({ model: embedder.model, loadMs: Math.round(performance.now() - started) }, 'embedding model loaded');
// A generation built with another model file (a re-index) gets that file's model, loaded on first use.
const models = createEmbedderPool(config, embedder, await modelSettings(config), { microBatchLingerMs: config.EMBED_LINGER_MS });
const limits = documentLimits(config);

const handler = createEmbedHandler({
  embedder,
  status,
  knownVectors: (hashes) => vectors.vectorsByChunkHash(hashes),
  claims,
  limits,
  unitChunks: config.EMBED_UNIT_CHUNKS,
  target: async (requested) => {
    const generation = await generations.target(requested);
    if (!generation) return undefined;
    return {
      id: generation.id,
      embedder: await models.embedderFor(generation.settings.model),
      limits: generationLimits(limits, generation, config.MAX_CLAIM_BYTES),
      status: generations.status(generation),
      knownVectors: (hashes) => reusableVectors(generations, generation, hashes),
    };
  },
});
await serveStage(config, {
  stage: 'embed',
  port: config.EMBED_PORT,
  handler,
  log,
  tracing,
  onShutdown: async () => {
    await models.close();
    await embedder.close();
    close();
  },
});
