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
import { createS3Client } from '../../lib/storage/s3.js';
import { createChunkReader } from '../../lib/vector-store/chunks.js';
import { createAccess } from './access.js';
import { createApiApp } from './app.js';
import { createPipelineMonitor } from './pipeline-monitor.js';
import { createUploadSigner } from './uploads.js';
import { createDeadLetterStore } from './dead-letters.js';
import { createReconciler } from './reconciler.js';
import { createReindexer } from './reindex.js';
import { applyChange, embeddingSettings, modelSettings } from '../../lib/generations/index.js';
import { createEmbedderPool } from '../../lib/generations/embedders.js';

const config = loadApiConfig();
const log = createLogger('api');
// Reconcile and dead-letter replays publish events: they start (or continue) traces too.
const tracing = initTracing({ serviceName: 'api', exporter: config.OTEL_TRACES_EXPORTER });
const embedder = await createEmbedder(config);
const { s3, generations, vectors: store, status, close } = createStores(config, { initialSettings: () => embeddingSettings(config), log: (message, fields) => log.info(fields ?? {}, message) });
// Queries are embedded with the serving generation's model (another file after a re-index).
const models = createEmbedderPool(config, embedder, await modelSettings(config));
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
const reindexer = createReindexer({
  generations,
  s3,
  buckets,
  publish,
  log,
  settingsFor: (serving, change) => applyChange(config, serving, change),
  reconcile: () => reconciler.run(),
});
// The record pinned, the alias in place, a build interrupted by a restart resumed; retried until Qdrant and S3 answer.
const resume = (): void =>
  void reindexer.resume().catch((err: unknown) => {
    log.warn({ err }, 'resuming index generations failed; retrying in 5 s');
    setTimeout(resume, 5_000).unref();
  });
resume();
// Presigned uploads are signed for the address browsers reach S3 at; no checksum of an empty body
// may be signed into the URL (the SDK's default would compute one for a body it never sees).
const uploadEndpoint = config.S3_PUBLIC_ENDPOINT ?? config.S3_ENDPOINT;
const uploads = createUploadSigner({
  s3: createS3Client({ ...config, S3_ENDPOINT: uploadEndpoint }, { requestChecksumCalculation: 'WHEN_REQUIRED' }),
  endpoint: uploadEndpoint,
  buckets,
  maxObjectBytes: config.MAX_OBJECT_BYTES,
  ttlSeconds: config.UPLOAD_URL_TTL_S,
});
const pipeline = createPipelineMonitor({
  targets: config.metricsTargets,
  status,
  deadLetters: () => deadLetters.stored?.(),
  reconcile: () => reconciler.state(),
  intervalMs: config.PIPELINE_SAMPLE_INTERVAL_S * 1000,
  capacity: config.PIPELINE_SAMPLES,
  log,
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
  reindexer,
  statusFor: async (id) => {
    const generation = await generations.target(id);
    return generation ? generations.status(generation) : undefined;
  },
  searchTarget: async () => {
    const generation = await generations.serving();
    return { embedder: await models.embedderFor(generation.settings.model), store: generations.vectors(generation), generation: generation.id };
  },
  access: createAccess(config.readOnlyUsers),
  uploads,
  chunks: createChunkReader({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: config.QDRANT_COLLECTION }),
  pipeline,
  filterFields: config.filterFields,
  tenantField: config.tenantField,
  tenantBindings: config.tenantBindings,
});
// Self-healing and bounded state without anyone asking (in the cluster a PingSource asks instead).
const stopSchedule = reconciler.schedule(config.RECONCILE_INTERVAL_S * 1000);
const stopSampling = pipeline.start();
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
    reindexer.stop();
    await models.close();
    stopSampling();
    await embedder.close();
    close();
  },
});
