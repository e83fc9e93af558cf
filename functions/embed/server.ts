/** embed as a Knative function. The model loads before the server reports ready. */
import { loadConfig } from '../../lib/config.js';
import { documentLimits } from '../../lib/documents/verify.js';
import { createEmbedderFromEnv } from '../../lib/embedding/index.js';
import { createLogger } from '../../lib/log.js';
import { serveStage } from '../../lib/runtime/serve-stage.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createClaimCheckStore } from '../../lib/storage/claim-check.js';
import { createS3Client } from '../../lib/storage/s3.js';
import { createStatusStore, statusCollectionName } from '../../lib/status/index.js';
import { createVectorStore } from '../../lib/vector-store/qdrant.js';
import { createEmbedHandler } from './handler.js';

const config = loadConfig();
const limits = documentLimits(config);
const log = createLogger('embed');
const tracing = initTracing({ serviceName: 'embed', exporter: config.OTEL_TRACES_EXPORTER });
const s3 = createS3Client(config);
const started = performance.now();
// Deliveries in flight share model runs (micro-batching); see lib/embedding/batching.ts.
const embedder = await createEmbedderFromEnv(process.env, { microBatchLingerMs: config.EMBED_LINGER_MS });
log.info({ model: embedder.model, loadMs: Math.round(performance.now() - started) }, 'embedding model loaded');

const vectors = createVectorStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: config.QDRANT_COLLECTION });
const handler = createEmbedHandler({
  embedder,
  status: createStatusStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: statusCollectionName(config.QDRANT_COLLECTION) }),
  knownVectors: (hashes) => vectors.vectorsByChunkHash(hashes),
  claims: createClaimCheckStore({ s3, bucket: config.S3_PIPELINE_BUCKET, thresholdBytes: config.CLAIM_CHECK_THRESHOLD_BYTES, maxBytes: limits.maxClaimBytes }),
  limits,
});
await serveStage(config, {
  stage: 'embed',
  port: config.EMBED_PORT,
  handler,
  log,
  tracing,
  onShutdown: async () => {
    await embedder.close();
    s3.destroy();
  },
});
