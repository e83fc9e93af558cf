/** The API as a process (locally) or a Knative Service (in the cluster). */
import { loadConfig, listenPort } from '../../lib/config.js';
import { createEmbedderFromEnv } from '../../lib/embedding/index.js';
import { createLogger } from '../../lib/log.js';
import { serveFunction } from '../../lib/runtime/function-server.js';
import { createVectorStore } from '../../lib/vector-store/qdrant.js';
import { createBrokerPublisher } from '../../lib/runtime/publish.js';
import { receiverAuth, senderTokens } from '../../lib/auth/from-config.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createStatusStore, statusCollectionName } from '../../lib/status/index.js';
import { createS3Client } from '../../lib/storage/s3.js';
import { parseBasicAuthUsers } from '../../lib/http/basic-auth.js';
import { createApiApp } from './app.js';
import { createDeadLetterStore } from './dead-letters.js';

const config = loadConfig();
const log = createLogger('api');
// Reconcile and dead-letter replays publish events: they start (or continue) traces too.
const tracing = initTracing({ serviceName: 'api', exporter: config.OTEL_TRACES_EXPORTER });
const embedder = await createEmbedderFromEnv();
const store = createVectorStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: config.QDRANT_COLLECTION });
const s3 = createS3Client(config);
const app = createApiApp({
  embedder,
  store,
  status: createStatusStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: statusCollectionName(config.QDRANT_COLLECTION) }),
  s3,
  buckets: config.S3_BUCKET.split(',').map((b) => b.trim()).filter(Boolean),
  publish: createBrokerPublisher({ url: config.BROKER_URL, tokens: senderTokens(config) }),
  deadLetters: createDeadLetterStore(s3, config.S3_PIPELINE_BUCKET),
  users: parseBasicAuthUsers(config.SLUICE_BASIC_AUTH),
  eventAuth: receiverAuth(config, { kind: 'Service', name: config.K_SERVICE ?? 'sluice-api' }, log),
  log,
});
await serveFunction(app, {
  port: listenPort(config, config.API_PORT),
  host: config.SLUICE_BIND,
  log,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  tracing,
  onShutdown: () => embedder.close(),
});
