import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { documentId } from '../../lib/documents/identity.js';
import { createMemoryStatusStore } from '../../test/support/fakes.js';
import { createMemoryS3 } from '../../test/support/memory-s3.js';
import { verifyGeneration } from './reindex-verify.js';

const bucket = 'documents';
const md5 = (body: string) => createHash('md5').update(body).digest('hex');
const now = new Date('2026-12-01T10:00:00Z');

/** Points of the generation: docId → version → count. */
function fakePoints(points: Record<string, Record<string, number>>, keys: string[]) {
  return {
    async countDocumentPoints(docId: string, version?: string) {
      const versions = points[docId] ?? {};
      return version === undefined ? Object.values(versions).reduce((a, b) => a + b, 0) : (versions[version] ?? 0);
    },
    async documentKeys() {
      return new Set(keys);
    },
  };
}

async function indexed(status: ReturnType<typeof createMemoryStatusStore>, key: string, version: string, chunks: number, state: 'indexed' | 'failed' = 'indexed', reason?: string) {
  await status.record({ docId: documentId(bucket, key), bucket, key, status: state, cycle: '2026-12-01T09:00:00.000Z', at: '2026-12-01T09:00:01.000Z', version, chunkCount: chunks, ...(reason ? { reason } : {}) });
}

test('complete only when every current object is there at its version with exactly its points, and nothing else is', async () => {
  const s3 = createMemoryS3();
  s3.put(bucket, 'a.md', 'alpha');
  s3.put(bucket, 'b.md', 'beta');
  s3.put(bucket, 'c.md', 'gamma');
  s3.put(bucket, 'd.md', 'delta');
  const status = createMemoryStatusStore();
  const serving = createMemoryStatusStore();
  await indexed(status, 'a.md', md5('alpha'), 2);
  await indexed(status, 'b.md', 'an-old-version', 1); // overwritten since: missing
  await indexed(status, 'c.md', md5('gamma'), 3); // holds a stale version's point too: missing
  await indexed(status, 'd.md', md5('delta'), 0, 'failed', 'no_text'); // failed in both: complete
  const points = fakePoints(
    {
      [documentId(bucket, 'a.md')]: { [md5('alpha')]: 2 },
      [documentId(bucket, 'b.md')]: { 'an-old-version': 1 },
      [documentId(bucket, 'c.md')]: { [md5('gamma')]: 3, older: 1 },
    },
    ['a.md', 'b.md', 'c.md', 'gone.md'],
  );
  const result = await verifyGeneration({ s3, buckets: [bucket], points, status, servingStatus: serving, now: () => now });
  assert.equal(result.objects, 4);
  assert.equal(result.complete, 2);
  assert.deepEqual(result.missing.map((o) => o.key).sort(), ['b.md', 'c.md']);
  assert.deepEqual(result.orphans, [{ bucket, key: 'gone.md' }]);
  assert.deepEqual(result.failed, []);
});

test('a document the new generation failed but the serving one holds blocks the swap; one in flight is busy, not missing', async () => {
  const s3 = createMemoryS3();
  s3.put(bucket, 'big.md', 'big');
  s3.put(bucket, 'new.md', 'new');
  const status = createMemoryStatusStore();
  const serving = createMemoryStatusStore();
  await indexed(status, 'big.md', md5('big'), 0, 'failed', 'too_many_chunks');
  await indexed(serving, 'big.md', md5('big'), 7);
  await status.record({ docId: documentId(bucket, 'new.md'), bucket, key: 'new.md', status: 'embedding', cycle: '2026-12-01T09:59:00.000Z', at: '2026-12-01T09:59:30.000Z' });
  const result = await verifyGeneration({ s3, buckets: [bucket], points: fakePoints({}, []), status, servingStatus: serving, now: () => now });
  assert.deepEqual(result.failed, [{ bucket, key: 'big.md', reason: 'too_many_chunks' }]);
  assert.equal(result.busy, 1);
  assert.deepEqual(result.missing, []);
});
