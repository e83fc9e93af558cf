/**
 * Issue 11, hostile documents: every variant from test/hostile/documents.ts (the PDF bombs the
 * old byte scan let through, the text that made split's regexes super-linear) uploaded through
 * the real stack beside a normal document. Each ends as expected, quickly (long before
 * SPLIT_DEADLINE_MS); the failed ones leave no points in Qdrant and no claim check in the
 * pipeline bucket; the normal document is indexed; split is the same process throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { documentId } from '../../lib/documents/identity.js';
import { createVectorStore } from '../../lib/vector-store/qdrant.js';
import { hostileDocuments, type HostileDocument } from '../hostile/documents.js';
import { api, bucket, config, corpus, putObject, s3, waitFor, waitIndexed } from '../support/stack.js';

const pidFile = () => join(process.env.SLUICE_RUN_DIR!, 'split.pid');
const splitPid = () => Number(readFileSync(pidFile(), 'utf8').trim());
const vectors = createVectorStore({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY, collection: config.QDRANT_COLLECTION });

async function claimObjects(docId: string): Promise<number> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.S3_PIPELINE_BUCKET, Prefix: `claims/${docId}/` }));
  return listed.KeyCount ?? 0;
}

test('hostile documents end failed with their reason, quickly, leave nothing behind; a normal document beside them is indexed', async () => {
  const pid = await waitFor('split to have written its pid file', async () => (existsSync(pidFile()) ? splitPid() : undefined), 60_000);
  const documents = hostileDocuments();
  const normal = corpus().documents.find((d) => d.key.endsWith('.md'))!;
  const normalKey = `hostile-11/normal/${normal.key}`;

  const started = Date.now();
  const uploaded: Array<{ doc: HostileDocument; version: string }> = [];
  for (const doc of documents) uploaded.push({ doc, version: await putObject(doc.key, doc.body) });
  const normalVersion = await putObject(normalKey, readFileSync(join(corpus().dir, normal.key)));

  // Every one finishes well inside one document deadline: no bomb inflates, no scan backtracks.
  const limitMs = config.SPLIT_DEADLINE_MS;
  for (const { doc, version } of uploaded) {
    const record = await waitFor(
      `${doc.key} to finish`,
      async () => {
        const status = await api.status(doc.key).catch(() => undefined);
        return status && (status.status === 'failed' || status.status === 'indexed') ? status : undefined;
      },
      180_000,
    );
    const summary = `${doc.key}: ${record.status} (${record.reason}: ${record.error})`;
    assert.equal(record.status, doc.expect.status, summary);
    if (record.status === 'indexed') assert.equal(record.version, version, summary);
    if (doc.expect.status === 'failed') {
      assert.match(`${record.reason}: ${record.error}`, doc.expect.reason, summary);
      assert.notEqual(record.reason, 'deadline', summary);
      const docId = documentId(bucket, doc.key);
      assert.equal(await vectors.countDocumentPoints(docId), 0, `${doc.key} has no points`);
      assert.equal(await claimObjects(docId), 0, `${doc.key} left no claim check`);
    }
  }
  const elapsed = Date.now() - started;
  console.log(`${documents.length} hostile documents finished in ${elapsed} ms (SPLIT_DEADLINE_MS ${limitMs})`);

  await waitIndexed(normalKey, normalVersion, 180_000);
  assert.ok((await api.documentPoints(normalKey, { version: normalVersion })).points > 0);

  // The same split process, still answering.
  assert.equal(splitPid(), pid, 'split was not restarted');
  const readiness = await fetch(`http://127.0.0.1:${config.SPLIT_PORT}/health/readiness`);
  assert.equal(readiness.status, 200);
});
