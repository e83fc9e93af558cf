import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldTransitions, type StatusTransition } from './record.js';
import { obsoleteTransitions, transitionPointId } from './store.js';

const doc = { docId: 'd', bucket: 'b', key: 'k' };
const point = (status: StatusTransition['status'], cycle: string, extra: Partial<StatusTransition> = {}) => {
  const transition: StatusTransition = { ...doc, status, cycle, at: `${cycle}+${status}`, ...extra };
  return { id: transitionPointId(transition), transition };
};

test('pruning drops older cycles but keeps the transition that says which version is indexed', () => {
  const carrier = point('indexed', 'T1', { version: 'v1', chunkCount: 2 });
  const points = [point('queued', 'T1'), point('splitting', 'T1'), carrier, point('queued', 'T2'), point('splitting', 'T2')];
  const record = foldTransitions(points.map((p) => p.transition))!;
  const obsolete = obsoleteTransitions(points, record);
  assert.deepEqual(obsolete.sort(), [points[0]!.id, points[1]!.id].sort());
  // What is left folds to the same record.
  assert.deepEqual(foldTransitions(points.filter((p) => !obsolete.includes(p.id)).map((p) => p.transition)), record);
});

test('after a deletion nothing of older cycles is kept', () => {
  const points = [point('indexed', 'T1', { version: 'v1', chunkCount: 2 }), point('deleted', 'T2')];
  const record = foldTransitions(points.map((p) => p.transition))!;
  assert.deepEqual(obsoleteTransitions(points, record), [points[0]!.id]);
});

test('transition ids are deterministic and distinct per status and time', () => {
  assert.equal(point('queued', 'T1').id, point('queued', 'T1').id);
  assert.notEqual(point('queued', 'T1').id, point('splitting', 'T1').id);
});
