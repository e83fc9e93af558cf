/**
 * Attacks on the API's event sinks (`POST /events`, `POST /dead-letters`) through the real stack,
 * each refused with a 400/413 that changes nothing in S3, the status collection or Qdrant:
 * - a frozen-status attempt (`ingest.failed` with `requestedAt: "~"` or a far-future time), after
 *   which the document's record still moves on;
 * - a planted dead letter (a foreign type, no Knative error extensions, data off-schema);
 * - an oversized dead letter;
 * - and a replay publishes only a re-request of the document: a dead letter carrying an
 *   attacker's chunks ends with the document indexed from its real bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CloudEvent } from 'cloudevents';
import { documentId } from '../../lib/documents/identity.js';
import { EventType } from '../../lib/events/types.js';
import { statusCollectionName } from '../../lib/status/index.js';
import { postDirect } from '../support/events.js';
import { pointsOfKeys, qdrant } from '../support/qdrant.js';
import { api, bucket, config, putObject, s3, waitFor, waitIndexed } from '../support/stack.js';

const apiUrl = process.env.SLUICE_API_URL ?? `http://127.0.0.1:${config.API_PORT}`;
const prefix = `sec-sinks-${Date.now().toString(36)}/`;

/** Everything an attack could have touched: the pipeline bucket, the document's status points and its vectors. */
async function snapshot(key: string) {
  const pipeline = await s3.send(new ListObjectsV2Command({ Bucket: config.S3_PIPELINE_BUCKET }));
  const status = await qdrant.scroll(statusCollectionName(config.QDRANT_COLLECTION), {
    filter: { must: [{ key: 'doc_id', match: { value: documentId(bucket, key) } }] },
    limit: 1000,
    with_payload: true,
    with_vector: false,
  });
  const points = await pointsOfKeys([key]);
  return {
    pipeline: (pipeline.Contents ?? []).map((o) => `${o.Key}@${o.ETag}`).sort(),
    status: status.points.map((p) => JSON.stringify([p.id, p.payload])).sort(),
    points: points.map((p) => `${p.id}:${p.payload.version}:${p.payload.chunk_hash}`).sort(),
  };
}

async function indexed(key: string, text: string): Promise<string> {
  const version = await putObject(key, text);
  await waitIndexed(key, version);
  await waitFor(`${key} indexed in its status`, async () => ((await api.status(key).catch(() => undefined))?.version === version && (await api.status(key)).status === 'indexed' ? true : undefined));
  return version;
}

test('a frozen-status attempt is refused, changes nothing, and the record still moves on afterwards', async () => {
  const key = `${prefix}frozen.txt`;
  await indexed(key, 'Glaciers move because ice deforms under its own weight and slides on meltwater.');
  const before = await snapshot(key);

  for (const requestedAt of ['~', '9999-12-31T23:59:59Z']) {
    const forged = new CloudEvent({
      type: EventType.IngestFailed,
      source: '/attacker',
      datacontenttype: 'application/json',
      data: { bucket, key, stage: 'split', reason: 'corrupt', message: 'frozen', requestedAt },
    });
    const res = await postDirect(`${apiUrl}/events`, forged);
    assert.equal(res.status, 400, requestedAt);
    assert.match(((await res.json()) as { error: string }).error, /requestedAt/);
  }
  const farFuture = new CloudEvent({ type: EventType.IngestRequested, source: '/attacker', time: '2999-01-01T00:00:00Z', datacontenttype: 'application/json', data: { bucket, key } });
  assert.equal((await postDirect(`${apiUrl}/events`, farFuture)).status, 400);
  assert.deepEqual(await snapshot(key), before);

  // A real overwrite still reaches indexed: nothing froze the record.
  const version = await indexed(key, 'Glaciers move because ice deforms and slides; the new version says so twice. Twice.');
  assert.equal((await api.status(key)).version, version);
});

