/** index as a Knative function. */
import { loadConfig } from '../../lib/config.js';
import { documentLimits } from '../../lib/documents/verify.js';
import { createLogger } from '../../lib/log.js';
import { serveStage } from '../../lib/runtime/serve-stage.js';
import { initTracing } from '../../lib/runtime/tracing.js';
import { createObjectStateReader } from '../../lib/storage/object-state.js';
import { ObjectNotFoundError } from '../../lib/storage/s3.js';
import { createStores } from '../../lib/stores.js';
import { createIndexHandler } from './handler.js';

const config = loadConfig();
const log = createLogger('index');
const tracing = initTracing({ serviceName: 'index', exporter: config.OTEL_TRACES_EXPORTER });
const { s3, vectors: store, status, claims, close } = createStores(config);

// A collection from before sparse vectors is rebuilt at start, without waiting for the first
// event (which would also do it); a failure here is retried by that event.
store.upgradeLegacyCollection().then(
  (upgraded) => upgraded && log.info({ collection: store.collection }, 'collection upgraded to dense + sparse vectors'),
  (err: unknown) => log.warn({ err }, 'collection upgrade failed; the next event retries it'),
);
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
  limits: documentLimits(config),
});
await serveStage(config, {
  stage: 'index',
  port: config.INDEX_PORT,
  handler,
  log,
  tracing,
  onShutdown: async () => close(),
});
