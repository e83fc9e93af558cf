/** The API as a process (locally) or a Knative Service (in the cluster). */
import { listenPort, loadApiConfig } from '../../lib/config.js';
import { createEmbedder } from '../../lib/embedding/index.js';
import { createLogger } from '../../lib/log.js';
import { serveFunction } from '../../lib/runtime/function-server.js';
import { createBrokerPublisher } from '../../lib/runtime/publish.js';
import { receiverAuth, senderTokens } from '../../lib/auth/from-config.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createStores } from '../../lib/stores.js';
import { parseBasicAuthUsers } from '../../lib/http/basic-auth.js';
import { createApiApp } from './app.js';
import { createDeadLetterStore } from './dead-letters.js';
import { createReconciler } from './reconciler.js';

const config = loadApiConfig();
const log = createLogger('api');
// Reconcile and dead-letter replays publish events: they start (or continue) traces too.
const tracing = initTracing({ serviceName: 'api', exporter: config.OTEL_TRACES_EXPORTER });
const embedder = await createEmbedder(config);
const { s3, vectors: store, status, close } = createStores(config);
const { buckets } = config;
const publish = createBrokerPublisher({ url: config.BROKER_URL, tokens: senderTokens(config) });
const deadLetters = createDeadLetterStore(s3, config.S3_PIPELINE_BUCKET, { maxCount: config.DEAD_LETTER_MAX_COUNT, ttlMs: config.DEAD_LETTER_TTL_HOURS * 3_600_000 });
const reconciler = createReconciler({
  s3,
  status,
  index: store,
  publish,
  buckets,
  log,
  pipelineBucket: config.S3_PIPELINE_BUCKET,
  claimMaxAgeMs: config.CLAIM_MAX_AGE_HOURS * 3_600_000,
  deadLetters,
  heal: { baseMs: config.HEAL_BACKOFF_BASE_S * 1000, maxMs: config.HEAL_BACKOFF_MAX_S * 1000 },
});
const app = createApiApp({
  embedder,
  store,
  status,
  s3,
  buckets,
  publish,
  deadLetters,
  users: parseBasicAuthUsers(config.SLUICE_BASIC_AUTH),
  eventAuth: receiverAuth(config, { kind: 'Service', name: config.K_SERVICE ?? 'sluice-api' }, log),
  log,
  reconciler,
  deadLetterMaxBytes: config.DEAD_LETTER_MAX_BYTES,
  maxClockSkewMs: config.STATUS_MAX_CLOCK_SKEW_S * 1000,
  filterFields: config.filterFields,
  tenantField: config.tenantField,
  tenantBindings: config.tenantBindings,
});
// Self-healing and bounded state without anyone asking (in the cluster a PingSource asks instead).
const stopSchedule = reconciler.schedule(config.RECONCILE_INTERVAL_S * 1000);
// The dead-letter gauge has a count from the start; a failure here only delays it to the first add.
void deadLetters.prune?.().catch((err: unknown) => log.warn({ err }, 'counting dead letters failed'));
await serveFunction(app, {
  port: listenPort(config, config.API_PORT),
  host: config.SLUICE_BIND,
  log,
  shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  tracing,
  onShutdown: async () => {
    stopSchedule();
    await embedder.close();
    close();
  },
});
