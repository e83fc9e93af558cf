/** split as a Knative function: HTTP shell around the handler, configured from the environment. */
import { loadConfig } from '../../lib/config.js';
import { documentLimits } from '../../lib/documents/verify.js';
import { createLogger } from '../../lib/log.js';
import { serveStage } from '../../lib/runtime/serve-stage.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createObjectStateReader } from '../../lib/storage/object-state.js';
import { getObject } from '../../lib/storage/s3.js';
import { createStores } from '../../lib/stores.js';
import { extractLimits } from './extract/index.js';
import { createSplitHandler } from './handler.js';
import { createIsolatedSplitter } from './worker/isolated.js';

const config = loadConfig();
const log = createLogger('split');
const tracing = initTracing({ serviceName: 'split', exporter: config.OTEL_TRACES_EXPORTER });
const { s3, generations, vectors, status, claims, close } = createStores(config, { log: (message, fields) => log.info(fields ?? {}, message) });

const splitter = createIsolatedSplitter(
  extractLimits(config),
  { size: config.CHUNK_SIZE, overlap: config.CHUNK_OVERLAP },
  { deadlineMs: config.SPLIT_DEADLINE_MS, maxMemoryMb: config.SPLIT_WORKER_MAX_MB, ...(config.SPLIT_WORKER_MAX_DATA_MB ? { maxDataMb: config.SPLIT_WORKER_MAX_DATA_MB } : {}), size: config.SPLIT_WORKERS },
);

const objectState = createObjectStateReader(s3, {
  tags: config.objectTags,
  onTagsUnsupported: () => log.warn('the S3 server does not implement object tagging: documents get their user metadata only'),
});
const handler = createSplitHandler({
  readObject: (bucket, key, maxBytes) => getObject(s3, bucket, key, maxBytes),
  headObject: (bucket, key) => objectState(bucket, key),
  countIndexed: (docId, version, metaHash) => vectors.countDocumentPoints(docId, version, metaHash),
  status,
  claims,
  splitter,
  limits: documentLimits(config),
  // Each event is split with the chunking of the index generation it is for (lib/generations).
  target: async (requested) => {
    const generation = await generations.target(requested);
    if (!generation) return undefined;
    const points = generations.vectors(generation);
    return {
      id: generation.id,
      chunking: { size: generation.settings.chunkSize, overlap: generation.settings.chunkOverlap },
      countIndexed: (docId, version, metaHash) => points.countDocumentPoints(docId, version, metaHash),
      status: generations.status(generation),
    };
  },
});

await serveStage(config, {
  stage: 'split',
  port: config.SPLIT_PORT,
  handler,
  log,
  tracing,
  onShutdown: async () => {
    await splitter.close();
    close();
  },
});
