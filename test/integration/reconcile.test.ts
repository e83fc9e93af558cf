/**
 * Reconcile against the index itself, not only the status records: orphan points (no object,
 * no record, or a record that says deleted) are removed, and an object whose record says
 * indexed but whose points are gone is re-ingested.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { documentId, pointId, sha256Hex } from '../../lib/documents/identity.js';
import type { PointPayload } from '../../lib/documents/payload.js';
import { chunkSparseVector } from '../../lib/text/sparse-vector.js';
import { qdrant } from '../support/qdrant.js';
import { api, bucket, config, putObject, s3, waitFor, waitIndexed } from '../support/stack.js';

const prefix = `reconcile-index-${Date.now().toString(36)}/`;

/** Writes points for `key` straight into Qdrant, with the payload index writes, behind the pipeline's back. */
async function writeOrphanPoints(key: string, texts: string[]): Promise<void> {
  const info = await qdrant.getCollection(config.QDRANT_COLLECTION);
  const dimension = (info.config.params.vectors as unknown as { dense: { size: number } }).dense.size;
  const docId = documentId(bucket, key);
  const points = texts.map((text, index) => {
    const payload: PointPayload = {
      doc_id: docId,
      bucket,
      key,
      version: 'f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0',
      chunk_index: index,
      chunk_count: texts.length,
      chunk_hash: sha256Hex(text),
      text,
      content_type: 'text/plain',
      indexed_at: new Date().toISOString(),
    };
    const vector = Array.from({ length: dimension }, (_, i) => (i === index ? 1 : 0));
    return { id: pointId(docId, payload.version, index), vector: { dense: vector, sparse: chunkSparseVector(payload) }, payload: { ...payload } };
  });
  await qdrant.upsert(config.QDRANT_COLLECTION, { wait: true, points });
}

const pointsOf = async (key: string) => (await api.documentPoints(key)).points;

test('reconcile removes orphan points that no status record knows about, and leaves indexed documents alone', async () => {
  const kept = `${prefix}kept.txt`;
  const keptVersion = await putObject(kept, 'Terraced rice fields in Banaue were carved into the mountains two thousand years ago.');
  const keptPoints = await waitIndexed(kept, keptVersion);
  await waitFor(`${kept} to be indexed`, async () => ((await api.status(kept).catch(() => undefined))?.status === 'indexed' ? true : undefined));

  const orphan = `${prefix}never-in-the-bucket.txt`;
  await writeOrphanPoints(orphan, ['An orphan chunk about basalt columns.', 'Another orphan chunk about sea stacks.']);
  assert.equal(await pointsOf(orphan), 2);
  await assert.rejects(api.status(orphan), 'no status record for the orphan');

  const [report] = await api.reconcile(bucket);
  assert.ok(report!.deleted.includes(orphan), JSON.stringify(report));
  assert.ok(!report!.deleted.includes(kept) && !report!.requested.includes(kept), JSON.stringify(report));
  await waitFor(`orphan points of ${orphan} to be removed`, async () => ((await pointsOf(orphan)) === 0 ? true : undefined));
  assert.equal(await pointsOf(kept), keptPoints, 'the indexed document keeps its points');
});

test('reconcile removes points left behind for a document whose record already says deleted', async () => {
  const key = `${prefix}deleted-but-left-over.txt`;
  const version = await putObject(key, 'Sea otters wrap themselves in kelp so that they do not drift away while sleeping.');
  await waitIndexed(key, version);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  await waitFor(`${key} to be deleted`, async () => ((await api.status(key).catch(() => undefined))?.status === 'deleted' ? true : undefined));
  await writeOrphanPoints(key, ['A chunk that outlived its document.']);

  const [report] = await api.reconcile(bucket);
  assert.ok(report!.deleted.includes(key), JSON.stringify(report));
  await waitFor(`left-over points of ${key} to be removed`, async () => ((await pointsOf(key)) === 0 ? true : undefined));
});

test('reconcile re-ingests an object whose record says indexed but whose points are gone', async () => {
  const key = `${prefix}points-lost.txt`;
  const version = await putObject(key, 'Wind turbines turn their nacelles to face the wind using a yaw drive.');
  const points = await waitIndexed(key, version);
  await waitFor(`${key} to be indexed`, async () => ((await api.status(key).catch(() => undefined))?.status === 'indexed' ? true : undefined));
  await qdrant.delete(config.QDRANT_COLLECTION, { wait: true, filter: { must: [{ key: 'doc_id', match: { value: documentId(bucket, key) } }] } });
  assert.equal(await pointsOf(key), 0);

  const [report] = await api.reconcile(bucket);
  assert.ok(report!.requested.includes(key), JSON.stringify(report));
  assert.equal(await waitIndexed(key, version), points);
});
