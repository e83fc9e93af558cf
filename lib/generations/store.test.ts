import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryS3 } from '../../test/support/memory-s3.js';
import { beginBuild, SPARSE_SETTINGS, type GenerationSettings } from './record.js';
import { createGenerationRecordStore, generationsRecordKey } from './store.js';

const settings: GenerationSettings = { model: { backend: 'onnx', name: 'm', dimension: 3 }, chunkSize: 100, chunkOverlap: 10, sparse: { ...SPARSE_SETTINGS } };

test('no record: generation 1 with the environment\'s settings, written only when pinned; updates read fresh and never interleave', async () => {
  const s3 = createMemoryS3();
  const store = createGenerationRecordStore({ s3, bucket: 'sluice-pipeline', alias: 'sluice', initialSettings: async () => settings, ttlMs: 60_000 });
  const first = await store.read();
  assert.equal(first.generations[0]?.collection, 'sluice-g1');
  assert.equal(s3.objects.size, 0, 'reading writes nothing');
  await store.persist();
  assert.ok(s3.objects.has(`sluice-pipeline/${generationsRecordKey('sluice')}`));

  const ids = await Promise.all(
    [500, 600].map((chunkSize) =>
      store.update((r) => {
        const begun = beginBuild(r, { ...settings, chunkSize }, new Date());
        return { record: begun.record, result: begun.generation.id };
      }).catch((err: Error) => err.message),
    ),
  );
  assert.deepEqual(ids, [2, 'generation 2 is already being built; wait for it or cancel it (sluice reindex cancel)']);
  assert.equal((await store.read()).generations.length, 2, 'the cache holds what was written');
});

test('a record that is not one is refused, not guessed around', async () => {
  const s3 = createMemoryS3();
  s3.put('sluice-pipeline', generationsRecordKey('sluice'), JSON.stringify({ format: 1, alias: 'sluice', generations: 'nope' }));
  const store = createGenerationRecordStore({ s3, bucket: 'sluice-pipeline', alias: 'sluice', initialSettings: async () => settings });
  await assert.rejects(store.read(), /is not a generations record/);
});
