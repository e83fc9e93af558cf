/** embed as a Knative function. The model loads before the server reports ready. */
import { loadEmbedProcessConfig } from '../../lib/config.js';
import { documentLimits } from '../../lib/documents/verify.js';
import { createEmbedder } from '../../lib/embedding/index.js';
import { createLogger } from '../../lib/log.js';
import { serveStage } from '../../lib/runtime/serve-stage.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createStores } from '../../lib/stores.js';
import { createEmbedHandler } from './handler.js';

const config = loadEmbedProcessConfig();
const log = createLogger('embed');
const tracing = initTracing({ serviceName: 'embed', exporter: config.OTEL_TRACES_EXPORTER });
const { vectors, status, claims, close } = createStores(config);
const started = performance.now();
// Deliveries in flight share model runs (micro-batching); see lib/embedding/batching.ts.
const embedder = await createEmbedder(config, { microBatchLingerMs: config.EMBED_LINGER_MS });
log.info({ model: embedder.model, loadMs: Math.round(performance.now() - started) }, 'embedding model loaded');

const handler = createEmbedHandler({
  embedder,
  status,
  knownVectors: (hashes) => vectors.vectorsByChunkHash(hashes),
  claims,
  limits: documentLimits(config),
  unitChunks: config.EMBED_UNIT_CHUNKS,
});
await serveStage(config, {
  stage: 'embed',
  port: config.EMBED_PORT,
  handler,
  log,
  tracing,
  onShutdown: async () => {
    await embedder.close();
    close();
  },
});
