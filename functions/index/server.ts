/** index as a Knative function. */
import { loadConfig } from '../../lib/config.js';
import { documentLimits } from '../../lib/documents/verify.js';
import { createLogger } from '../../lib/log.js';
import { serveStage } from '../../lib/runtime/serve-stage.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createObjectStateReader } from '../../lib/storage/object-state.js';
import { ObjectNotFoundError } from '../../lib/storage/s3.js';
import { createStores } from '../../lib/stores.js';
import { generationLimits } from '../../lib/generations/index.js';
import { createIndexHandler } from './handler.js';

const config = loadConfig();
const log = createLogger('index');
const tracing = initTracing({ serviceName: 'index', exporter: config.OTEL_TRACES_EXPORTER });
const { s3, generations, vectors: store, status, claims, close } = createStores(config, { log: (message, fields) => log.info(fields ?? {}, message) });
const limits = documentLimits(config);

// The alias in place at start, without waiting for the first event (which would also do it):
// a collection from before generations moves into generation 1 (and one from before sparse
// vectors is rebuilt on the way); a failure here is retried by that event.
generations.ready().catch((err: unknown) => log.warn({ err }, 'moving the collection behind its alias failed; the next event retries it'));
const objectState = createObjectStateReader(s3, {
  tags: config.objectTags,
  onTagsUnsupported: () => log.warn('the S3 server does not implement object tagging: documents get their user metadata only'),
});
const handler = createIndexHandler({
  store,
  status,
  currentObject: (bucket, key) =>
    objectState(bucket, key).then(
      (state) => ({ version: state.etag, userMetadata: state.userMetadata, tags: state.tags }),
      (err: unknown) => {
        if (err instanceof ObjectNotFoundError) return undefined;
        throw err;
      },
    ),
  claims,
  limits,
  target: async (requested) => {
    const generation = await generations.target(requested);
    if (!generation) return undefined;
    return { id: generation.id, store: generations.vectors(generation), status: generations.status(generation), limits: generationLimits(limits, generation, config.MAX_CLAIM_BYTES) };
  },
  deletionTargets: async () => (await generations.live()).map((g) => ({ id: g.id, store: generations.vectors(g), status: generations.status(g) })),
});
await serveStage(config, {
  stage: 'index',
  port: config.INDEX_PORT,
  handler,
  log,
  tracing,
  onShutdown: async () => close(),
});
