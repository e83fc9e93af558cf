import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadSourceConfig } from '../../lib/config.js';
import { sourceOptions } from './main.js';

/** The source's configuration (lib/config/source.ts) as runSource takes it. */
const loadConfig = (env: Record<string, string>) => sourceOptions(loadSourceConfig(env));

describe('the source\'s configuration (loadSourceConfig, sourceOptions)', () => {
  test('defaults: filer 127.0.0.1:18888, bucket from S3_BUCKET, sink from BROKER_URL, start at 0', () => {
    const cfg = loadConfig({ S3_BUCKET: 'documents', BROKER_URL: 'http://127.0.0.1:8180/' });
    assert.deepEqual(cfg, {
      filerAddress: '127.0.0.1:18888',
      buckets: ['documents'],
      sinkUrl: 'http://127.0.0.1:8180/',
      clientName: 'sluice-seaweedfs-source',
      startFromNs: '0',
    });
  });

  test('K_SINK wins over BROKER_URL; SEAWEEDFS_BUCKETS over S3_BUCKET; overrides apply', () => {
    const cfg = loadConfig({
      K_SINK: 'http://broker-ingress.knative-eventing.svc.cluster.local/sluice/default',
      BROKER_URL: 'http://127.0.0.1:8180/',
      S3_BUCKET: 'documents',
      SEAWEEDFS_BUCKETS: ' documents, inbox ,documents',
      SEAWEEDFS_FILER_GRPC: 'seaweedfs-filer:18888',
      SOURCE_CLIENT_NAME: 'src-a',
      SOURCE_START_FROM_NS: '1795875848271730254',
      SOURCE_CHECKPOINT_FILE: '/tmp/ckpt.json',
    });
    assert.equal(cfg.sinkUrl, 'http://broker-ingress.knative-eventing.svc.cluster.local/sluice/default');
    assert.deepEqual(cfg.buckets, ['documents', 'inbox']);
    assert.equal(cfg.filerAddress, 'seaweedfs-filer:18888');
    assert.equal(cfg.clientName, 'src-a');
    assert.equal(cfg.startFromNs, '1795875848271730254');
    assert.equal(cfg.checkpointFile, '/tmp/ckpt.json');
  });

  test('rejects missing sink, bad sink URL, no bucket, bad bucket, bad start', () => {
    assert.throws(() => loadConfig({ S3_BUCKET: 'documents' }), /K_SINK/);
    assert.throws(() => loadConfig({ S3_BUCKET: 'documents', K_SINK: 'not a url' }), /invalid sink URL/);
    assert.throws(() => loadConfig({ K_SINK: 'http://x/' }), /SEAWEEDFS_BUCKETS/);
    assert.throws(() => loadConfig({ K_SINK: 'http://x/', SEAWEEDFS_BUCKETS: 'Bad_Bucket' }), /invalid bucket/);
    assert.throws(() => loadConfig({ K_SINK: 'http://x/', S3_BUCKET: 'documents', SOURCE_START_FROM_NS: '-1' }), /SOURCE_START_FROM_NS/);
  });
});
