import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { VectorStore } from '../vector-store/qdrant.js';
import type { Generation } from './record.js';
import type { Generations } from './resolver.js';
import { servingVectorStore } from './serving.js';

test('the serving store answers each call from the generation serving at that moment', async () => {
  let serving = { id: 1, collection: 'sluice-g1' } as Generation;
  const counted: string[] = [];
  const generations = {
    alias: 'sluice',
    serving: async () => serving,
    vectors: (g: Pick<Generation, 'collection'>) =>
      ({
        collection: g.collection,
        async countDocumentPoints() {
          counted.push(g.collection);
          return g.collection === 'sluice-g1' ? 1 : 2;
        },
      }) as unknown as VectorStore,
  } as unknown as Generations;
  const store = servingVectorStore(generations);
  assert.equal(store.collection, 'sluice', 'named by the alias');
  assert.equal(await store.countDocumentPoints('d'), 1);
  serving = { id: 2, collection: 'sluice-g2' } as Generation;
  assert.equal(await store.countDocumentPoints('d'), 2);
  assert.deepEqual(counted, ['sluice-g1', 'sluice-g2']);
  assert.equal((store as unknown as { then?: unknown }).then, undefined, 'not a thenable (await store is the store)');
  await assert.rejects((store as unknown as { nope: () => Promise<void> }).nope(), /not a store method/);
});
