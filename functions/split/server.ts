/** split as a Knative function: HTTP shell around the handler, configured from the environment. */
import { loadConfig } from '../../lib/config.js';
import { documentLimits } from '../../lib/documents/verify.js';
import { createLogger } from '../../lib/log.js';
import { serveStage } from '../../lib/runtime/serve-stage.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createClaimCheckStore } from '../../lib/storage/claim-check.js';
import { createS3Client, getObject, headObject } from '../../lib/storage/s3.js';
import { createStatusStore, statusCollectionName } from '../../lib/status/index.js';
import { createVectorStore } from '../../lib/vector-store/qdrant.js';
import { extractLimits } from './extract/index.js';
import { createSplitHandler } from './handler.js';
import { createIsolatedSplitter } from './worker/isolated.js';

const config = loadConfig();
const limits = documentLimits(config);
const log = createLogger('split');
const tracing = initTracing({ serviceName: 'split', exporter: config.OTEL_TRACES_EXPORTER });
const s3 = createS3Client(config);

const vectors = createVectorStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: config.QDRANT_COLLECTION });

const splitter = createIsolatedSplitter(
  extractLimits(config),
  { size: config.CHUNK_SIZE, overlap: config.CHUNK_OVERLAP },
  { deadlineMs: config.SPLIT_DEADLINE_MS, maxMemoryMb: config.SPLIT_WORKER_MAX_MB, ...(config.SPLIT_WORKER_MAX_DATA_MB ? { maxDataMb: config.SPLIT_WORKER_MAX_DATA_MB } : {}), size: config.SPLIT_WORKERS },
);

const handler = createSplitHandler({
  readObject: (bucket, key, maxBytes) => getObject(s3, bucket, key, maxBytes),
  headObject: (bucket, key) => headObject(s3, bucket, key),
  countIndexed: (docId, version) => vectors.countDocumentPoints(docId, version),
  status: createStatusStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: statusCollectionName(config.QDRANT_COLLECTION) }),
  claims: createClaimCheckStore({ s3, bucket: config.S3_PIPELINE_BUCKET, thresholdBytes: config.CLAIM_CHECK_THRESHOLD_BYTES, maxBytes: limits.maxClaimBytes }),
  splitter,
  limits,
});

await serveStage(config, {
  stage: 'split',
  port: config.SPLIT_PORT,
  handler,
  log,
  tracing,
  onShutdown: async () => {
    await splitter.close();
    s3.destroy();
  },
});
