import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  beginBuild,
  cancelBuild,
  completeSwap,
  fanOutTargets,
  GenerationStateError,
  GenerationsRecord,
  initialRecord,
  liveGenerations,
  prune,
  rollbackTarget,
  servingGeneration,
  SPARSE_SETTINGS,
  SWAP_SETTLE_MS,
  type GenerationSettings,
} from './record.js';

const settings: GenerationSettings = {
  model: { backend: 'onnx', name: 'all-MiniLM-L6-v2', file: 'model_int8.onnx', sha256: 'a'.repeat(64), dimension: 384 },
  chunkSize: 1000,
  chunkOverlap: 150,
  sparse: { ...SPARSE_SETTINGS },
};
const t0 = new Date('2026-12-01T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

test('an install starts with generation 1 serving, its status in the collection status always had', () => {
  const record = initialRecord('sluice', settings, t0);
  assert.deepEqual(servingGeneration(record), {
    id: 1,
    collection: 'sluice-g1',
    statusCollection: 'sluice-status',
    state: 'serving',
    settings,
    createdAt: t0.toISOString(),
  });
  assert.ok(GenerationsRecord.safeParse(record).success);
});

test('build, swap, rollback, prune: one building at a time, the previous kept until prune, ids never reused', () => {
  const one = initialRecord('sluice', settings, t0);
  assert.throws(() => beginBuild(one, settings, at(1)), GenerationStateError, 'same settings: nothing to do');
  const { record: building, generation } = beginBuild(one, { ...settings, chunkSize: 500 }, at(1));
  assert.equal(generation.id, 2);
  assert.equal(generation.collection, 'sluice-g2');
  assert.equal(generation.statusCollection, 'sluice-g2-status');
  assert.deepEqual(generation.build?.reuse, { chunks: false, vectors: true });
  assert.throws(() => beginBuild(building, { ...settings, chunkSize: 400 }, at(2)), /already being built/);
  assert.deepEqual(liveGenerations(building).map((g) => g.id), [1, 2]);

  const { record: swapped, dropped } = completeSwap(building, 2, at(3));
  assert.deepEqual(dropped, []);
  assert.equal(servingGeneration(swapped).id, 2);
  assert.equal(rollbackTarget(swapped).id, 1);

  const { record: rolledBack } = completeSwap(swapped, rollbackTarget(swapped).id, at(4));
  assert.equal(servingGeneration(rolledBack).id, 1);
  assert.equal(rollbackTarget(rolledBack).id, 2, 'rolling back again rolls forward');

  const pruned = prune(rolledBack, at(5));
  assert.deepEqual(pruned.dropped.map((g) => g.id), [2]);
  assert.throws(() => rollbackTarget(pruned.record), GenerationStateError);
  const next = beginBuild(pruned.record, { ...settings, chunkSize: 600 }, at(6));
  assert.equal(next.generation.id, 3, 'generation 2 is gone, its id stays used');
});

test('a second swap drops the older previous generation; a cancelled build stops taking writes', () => {
  let record = initialRecord('sluice', settings, t0);
  record = completeSwap(beginBuild(record, { ...settings, chunkSize: 500 }, at(1)).record, 2, at(2)).record;
  const third = beginBuild(record, { ...settings, chunkSize: 700 }, at(3));
  const { record: after, dropped } = completeSwap(third.record, 3, at(4));
  assert.deepEqual(dropped.map((g) => g.id), [1]);
  assert.deepEqual(after.generations.map((g) => [g.id, g.state]), [[2, 'previous'], [3, 'serving']]);

  const fourth = beginBuild(after, { ...settings, chunkSize: 800 }, at(5));
  const { record: cancelled } = cancelBuild(fourth.record, 'test', at(6));
  assert.equal(cancelled.generations.find((g) => g.id === 4)?.state, 'cancelled');
  assert.deepEqual(liveGenerations(cancelled).map((g) => g.id), [2, 3]);
});

test('live object events are copied to a building generation, and to a new serving one while stages may still read the old record', () => {
  const one = initialRecord('sluice', settings, t0);
  assert.deepEqual(fanOutTargets(one, at(1)), []);
  const { record: building } = beginBuild(one, { ...settings, chunkSize: 500 }, at(1));
  assert.deepEqual(fanOutTargets(building, at(2)).map((g) => g.id), [2]);
  const { record: swapped } = completeSwap(building, 2, at(3));
  assert.deepEqual(fanOutTargets(swapped, at(4)).map((g) => g.id), [2]);
  assert.deepEqual(fanOutTargets(swapped, new Date(at(3).getTime() + SWAP_SETTLE_MS + 1)), []);
});
