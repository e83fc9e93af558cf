/**
 * A collection made before sparse vectors (one unnamed dense vector) and before generations
 * (a concrete collection named QDRANT_COLLECTION, no alias) is upgraded by index at start,
 * with no manual step: moved into generation 1 behind the alias, with the same point ids,
 * payloads and dense vectors (no re-embed), a sparse vector computed from each stored chunk,
 * and hybrid search working afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, component, config, putObject, waitFor, waitIndexed } from '../support/stack.js';
import { qdrant } from '../support/qdrant.js';
import { aliasTarget } from '../../lib/generations/index.js';
import { chunkSparseVector } from '../../lib/text/sparse-vector.js';

const collection = config.QDRANT_COLLECTION;

interface Snapshot {
  id: string;
  dense: number[];
  payload: Record<string, unknown>;
}

async function allPoints(): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  let offset: string | number | undefined;
  do {
    const page = await qdrant.scroll(collection, { limit: 256, with_payload: true, with_vector: true, ...(offset !== undefined ? { offset } : {}) });
    for (const p of page.points) {
      const vector = p.vector as number[] | { dense: number[] };
      out.push({ id: String(p.id), dense: Array.isArray(vector) ? vector : vector.dense, payload: p.payload as Record<string, unknown> });
    }
    offset = (page.next_page_offset ?? undefined) as string | number | undefined;
  } while (offset !== undefined);
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

test('index upgrades a dense-only collection at start, from the stored chunks', async () => {
  const key = 'upgrade/lighthouse.md';
  const sentence = 'The keeper of the Quillonby lighthouse polishes the Fresnel lens every Thursday.';
  const version = await putObject(key, `# Lighthouse\n${sentence}\n\nThe lamp burns paraffin.`);
  await waitIndexed(key, version);
  const before = await allPoints();
  assert.ok(before.length > 0);

  // Turn the collection into what an older Sluice made: no alias, one concrete collection of
  // that name, one unnamed 384-d vector per point.
  await component('stop', 'index');
  const generation = (await aliasTarget(qdrant, collection))!;
  assert.ok(generation, `${collection} is an alias`);
  try {
    const dimension = before[0]!.dense.length;
    await qdrant.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: collection } }] });
    await qdrant.deleteCollection(generation);
    await qdrant.createCollection(collection, { vectors: { size: dimension, distance: 'Cosine' } });
    for (let i = 0; i < before.length; i += 256) {
      await qdrant.upsert(collection, { wait: true, points: before.slice(i, i + 256).map((p) => ({ id: p.id, vector: p.dense, payload: p.payload })) });
    }
    const legacy = await qdrant.getCollection(collection);
    assert.equal((legacy.config.params.vectors as { size?: number }).size, dimension);
  } finally {
    await component('start', 'index');
  }

  const upgraded = await waitFor('the collection to have named vectors, behind its alias again', async () => {
    if ((await aliasTarget(qdrant, collection)) !== generation) return undefined;
    const info = await qdrant.getCollection(collection).catch(() => undefined);
    const ready = info?.config.params.sparse_vectors?.sparse && (await qdrant.collectionExists(`${collection}-upgrade`)).exists === false;
    return ready ? info : undefined;
  }, 60_000);
  assert.equal((upgraded.config.params.vectors as Record<string, { size?: number }>).dense?.size, before[0]!.dense.length);
  assert.equal(upgraded.config.params.sparse_vectors?.sparse?.modifier, 'idf');
  assert.ok(['doc_id', 'key', 'version', 'chunk_hash', 'bucket'].every((f) => f in (upgraded.payload_schema ?? {})), 'payload indexes kept');

  const after = await allPoints();
  assert.deepEqual(after.map((p) => p.id), before.map((p) => p.id), 'the same points');
  for (const [i, point] of after.entries()) {
    assert.deepEqual(point.payload, before[i]!.payload);
    // Dense vectors copied, not recomputed (float32 round trip is exact).
    assert.deepEqual(point.dense, before[i]!.dense);
  }
  const [stored] = (await qdrant.scroll(collection, { filter: { must: [{ key: 'key', match: { value: key } }] }, with_payload: true, with_vector: ['sparse'] })).points;
  const payload = stored?.payload as { text: string; heading?: string };
  const sparse = (stored?.vector as { sparse?: { indices: number[]; values: number[] } }).sparse;
  const expected = chunkSparseVector(payload);
  assert.deepEqual([...(sparse?.indices ?? [])].sort((a, b) => a - b), expected.indices);

  for (const mode of ['sparse', 'hybrid'] as const) {
    const hit = await waitFor(`${mode} search to find the upgraded chunk`, async () => {
      const { hits } = await api.search(sentence, 3, undefined, mode);
      return hits[0]?.key === key ? hits[0] : undefined;
    }, 20_000, 500);
    assert.equal(hit.version, version);
  }
  // And the pipeline writes into the upgraded collection as before.
  const next = await putObject(key, `# Lighthouse\n${sentence}\n\nThe lamp now burns kerosene.`);
  assert.ok((await waitIndexed(key, next)) > 0);
});
