import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, largestInlinePayload, loadConfig } from './config.js';

test('the defaults pass the cross-checks', () => {
  const config = loadConfig({});
  assert.ok(config.CLAIM_CHECK_THRESHOLD_BYTES <= largestInlinePayload(Math.min(config.MAX_EVENT_BYTES, config.BROKER_MAX_EVENT_BYTES)));
});

test('a claim-check threshold that cannot fit the broker\'s event limit is refused, naming both', () => {
  assert.throws(() => loadConfig({ CLAIM_CHECK_THRESHOLD_BYTES: '1048576' }), (err: Error) => err instanceof ConfigError && /CLAIM_CHECK_THRESHOLD_BYTES/.test(err.message) && /BROKER_MAX_EVENT_BYTES/.test(err.message));
  // Under the limit, but not with room for base64 and the envelope.
  assert.throws(() => loadConfig({ CLAIM_CHECK_THRESHOLD_BYTES: '800000' }), ConfigError);
  // The smaller of the two limits counts.
  assert.throws(() => loadConfig({ CLAIM_CHECK_THRESHOLD_BYTES: '65536', BROKER_MAX_EVENT_BYTES: '65536' }), ConfigError);
  assert.equal(loadConfig({ CLAIM_CHECK_THRESHOLD_BYTES: String(largestInlinePayload(1048576)) }).CLAIM_CHECK_THRESHOLD_BYTES, largestInlinePayload(1048576));
});

test('every process schema extends the base schema', async () => {
  const { BaseSchema, PROCESS_CONFIGS } = await import('./config.js');
  for (const [name, { schema }] of Object.entries(PROCESS_CONFIGS)) {
    for (const key of Object.keys(BaseSchema.shape)) assert.ok(key in schema.shape, `${name} lacks ${key}`);
  }
});

test('derived once: buckets from S3_BUCKET', () => {
  assert.deepEqual(loadConfig({ S3_BUCKET: 'documents, inbox ,,documents' }).buckets, ['documents', 'inbox']);
  assert.deepEqual(loadConfig({}).buckets, ['documents']);
});

test('the broker: BROKER_SUBSCRIBERS defaults, in this one place, to the four Services on their ports', async () => {
  const { loadBrokerConfig } = await import('./config.js');
  assert.equal(
    loadBrokerConfig({ EMBED_PORT: '9182' }).subscribers,
    'sluice-split=http://127.0.0.1:8181,sluice-embed=http://127.0.0.1:9182,sluice-index=http://127.0.0.1:8183,sluice-api=http://127.0.0.1:8184',
  );
  assert.equal(loadBrokerConfig({ BROKER_SUBSCRIBERS: 'sluice-split=http://x/' }).subscribers, 'sluice-split=http://x/');
  const broker = loadBrokerConfig({});
  assert.deepEqual([broker.RABBITMQ_URL, broker.BROKER_PORT, broker.BROKER_MAX_EVENT_BYTES, broker.BROKER_SHUTDOWN_GRACE_MS], ['amqp://guest:guest@127.0.0.1:5672', 8180, 1048576, 20000]);
  assert.throws(() => loadBrokerConfig({ BROKER_PORT: '70000' }), (err: Error) => err instanceof ConfigError && /BROKER_PORT/.test(err.message));
  assert.throws(() => loadBrokerConfig({ BROKER_SHUTDOWN_GRACE_MS: '-1' }), /BROKER_SHUTDOWN_GRACE_MS/);
});

test('embedding: onnx by default; openai needs its URL and model; integers are digits only', async () => {
  const { loadEmbeddingConfig } = await import('./config.js');
  assert.deepEqual(loadEmbeddingConfig({}), { EMBED_BACKEND: 'onnx', SLUICE_MODEL_DIR: '.sluice/model', EMBED_MODEL_FILE: 'model_int8.onnx' });
  assert.throws(() => loadEmbeddingConfig({ EMBED_BACKEND: 'openai', EMBED_API_URL: 'http://127.0.0.1:8080' }), /EMBED_API_URL and EMBED_API_MODEL/);
  assert.throws(() => loadEmbeddingConfig({ EMBED_BACKEND: 'openai', EMBED_API_URL: 'ftp://x/', EMBED_API_MODEL: 'm' }), /EMBED_API_URL must be an http\(s\) URL/);
  assert.throws(() => loadEmbeddingConfig({ EMBED_BACKEND: 'tfidf' }), /EMBED_BACKEND/);
  assert.throws(() => loadEmbeddingConfig({ EMBED_BATCH_SIZE: '1e3' }), /EMBED_BATCH_SIZE/);
  assert.throws(() => loadEmbeddingConfig({ EMBED_BATCH_SIZE: '0' }), /EMBED_BATCH_SIZE/);
  assert.equal(loadEmbeddingConfig({ EMBED_THREADS: ' 0 ', EMBED_BATCH_SIZE: '16' }).EMBED_BATCH_SIZE, 16);
});

test('what only the API reads is in the API\'s schema, not the functions\'', async () => {
  const { loadApiConfig, PROCESS_CONFIGS } = await import('./config.js');
  const api = loadApiConfig({ RECONCILE_INTERVAL_S: '0', DEAD_LETTER_MAX_COUNT: '5' });
  assert.equal(api.RECONCILE_INTERVAL_S, 0);
  assert.equal(api.DEAD_LETTER_MAX_COUNT, 5);
  assert.deepEqual(api.buckets, ['documents']);
  for (const name of ['split', 'embed', 'index']) {
    for (const key of ['DEAD_LETTER_MAX_BYTES', 'RECONCILE_INTERVAL_S', 'HEAL_BACKOFF_BASE_S', 'CLAIM_MAX_AGE_HOURS', 'SLUICE_BASIC_AUTH']) {
      assert.ok(!(key in PROCESS_CONFIGS[name]!.schema.shape), `${name} does not read ${key}`);
    }
  }
  assert.ok('SLUICE_BASIC_AUTH' in PROCESS_CONFIGS.cli!.schema.shape, 'the CLI sends the first pair');
});