test('planted dead letters are refused with a reason and store nothing', async () => {
  const key = `${prefix}victim.txt`;
  await indexed(key, 'Lichens are a partnership of a fungus and an alga or a cyanobacterium.');
  const before = await snapshot(key);
  const lettersBefore = (await api.deadLetters()).length;

  const planted = [
    new CloudEvent({ type: 'com.attacker.rewrite', source: '/attacker', datacontenttype: 'application/json', data: { bucket, key }, knativeerrorcode: '503', knativeerrordest: 'http://x/' }),
    // A catalogue type, but not from a broker: no knativeerror* extensions.
    new CloudEvent({ type: EventType.ObjectCreated, source: '/attacker', datacontenttype: 'application/json', data: { bucket, key } }),
    // Data that is no document of that type.
    new CloudEvent({ type: EventType.VectorsReady, source: '/attacker', datacontenttype: 'application/json', data: { document: { key } }, knativeerrorcode: '503', knativeerrordest: 'http://x/' }),
    // A bucket that is not ours.
    new CloudEvent({ type: EventType.ObjectCreated, source: '/attacker', datacontenttype: 'application/json', data: { bucket: 'someone-elses', key }, knativeerrorcode: '503', knativeerrordest: 'http://x/' }),
  ];
  for (const event of planted) {
    const res = await postDirect(`${apiUrl}/dead-letters`, event, 'structured');
    assert.equal(res.status, 400, event.type);
    assert.ok(((await res.json()) as { error: string }).error.length > 0);
  }
  assert.deepEqual(await snapshot(key), before);
  assert.equal((await api.deadLetters()).length, lettersBefore);
});

test('an oversized dead letter is refused with 413 before anything is stored', async () => {
  const key = `${prefix}victim.txt`;
  const before = await snapshot(key);
  const big = new CloudEvent({
    type: EventType.ObjectCreated,
    source: '/attacker',
    datacontenttype: 'application/json',
    data: { bucket, key, contentType: 'x'.repeat(config.DEAD_LETTER_MAX_BYTES + 1) },
    knativeerrorcode: '503',
    knativeerrordest: 'http://x/',
  });
  assert.equal((await postDirect(`${apiUrl}/dead-letters`, big)).status, 413);
  assert.deepEqual(await snapshot(key), before);
});

test('replaying a dead letter publishes only a re-request: the planted chunks never reach the index', async () => {
  const key = `${prefix}replayed.txt`;
  const text = 'Tardigrades survive drying out by replacing the water in their cells with a sugar glass.';
  const version = await indexed(key, text);
  const docId = documentId(bucket, key);
  const attackerText = 'ATTACKER TEXT that must never be searchable';
  const letter = new CloudEvent({
    type: EventType.VectorsReady,
    source: '/attacker',
    datacontenttype: 'application/json',
    knativeerrorcode: '503',
    knativeerrordest: 'http://127.0.0.1:1/',
    data: {
      document: { bucket, key, docId, version, size: text.length, contentType: 'text/plain', requestedAt: new Date().toISOString() },
      model: { name: 'attacker', dimension: 384 },
      chunkCount: 1,
      chunks: { items: [{ index: 0, text: attackerText, hash: 'a'.repeat(64), vector: Buffer.alloc(384 * 4).toString('base64') }] },
    },
  });
  // Well-formed, so it is kept (a broker could have sent it); only a replay could do harm.
  assert.equal((await postDirect(`${apiUrl}/dead-letters`, letter)).status, 202);
  const stored = await waitFor('the letter to be listed', async () => (await api.deadLetters()).find((l) => l.eventId === letter.id));
  const replayedAt = new Date().toISOString();
  const result = await api.replayDeadLetters(stored.id);
  assert.deepEqual(result.replayed, [stored.id]);

  // The replay's ingest request runs the real pipeline from the object's bytes: indexed (or
  // unchanged) again, never the attacker's text.
  await waitFor(`${key} to be settled after the replay`, async () => {
    const record = await api.status(key);
    return ['indexed', 'unchanged'].includes(record.status) && record.updated_at > replayedAt ? record : undefined;
  });
  const points = await pointsOfKeys([key]);
  assert.ok(points.length > 0);
  assert.ok(points.every((p) => p.payload.text !== attackerText && p.payload.version === version));
  assert.equal((await api.deadLetters()).some((l) => l.id === stored.id), false);
});
