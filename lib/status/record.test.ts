import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldTransitions, type StatusTransition } from './record.js';

const doc = { docId: 'd', bucket: 'b', key: 'k' };
const t = (status: StatusTransition['status'], cycle: string, at: string, extra: Partial<StatusTransition> = {}): StatusTransition => ({ ...doc, status, cycle, at, ...extra });

/** Every order of `items` (small arrays only). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

test('the fold of concurrent transitions does not depend on the order they were written in', () => {
  // A create, a failed split (object already gone) and the deletion, recorded by three processes at once.
  const transitions = [t('queued', 'T1', '2'), t('failed', 'T1', '3', { reason: 'not_found' }), t('deleted', 'T2', '1')];
  for (const order of permutations(transitions)) assert.equal(foldTransitions(order)?.status, 'deleted', JSON.stringify(order));
});

test('a late queued of the same cycle cannot undo unchanged, and the indexed version is carried into new cycles', () => {
  const transitions = [
    t('indexed', 'T1', '5', { version: 'v1', chunkCount: 3 }),
    t('queued', 'T2', '9'),
    t('unchanged', 'T2', '7', { version: 'v1', chunkCount: 3 }),
  ];
  for (const order of permutations(transitions)) {
    const record = foldTransitions(order)!;
    assert.equal(record.status, 'unchanged');
    assert.equal(record.cycle, 'T2');
    assert.equal(record.indexed_version, 'v1');
  }
});

test('deleted forgets the indexed version; attempts count the splitting transitions of the cycle', () => {
  const deleted = foldTransitions([t('indexed', 'T1', '1', { version: 'v1', chunkCount: 2 }), t('deleted', 'T2', '2')])!;
  assert.equal(deleted.indexed_version, undefined);
  const retried = foldTransitions([t('queued', 'T3', '1'), t('splitting', 'T3', '2'), t('splitting', 'T3', '4'), t('embedding', 'T3', '5')])!;
  assert.equal(retried.attempts, 2);
  assert.equal(retried.status, 'embedding');
  assert.equal(foldTransitions([]), undefined);
});
