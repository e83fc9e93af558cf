/**
 * Re-ingesting an unchanged corpus: the test corpus uploaded and indexed once, then the same
 * bytes uploaded again and re-ingestion requested for every document (the source does not
 * announce a same-bytes overwrite). Every document ends `unchanged`, the model is not called
 * once, and no point is added or removed. Both durations are printed (no timing assertion).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudEvent } from 'cloudevents';
import { EventSource, EventType } from '../../lib/events/types.js';
import { postEvent } from '../support/events.js';
import { modelEmbeddings } from '../support/metrics.js';
import { api, bucket, corpus, putObject, waitFor } from '../support/stack.js';

const prefix = `reingest-${Date.now().toString(36)}/`;

const waitAllStatus = (docs: readonly { key: string; version: string }[], status: string) =>
  Promise.all(
    docs.map((doc) =>
      waitFor(
        `${doc.key} to be ${status} at ${doc.version}`,
        async () => {
          const record = await api.status(doc.key).catch(() => undefined);
          return record?.status === status && record.version === doc.version ? record : undefined;
        },
        300_000,
        250,
      ),
    ),
  );

test('re-ingesting an unchanged corpus makes no embedding call and changes no point', async () => {
  const { dir, documents } = corpus();
  const files = await Promise.all(documents.map(async (doc) => ({ key: prefix + doc.key, bytes: await readFile(join(dir, doc.key)) })));
  const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

  const modelBefore = await modelEmbeddings();
  const firstStarted = Date.now();
  const uploaded = await Promise.all(files.map(async (f) => ({ key: f.key, version: await putObject(f.key, f.bytes) })));
  const indexed = await waitAllStatus(uploaded, 'indexed');
  const firstIngest = seconds(firstStarted);
  const modelFirst = (await modelEmbeddings()) - modelBefore;
  const chunks = indexed.reduce((sum, r) => sum + (r.chunk_count ?? 0), 0);
  const pointsBefore = await Promise.all(uploaded.map(async (d) => (await api.documentPoints(d.key)).points));

  const againStarted = Date.now();
  for (const f of files) await putObject(f.key, f.bytes);
  for (const [n, doc] of uploaded.entries()) {
    await postEvent(
      new CloudEvent({ type: EventType.IngestRequested, source: EventSource.cli, subject: doc.key, datacontenttype: 'application/json', data: { bucket, key: doc.key } }),
      n % 2 === 0 ? 'binary' : 'structured',
    );
  }
  const unchanged = await waitAllStatus(uploaded, 'unchanged');
  const reIngest = seconds(againStarted);

  console.log(
    `# first ingest: ${files.length} documents, ${chunks} chunks (${modelFirst} through the model) in ${firstIngest} s; ` +
      `unchanged re-ingest (same bytes re-uploaded + ingest requested) in ${reIngest} s`,
  );
  assert.equal((await modelEmbeddings()) - modelBefore, modelFirst, 'an unchanged re-ingest must not call the model');
  assert.deepEqual(unchanged.map((r) => r.chunk_count), indexed.map((r) => r.chunk_count));
  assert.deepEqual(await Promise.all(uploaded.map(async (d) => (await api.documentPoints(d.key)).points)), pointsBefore, 'no point added or removed');
});
