/**
 * Documents of several embed units through the real stack (issue 13). embed is restarted with
 * EMBED_UNIT_CHUNKS=40, so that documents of a few hundred chunks are cut into units as a
 * 20 000-chunk one is with the default. Checked: such a document is indexed with every chunk,
 * and a small document uploaded while it is being embedded is indexed too; its identical chunks
 * went through the model once; embed counted its units and the broker delivered them on their
 * own Trigger; and a unit interrupted by killing embed resumes once embed is back, without
 * recomputing the units stored before the kill.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HeadObjectCommand, NotFound } from '@aws-sdk/client-s3';
import { createChunker } from '../../functions/split/chunk.js';
import { extractLimits, extractText } from '../../functions/split/extract/index.js';
import { documentId } from '../../lib/documents/identity.js';
import { EventType } from '../../lib/events/types.js';
import { unitClaimKey } from '../../lib/storage/claim-check.js';
import { metricValue } from '../support/metrics.js';
import { api, bucket, component, componentWith, config, putObject, s3, waitFor } from '../support/stack.js';

const UNIT = 40;
const stamp = Date.now();
const embedPort = config.EMBED_PORT;
const brokerPort = Number(new URL(config.BROKER_URL).port);

/** Markdown whose every section is one chunk of its own, then `repeats` copies of one more section. */
function markdown(name: string, sections: number, repeats = 0): string {
  const parts = Array.from(
    { length: sections },
    (_, i) => `## ${name}, section ${i}\n\nSection ${i} of ${name} (${stamp}): units keep every delivery of a large document short, number ${i * 7919}.`,
  );
  for (let r = 0; r < repeats; r++) parts.push(`## Notice\n\nThe same notice, repeated all through ${name} (${stamp}).`);
  return `${parts.join('\n\n')}\n`;
}

/** The chunks split makes of `text` under `key`, by split's own modules. */
async function chunksOf(key: string, text: string) {
  const extracted = await extractText(Buffer.from(text), key, 'application/octet-stream', extractLimits(config));
  return createChunker({ size: config.CHUNK_SIZE, overlap: config.CHUNK_OVERLAP }).chunk(extracted.sections);
}

async function claimExists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: config.S3_PIPELINE_BUCKET, Key: key }));
    return true;
  } catch (err) {
    if (err instanceof NotFound || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

const points = async (key: string, version: string) => (await api.documentPoints(key, { version })).points;

/** Waits until `key`@`version` has all its `count` points and its record says indexed. */
async function waitAllIndexed(key: string, version: string, count: number, timeoutMs = 240_000): Promise<void> {
  await waitFor(`${key}@${version} to have ${count} points`, async () => ((await points(key, version)) === count ? true : undefined), timeoutMs, 250);
  await waitFor(`${key} indexed in its status`, async () => {
    const record = await api.status(key);
    return record.status === 'indexed' && record.version === version ? true : undefined;
  });
}

const embedded = (origin: string) => metricValue(embedPort, 'sluice_embedded_chunks_total', { origin });
const units = (outcome: string) => metricValue(embedPort, 'sluice_embed_units_total', { outcome });
const unitDeliveries = () => metricValue(brokerPort, 'sluice_broker_deliveries_total', { trigger: 'embed-chunks-embedding', type: EventType.EmbedProgress, outcome: 'delivered' });

describe('a document of several embed units', () => {
  before(() => componentWith('restart', 'embed', { EMBED_UNIT_CHUNKS: String(UNIT) }));
  after(() => componentWith('restart', 'embed', { EMBED_UNIT_CHUNKS: undefined }));

  it('is indexed with every chunk, embedded one unit per delivery, its repeats once, beside a small document', async () => {
    const key = `big-document/three-units-${stamp}.md`;
    const text = markdown('three units', 110, 10);
    const chunks = await chunksOf(key, text);
    const unique = new Set(chunks.map((c) => c.hash)).size;
    assert.deepEqual([chunks.length, unique, Math.ceil(unique / UNIT)], [120, 111, 3], 'the document is 3 units of distinct texts');
    const before = { model: await embedded('model'), duplicate: await embedded('duplicate'), units: await units('embedded'), deliveries: await unitDeliveries() };

    const version = await putObject(key, text);
    const docId = documentId(bucket, key);
    // The small document goes in once the first unit is stored (or, on a fast machine, once
    // the large one is already done: then it only shows that nothing was left stuck).
    await waitFor(`the first unit of ${key}`, async () => ((await claimExists(unitClaimKey(docId, version, UNIT, 0))) || (await points(key, version)) > 0 ? true : undefined), 120_000, 50);
    const smallKey = `big-document/small-${stamp}.txt`;
    const smallText = `A small document uploaded while a large one is embedded unit by unit (${stamp}).`;
    assert.equal((await chunksOf(smallKey, smallText)).length, 1);
    const smallVersion = await putObject(smallKey, smallText);

    await waitAllIndexed(smallKey, smallVersion, 1);
    await waitAllIndexed(key, version, chunks.length);

    // Every distinct text once through the model (the small document's one too), no repeat.
    const model = (await embedded('model')) - before.model;
    assert.ok(model >= unique && model <= unique + 1, `the model embedded ${model} texts for ${unique} distinct ones and the small document's 1`);
    assert.ok((await embedded('duplicate')) - before.duplicate >= 9, '9 repeats of the notice shared its vector');
    assert.ok((await units('embedded')) - before.units >= 3, 'embed counted 3 units');
    await waitFor('the broker to count the unit deliveries', async () => ((await unitDeliveries()) - before.deliveries >= 3 ? true : undefined), 30_000);
  });

  it('resumes a unit interrupted by killing embed, without recomputing the units stored before', async () => {
    const key = `big-document/killed-${stamp}.md`;
    const text = markdown('killed', 320);
    const chunks = await chunksOf(key, text);
    const count = Math.ceil(chunks.length / UNIT);
    assert.deepEqual([chunks.length, count], [320, 8]);
    const version = await putObject(key, text);
    const docId = documentId(bucket, key);
    const unitKey = (unit: number) => unitClaimKey(docId, version, UNIT, unit);

    await waitFor(`unit 1 of ${key} to be stored`, async () => ((await claimExists(unitKey(1))) ? true : undefined), 120_000, 25);
    await component('kill', 'embed');
    let stored = 0;
    while (stored < count && (await claimExists(unitKey(stored)))) stored++;
    assert.ok(stored >= 2 && stored < count, `killed with ${stored} of ${count} units stored: there is work left to resume`);

    // The delivery in flight failed with embed; the broker retries it once embed is back.
    await componentWith('start', 'embed', { EMBED_UNIT_CHUNKS: String(UNIT) });
    await waitAllIndexed(key, version, chunks.length);

    // A fresh process: its counters are this document's alone.
    const model = await embedded('model');
    assert.ok(model > 0 && model <= (count - stored) * UNIT, `after the restart the model embedded ${model} texts; the ${stored} stored units (${stored * UNIT} texts) were not redone`);
    const done = (await units('embedded')) + (await units('resumed'));
    assert.ok(done >= 1 && (await units('embedded')) <= count - stored, `${done} units after the restart, ${await units('embedded')} of them embedded`);
  });
});
