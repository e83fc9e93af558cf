/** Claims are deleted once their version is done with, and swept by age; never outside claims/. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryS3 } from '../../test/support/memory-s3.js';
import { z } from 'zod';
import { claimKey, createClaimCheckStore, deleteClaims, sweepClaims, unitClaimKey } from './claim-check.js';

const docA = '11111111-1111-5111-8111-111111111111';
const docB = '22222222-2222-5222-8222-222222222222';

test('deleteClaims removes one version\'s claims, or all of a document\'s, and nothing of other documents', async () => {
  const s3 = createMemoryS3();
  const claims = createClaimCheckStore({ s3, bucket: 'pipeline', thresholdBytes: 1 });
  await claims.pack(['x'.repeat(10)], claimKey('chunks', docA, 'v1'));
  await claims.pack(['x'.repeat(10)], claimKey('vectors', docA, 'v1'));
  await claims.pack(['x'.repeat(10)], claimKey('chunks', docA, 'v2'));
  await claims.pack(['x'.repeat(10)], claimKey('chunks', docB, 'v1'));
  s3.put('pipeline', 'dead-letters/x.json', '{}');
  assert.equal(await claims.deleteClaims({ docId: docA, version: 'v1' }), 2);
  assert.deepEqual([...s3.objects.keys()].sort(), [`pipeline/claims/${docA}/v2/chunks.json`, `pipeline/claims/${docB}/v1/chunks.json`, 'pipeline/dead-letters/x.json']);
  assert.equal(await claims.deleteClaims({ docId: docA }), 1);
  assert.deepEqual([...s3.objects.keys()].sort(), [`pipeline/claims/${docB}/v1/chunks.json`, 'pipeline/dead-letters/x.json']);
  await assert.rejects(deleteClaims(s3, 'pipeline', 'dead-letters/'), /not a claim prefix/);
});

test('the sweep deletes claims older than the age limit only', async () => {
  const now = new Date('2026-06-02T00:00:00.000Z');
  const s3 = createMemoryS3();
  s3.put('pipeline', `claims/${docA}/v1/chunks.json`, '[]', new Date('2026-06-01T00:00:00.000Z'));
  s3.put('pipeline', `claims/${docB}/v1/chunks.json`, '[]', new Date('2026-06-01T23:00:00.000Z'));
  s3.put('pipeline', 'dead-letters/old.json', '{}', new Date('2020-01-01T00:00:00.000Z'));
  assert.equal(await sweepClaims(s3, 'pipeline', 12 * 3_600_000, now), 1);
  assert.deepEqual([...s3.objects.keys()].sort(), [`pipeline/claims/${docB}/v1/chunks.json`, 'pipeline/dead-letters/old.json']);
});

test('keyed claims: stored whatever their size, read back by key, undefined when missing or not of the schema', async () => {
  const s3 = createMemoryS3();
  const claims = createClaimCheckStore({ s3, bucket: 'pipeline', thresholdBytes: 1_000_000, maxBytes: 1_000 });
  const key = unitClaimKey(docA, 'v1', 512, 3);
  assert.equal(key, `claims/${docA}/v1/units/512/3.json`);
  const Item = z.object({ hash: z.string() });
  assert.equal(await claims.get(key, Item), undefined);
  await claims.put([{ hash: 'a' }], key);
  assert.deepEqual(await claims.get(key, Item), [{ hash: 'a' }]);
  assert.equal(await claims.get(key, z.object({ vector: z.string() })), undefined);
  s3.put('pipeline', key, 'not json');
  assert.equal(await claims.get(key, Item), undefined);
  s3.put('pipeline', key, JSON.stringify([{ hash: 'x'.repeat(2_000) }]));
  assert.equal(await claims.get(key, Item), undefined, 'over maxBytes: not read');
  await assert.rejects(claims.put([], 'dead-letters/x.json'), /not a claim key/);
  assert.equal(await claims.deleteClaims({ docId: docA, version: 'v1' }), 1, 'unit claims go with their version');
});
