/**
 * Bounded state through the real stack: a document large enough for claim checks leaves no
 * claim objects once its version is indexed, and none once it is deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { documentId } from '../../lib/documents/identity.js';
import { api, bucket, component, config, putObject, s3, waitFor, waitIndexed } from '../support/stack.js';

async function claimsOf(docId: string): Promise<string[]> {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: config.S3_PIPELINE_BUCKET, Prefix: `claims/${docId}/` }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

test('claim-check objects are deleted once the version is indexed, and the deleted document leaves none', async () => {
  const key = `claim-cleanup/large-${Date.now()}.txt`;
  const docId = documentId(bucket, key);
  // Well over CLAIM_CHECK_THRESHOLD_BYTES of chunk text, so split and embed claim-check it.
  const paragraphs = Array.from({ length: 400 }, (_, i) => `Paragraph ${i}: the claim check keeps RabbitMQ messages small by parking large batches in S3, number ${i * 7919}.`);
  const text = paragraphs.join('\n\n').repeat(2);
  assert.ok(Buffer.byteLength(text) > config.CLAIM_CHECK_THRESHOLD_BYTES * 1.2);

  // index held back, so that the claims can be seen to exist before they are cleaned up.
  await component('stop', 'index');
  let version: string;
  try {
    version = await putObject(key, text);
    const claims = await waitFor(`claims of ${key}`, async () => {
      const keys = await claimsOf(docId);
      return keys.some((k) => k.endsWith('/vectors.json')) ? keys : undefined;
    }, 120_000, 500);
    assert.ok(claims.every((k) => k.startsWith(`claims/${docId}/${version}/`)), claims.join(', '));
  } finally {
    await component('start', 'index');
  }
  await waitIndexed(key, version, 180_000);
  await waitFor(`${key} indexed in its status`, async () => ((await api.status(key)).status === 'indexed' ? true : undefined));
  await waitFor(`the claims of ${key} to be deleted`, async () => ((await claimsOf(docId)).length === 0 ? true : undefined), 30_000);

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  await waitFor(`${key} deleted`, async () => ((await api.status(key)).status === 'deleted' ? true : undefined));
  assert.deepEqual(await claimsOf(docId), []);
});
