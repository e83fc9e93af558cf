/** index as a Knative function. */
import { deadLetterUrl, loadConfig, listenPort } from '../../lib/config.js';
import { createDeadLetterSink } from '../../lib/runtime/dead-letter.js';
import { EventSource } from '../../lib/events/types.js';
import { createLogger } from '../../lib/log.js';
import { createFunctionApp, serveFunction } from '../../lib/runtime/function-server.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createClaimCheckStore } from '../../lib/storage/claim-check.js';
import { createS3Client, headObject, ObjectNotFoundError } from '../../lib/storage/s3.js';
import { createStatusStore, statusCollectionName } from '../../lib/status/index.js';
import { createVectorStore } from '../../lib/vector-store/qdrant.js';
import { createIndexHandler } from './handler.js';

const config = loadConfig();
const log = createLogger('index');
const tracing = initTracing({ serviceName: 'index', exporter: config.OTEL_TRACES_EXPORTER });
const s3 = createS3Client(config);

const handler = createIndexHandler({
  store: createVectorStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: config.QDRANT_COLLECTION }),
  status: createStatusStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: statusCollectionName(config.QDRANT_COLLECTION) }),
  currentVersion: (bucket, key) =>
    headObject(s3, bucket, key).then(
      (head) => head.etag,
      (err: unknown) => {
        if (err instanceof ObjectNotFoundError) return undefined;
        throw err;
      },
    ),
  claims: createClaimCheckStore({ s3, bucket: config.S3_PIPELINE_BUCKET, thresholdBytes: config.CLAIM_CHECK_THRESHOLD_BYTES }),
});
const app = createFunctionApp({ stage: 'index', source: EventSource.index, handler, log, maxBodyBytes: config.MAX_EVENT_BYTES, deadLetter: createDeadLetterSink(deadLetterUrl(config)) });
await serveFunction(app, {
  port: listenPort(config, config.INDEX_PORT),
  host: config.SLUICE_BIND,
  log,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  tracing,
  onShutdown: async () => s3.destroy(),
});
