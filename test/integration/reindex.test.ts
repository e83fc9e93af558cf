/**
 * Zero-downtime re-index through the real stack (issue 15, docs/generations.md): the test
 * corpus indexed; a search loop running throughout; `reindex` to the fp32 model file and
 * another chunk size while objects are uploaded, overwritten and deleted. Then:
 * - no search failed, and every search was answered by one generation: each hit is a point of
 *   the generation the response names, with that text (the two chunkings differ);
 * - after the swap every current object is in the new generation at its current version with
 *   exactly its points, deleted objects have none in any generation, the new generation's
 *   chunks fit the new size and it records the fp32 model;
 * - rollback restores the old answers; prune drops the re-indexed generation again, so the
 *   suites after this one run against the stack as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { documentId } from '../../lib/documents/identity.js';
import type { Generation } from '../../lib/generations/record.js';
import { listObjects } from '../../services/api/reconcile.js';
import type { Hit } from '../../cli/api-client.js';
import { qdrant } from '../support/qdrant.js';
import { api, bucket, corpus, putObject, s3, waitFor, waitIndexed } from '../support/stack.js';

const prefix = `reindex-${Date.now().toString(36)}/`;
const NEW_CHUNK_SIZE = 500;
const NEW_CHUNK_OVERLAP = 50;
const NEW_MODEL_FILE = 'model.onnx';
const BUILD_TIMEOUT_MS = 30 * 60_000;

interface Answer {
  generation: number;
  hits: Hit[];
}

/** Searches the probes round-robin until stopped; every failure and every answer is kept. */
function searchLoop(probes: readonly string[]) {
  const answers: Answer[] = [];
  const failures: string[] = [];
  let running = true;
  const done = (async () => {
    for (let i = 0; running; i++) {
      const probe = probes[i % probes.length]!;
      try {
        const { hits, generation } = await api.search(probe, 5);
        if (generation === undefined) failures.push(`${probe}: the response names no generation`);
        else answers.push({ generation, hits });
      } catch (err) {
        failures.push(`${probe}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  })();
  return {
    answers,
    failures,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

async function countPoints(collection: string, docId: string, version?: string): Promise<number> {
  const must = [{ key: 'doc_id', match: { value: docId } }, ...(version ? [{ key: 'version', match: { value: version } }] : [])];
  return (await qdrant.count(collection, { filter: { must }, exact: true })).count;
}

async function allTexts(collection: string): Promise<string[]> {
  const texts: string[] = [];
  let offset: string | number | undefined;
  do {
    const page = await qdrant.scroll(collection, { limit: 256, with_payload: ['text'], with_vector: false, ...(offset !== undefined ? { offset } : {}) });
    for (const p of page.points) texts.push((p.payload as { text: string }).text);
    offset = (page.next_page_offset ?? undefined) as string | number | undefined;
  } while (offset !== undefined);
  return texts;
}

/** Every current object of the bucket is in `generation` at its version with exactly its points; undefined (not yet) otherwise. */
async function completeIn(generation: Generation): Promise<true | undefined> {
  const objects = await listObjects(s3, bucket);
  for (const [key, etag] of objects) {
    const record = await api.status(key).catch(() => undefined);
    if (!record || record.version !== etag) return undefined;
    if (record.status === 'failed') continue; // failed at this version: the same verdict as before
    if (record.status !== 'indexed' && record.status !== 'unchanged') return undefined;
    const docId = documentId(bucket, key);
    const [atVersion, all] = await Promise.all([countPoints(generation.collection, docId, etag), countPoints(generation.collection, docId)]);
    if (atVersion === 0 || atVersion !== all || atVersion !== record.chunk_count) return undefined;
  }
  return true;
}

test('re-index to another model file and chunk size with zero downtime, then roll back', { timeout: BUILD_TIMEOUT_MS + 10 * 60_000 }, async () => {
  const { dir, documents } = corpus();
  const uploaded = await Promise.all(
    documents.map(async (doc) => ({ key: prefix + doc.key, probe: doc.probe, version: await putObject(prefix + doc.key, await readFile(join(dir, doc.key))) })),
  );
  const sentence = (name: string, n: number) => `The ${name} number ${n} of the reindex test keeps a ${prefix} marker and a quokka named Bramble${n}.`;
  // Documents changed during the build: edited, deleted, and (below) new ones.
  const edited = Array.from({ length: 2 }, (_, i) => `${prefix}live/edited-${i}.md`);
  const doomed = Array.from({ length: 2 }, (_, i) => `${prefix}live/doomed-${i}.md`);
  for (const [i, key] of [...edited, ...doomed].entries()) uploaded.push({ key, probe: sentence('original', i), version: await putObject(key, `# Before\n${sentence('original', i)}`) });
  await Promise.all(uploaded.map((doc) => waitIndexed(doc.key, doc.version, 300_000)));

  const before = await api.reindexStatus();
  const old = before.serving;
  assert.equal(before.aliasTarget, old.collection, 'the alias names the serving generation');
  assert.equal(before.building, undefined, 'no build is running');
  // The old answers, from documents nothing below changes. Dense: sparse scores use the
  // collection's term statistics, which the documents added below shift a little.
  const probes = uploaded.filter((d) => !d.key.includes('/live/')).map((d) => d.probe);
  const oldAnswers = new Map<string, Hit | undefined>();
  for (const probe of probes) oldAnswers.set(probe, (await api.search(probe, 5, undefined, 'dense')).hits[0]);

  const loop = searchLoop(probes);
  let swappedTo = 0;
  try {
    const started = await api.reindex({ modelFile: NEW_MODEL_FILE, chunkSize: NEW_CHUNK_SIZE, chunkOverlap: NEW_CHUNK_OVERLAP });
    const building = started.building;
    assert.ok(building, 'a generation is being built');
    assert.equal(building.from, old.id);
    assert.equal(building.settings.model.file, NEW_MODEL_FILE);
    await assert.rejects(api.reindex({ chunkSize: 700 }), /already being built/, 'one build at a time');

    // While it builds: new objects, overwrites, deletions. Each must end up in the new generation.
    const added: { key: string; version: string; text: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const key = `${prefix}live/added-${i}.md`;
      added.push({ key, text: sentence('addition', i), version: await putObject(key, `# Added\n${sentence('addition', i)}`) });
      await new Promise((r) => setTimeout(r, 1000));
    }
    const edits = await Promise.all(edited.map(async (key, i) => ({ key, text: sentence('edit', i), version: await putObject(key, `# After\n${sentence('edit', i)}`) })));
    for (const key of doomed) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

    const swapped = await waitFor(
      `generation ${building.id} to serve`,
      async () => {
        const status = await api.reindexStatus();
        const target = status.generations.find((g) => g.id === building.id);
        assert.ok(target && target.state !== 'cancelled', `generation ${building.id} was cancelled`);
        return status.serving.id === building.id ? status : undefined;
      },
      BUILD_TIMEOUT_MS,
      2000,
    );
    swappedTo = building.id;
    assert.equal(swapped.aliasTarget, building.collection, 'the alias names the new generation');
    assert.equal(swapped.previous?.id, old.id, 'the old generation is kept for rollback');
    const fresh = swapped.serving;

    // Settled (stages may have read the record a moment before the swap): everything current, nothing stale.
    await waitFor('every current object in the new generation at its current version', () => completeIn(fresh), 300_000, 2000);
    for (const doc of [...added, ...edits]) {
      assert.ok((await countPoints(fresh.collection, documentId(bucket, doc.key), doc.version)) > 0, `${doc.key} at its current version`);
      const { hits, generation } = await api.search(doc.text, 3);
      assert.equal(generation, fresh.id);
      assert.equal(hits[0]?.key, doc.key, `${doc.text} is found`);
      assert.equal(hits[0]?.version, doc.version);
    }
    for (const key of doomed) {
      for (const g of [fresh, old]) assert.equal(await countPoints(g.collection, documentId(bucket, key)), 0, `${key} left no points in ${g.collection}`);
    }
    const texts = await allTexts(fresh.collection);
    assert.ok(texts.length > 0);
    assert.ok(Math.max(...texts.map((t) => t.length)) <= NEW_CHUNK_SIZE, `every chunk of the new generation fits ${NEW_CHUNK_SIZE} characters`);
    assert.ok(Math.max(...(await allTexts(old.collection)).map((t) => t.length)) > NEW_CHUNK_SIZE, 'the old generation kept its own chunking');
  } finally {
    await loop.stop();
  }

  // No search failed, and each was answered by one generation, the one it names.
  assert.deepEqual(loop.failures, [], 'no search failed during the build and the swap');
  assert.ok(loop.answers.some((a) => a.generation === old.id) && loop.answers.some((a) => a.generation === swappedTo), 'searches were answered before and after the swap');
  const generations = new Map((await api.reindexStatus()).generations.map((g) => [g.id, g]));
  const checked = new Set<string>();
  for (const { generation, hits } of loop.answers) {
    const collection = generations.get(generation)!.collection;
    for (const hit of hits) {
      if (hit.key.includes('/live/')) continue; // changed during the test: its old points are gone on purpose
      const id = `${generation}:${hit.key}:${hit.version}:${hit.chunk_index}`;
      if (checked.has(id)) continue;
      checked.add(id);
      const { points } = await qdrant.scroll(collection, {
        filter: { must: [{ key: 'key', match: { value: hit.key } }, { key: 'version', match: { value: hit.version } }, { key: 'chunk_index', match: { value: hit.chunk_index } }] },
        with_payload: ['text'],
        limit: 2,
      });
      assert.equal(points.length, 1, `${id} is a point of generation ${generation}`);
      assert.equal((points[0]!.payload as { text: string }).text, hit.text, `${id}: the hit's text is generation ${generation}'s`);
    }
  }

  // Rollback: the old generation serves again, with the old answers.
  const rolledBack = await api.reindexAction('rollback');
  assert.equal(rolledBack.serving.id, old.id);
  assert.equal(rolledBack.aliasTarget, old.collection);
  for (const probe of probes) {
    const { hits, generation } = await api.search(probe, 5, undefined, 'dense');
    assert.equal(generation, old.id);
    const was = oldAnswers.get(probe);
    assert.deepEqual({ key: hits[0]?.key, text: hits[0]?.text }, { key: was?.key, text: was?.text }, `the old answer to ${probe}`);
  }

  // Prune: the re-indexed generation goes; the stack is as the suites after this one expect.
  const { dropped } = await api.reindexPrune();
  assert.deepEqual(dropped, [swappedTo]);
  const after = await api.reindexStatus();
  assert.deepEqual(after.generations.map((g) => [g.id, g.state]), [[old.id, 'serving']]);
  assert.equal((await qdrant.collectionExists(generations.get(swappedTo)!.collection)).exists, false);
});
