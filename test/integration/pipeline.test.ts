/**
 * The walking skeleton, end to end through real components: S3 upload → SeaweedFS filer event →
 * source → broker (RabbitMQ) → split → embed (real model) → index (Qdrant engine) → search.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { operatorAuthorization, sendToBroker } from '../support/events.js';
import { documentId } from '../../lib/documents/identity.js';
import { createQdrantClient } from '../../lib/vector-store/client.js';
import { EventSource, EventType } from '../../lib/events/types.js';
import { api, bucket, component, config, corpus, putObject, s3, waitFor, waitIndexed } from '../support/stack.js';

const qdrant = createQdrantClient({ url: config.QDRANT_URL, apiKey: config.QDRANT_API_KEY });

test('every corpus document uploaded to S3 becomes searchable, and its probe finds it first', async () => {
  const { dir, documents } = corpus();
  const started = Date.now();
  const uploads = await Promise.all(
    documents.map(async (doc) => ({ ...doc, version: await putObject(doc.key, await readFile(join(dir, doc.key))) })),
  );
  for (const doc of uploads) {
    const points = await waitIndexed(doc.key, doc.version, 180_000);
    assert.ok(points > 0);
  }
  console.log(`# ${uploads.length} documents searchable ${((Date.now() - started) / 1000).toFixed(1)} s after upload`);

  for (const doc of uploads) {
    const { hits } = await api.search(doc.probe, 5);
    assert.ok(hits.length > 0, `no hits for "${doc.probe}"`);
    assert.equal(hits[0]!.key, doc.key, `"${doc.probe}" should find ${doc.key} first, got ${hits.map((h) => `${h.key} ${h.score.toFixed(3)}`).join(', ')}`);
    assert.equal(hits[0]!.version, doc.version);
    assert.ok(hits[0]!.text.length > 0);
  }
  // Structure travels with the chunks: PDFs know pages, HTML/Markdown/DOCX know headings.
  const pdfHit = (await api.search('typeset pseudocode in the style of Introduction to Algorithms', 1, 'pdf/clrscode.pdf')).hits[0];
  assert.ok(pdfHit?.page !== undefined && pdfHit.page >= 1, 'PDF hits carry a page number');
  const docxHit = (await api.search('What is a Unicode code point?', 1, 'docx/unicode-howto.docx')).hits[0];
  assert.match(docxHit?.heading ?? '', /Unicode/, 'DOCX hits carry their heading path');
  // Scanned pages are read by OCR, and say so; a PDF of text pages and a scanned page gets both.
  const mixed = 'mixed/topology-homework-and-ocr-printout.pdf';
  const scanHit = (await api.search('What is optical character recognition widely used for?', 1, mixed)).hits[0];
  assert.deepEqual([scanHit?.page, scanHit?.ocr], [4, true], 'the scanned last page of the mixed PDF, read by OCR');
  const textHit = (await api.search('open sets and the definition of a topology', 1, mixed)).hits[0];
  assert.ok(textHit?.page !== undefined && textHit.page <= 3 && textHit.ocr === undefined, `its text pages from their text layer: ${JSON.stringify(textHit)}`);
  const imageHit = (await api.search('Miss Watson and the widow', 1, 'image/huckleberry-finn-chapter-3.jpg')).hits[0];
  assert.deepEqual([imageHit?.page, imageHit?.ocr], [1, true], 'a JPEG scan, read by OCR');
});

test('a CloudEvent POSTed to the broker ingress (binary and structured) ingests an existing object', async () => {
  const key = 'curl/existing.md';
  const version = await putObject(key, '# Lighthouse keeping\nThe keeper trims the wick of the lamp every evening at dusk.');
  await waitIndexed(key, version);
  const docId = documentId(bucket, key);

  for (const mode of ['binary', 'structured'] as const) {
    // Remove the document's points behind the pipeline's back, then ask for re-ingestion.
    await qdrant.delete(config.QDRANT_COLLECTION, { wait: true, filter: { must: [{ key: 'doc_id', match: { value: docId } }] } });
    assert.equal((await api.documentPoints(key)).points, 0);
    const res = await sendToBroker(new CloudEvent({ type: EventType.IngestRequested, source: EventSource.cli, subject: key, datacontenttype: 'application/json', data: { key } }), mode);
    assert.equal(res.status, 202, await res.text());
    assert.ok((await waitIndexed(key, version)) > 0);
  }
  const { hits } = await api.search('Who trims the lamp wick at dusk?', 1);
  assert.equal(hits[0]?.key, key);
});

test('the broker ingress rejects what is not a CloudEvent and anything but POST /', async () => {
  const authorization = await operatorAuthorization();
  assert.equal((await fetch(config.BROKER_URL, { method: 'POST', headers: { 'content-type': 'application/json', ...authorization }, body: '{"not":"an event"}' })).status, 400);
  assert.equal((await fetch(config.BROKER_URL, { method: 'GET', headers: authorization })).status, 405);
  assert.equal((await fetch(new URL('/elsewhere', config.BROKER_URL), { method: 'POST', body: '', headers: authorization })).status, 404);
  // Without a token nothing is learnt, whatever the method or path.
  assert.equal((await fetch(config.BROKER_URL, { method: 'GET' })).status, 401);
});

test('an upload made while the SeaweedFS source is down is ingested once it is back', async () => {
  await component('stop', 'seaweedfs-source');
  try {
    const key = 'offline/while-source-down.txt';
    const version = await putObject(key, 'Migratory cranes rest at the Hula valley wetlands during their autumn journey.');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await api.documentPoints(key, { version })).points, 0, 'nothing can index it while the source is down');
    await component('start', 'seaweedfs-source');
    assert.ok((await waitIndexed(key, version)) > 0);
    const { hits } = await api.search('Where do cranes rest during migration?', 1);
    assert.equal(hits[0]?.key, key);
  } finally {
    await component('start', 'seaweedfs-source');
  }
});

test('deleting an object removes its points', async () => {
  const key = 'lifecycle/delete-me.txt';
  const version = await putObject(key, 'Temporary note about saffron harvesting in La Mancha.');
  await waitIndexed(key, version);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  await waitFor(`${key} to disappear from the index`, async () => ((await api.documentPoints(key)).points === 0 ? true : undefined));
});