test('the API: read-only users must be basic-auth users, and not all of them; metrics targets by name', async () => {
  const { loadApiConfig } = await import('./config.js');
  const auth = { SLUICE_BASIC_AUTH: 'ops:pw,viewer:a:b' };
  assert.deepEqual(loadApiConfig({ ...auth, SLUICE_READ_ONLY_USERS: 'viewer' }).readOnlyUsers, ['viewer']);
  assert.deepEqual(loadApiConfig({}).readOnlyUsers, []);
  assert.throws(() => loadApiConfig({ ...auth, SLUICE_READ_ONLY_USERS: 'viewr' }), (err: Error) => err instanceof ConfigError && /viewr not among the SLUICE_BASIC_AUTH users/.test(err.message));
  assert.throws(() => loadApiConfig({ ...auth, SLUICE_READ_ONLY_USERS: 'ops,viewer' }), /every SLUICE_BASIC_AUTH user is read-only/);
  assert.throws(() => loadApiConfig({ SLUICE_READ_ONLY_USERS: 'viewer' }), /not among/);

  assert.deepEqual(loadApiConfig({ SPLIT_PORT: '9181', BROKER_URL: 'http://127.0.0.1:8280/' }).metricsTargets.map((t) => `${t.name}=${t.url}`), [
    'split=http://127.0.0.1:9181/metrics',
    'embed=http://127.0.0.1:8182/metrics',
    'index=http://127.0.0.1:8183/metrics',
    'broker=http://127.0.0.1:8280/metrics',
  ]);
  assert.deepEqual(loadApiConfig({ K_SERVICE: 'sluice-api' }).metricsTargets, [], 'under Knative: no scraping of scaled-to-zero functions');
  assert.deepEqual(loadApiConfig({ PIPELINE_METRICS_TARGETS: 'none' }).metricsTargets, []);
  assert.deepEqual(loadApiConfig({ PIPELINE_METRICS_TARGETS: 'broker=http://broker:8080/metrics' }).metricsTargets, [{ name: 'broker', url: 'http://broker:8080/metrics' }]);
  assert.throws(() => loadApiConfig({ PIPELINE_METRICS_TARGETS: 'broker' }), /PIPELINE_METRICS_TARGETS/);
  assert.throws(() => loadApiConfig({ UPLOAD_URL_TTL_S: String(8 * 24 * 3600) }), /UPLOAD_URL_TTL_S/);
  assert.equal(loadApiConfig({}).S3_PUBLIC_ENDPOINT, undefined);
});

test('metadata filters and tenants: names checked; bindings (the API\'s) need a tenant field and real users', async () => {
  const { loadApiConfig, PROCESS_CONFIGS } = await import('./config.js');
  const base = { SLUICE_BASIC_AUTH: 'ops:pw,alpha:a:pw', SLUICE_TENANT_FIELD: 'tenant' };
  const config = loadConfig({ ...base, SLUICE_FILTER_FIELDS: 'owner, team,owner' });
  assert.deepEqual(config.filterFields, ['owner', 'team', 'tenant'], 'the tenant field is filterable too');
  assert.equal(config.tenantField, 'tenant');
  assert.deepEqual(loadApiConfig({ ...base, SLUICE_TENANT_BINDINGS: 'alpha=tenant-a' }).tenantBindings, { alpha: 'tenant-a' });
  assert.ok(!('SLUICE_TENANT_BINDINGS' in PROCESS_CONFIGS.index!.schema.shape), 'only the API reads the bindings');
  assert.equal(config.objectTags, true);
  assert.equal(loadConfig({ S3_OBJECT_TAGS: 'false' }).objectTags, false);
  assert.deepEqual(loadConfig({}).filterFields, []);
  const refused: [Record<string, string>, RegExp][] = [
    [{ SLUICE_FILTER_FIELDS: 'Owner' }, /SLUICE_FILTER_FIELDS: "Owner" is not a metadata name/],
    [{ SLUICE_FILTER_FIELDS: 'meta.owner' }, /not a metadata name/],
    [{ SLUICE_TENANT_FIELD: 'tenant-id' }, /SLUICE_TENANT_FIELD: "tenant-id" is not a metadata name/],
    [{ ...base, SLUICE_TENANT_FIELD: '', SLUICE_TENANT_BINDINGS: 'alpha=tenant-a' }, /needs SLUICE_TENANT_FIELD/],
    [{ ...base, SLUICE_TENANT_BINDINGS: 'mallory=tenant-a' }, /mallory is not a SLUICE_BASIC_AUTH user/],
    [{ ...base, SLUICE_TENANT_BINDINGS: 'alpha' }, /"alpha" is not user=tenant/],
    [{ ...base, SLUICE_TENANT_BINDINGS: 'alpha=a,alpha=b' }, /bound to two tenants/],
    [{ ...base, SLUICE_TENANT_BINDINGS: `alpha=${'t'.repeat(257)}` }, /not a metadata value/],
    [{ S3_OBJECT_TAGS: 'yes' }, /S3_OBJECT_TAGS/],
  ];
  for (const [env, message] of refused) assert.throws(() => loadApiConfig(env), (err: Error) => err instanceof ConfigError && message.test(err.message), JSON.stringify(env));
  assert.throws(() => loadConfig({ SLUICE_FILTER_FIELDS: 'Owner' }), ConfigError, 'the functions check the names too');
});
