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

test('repeated transitions of the current cycle are pruned when the record stays the same (failed → failed piles up no more)', () => {
  const c = '2026-01-01T00:00:00.000Z';
  const at = (s: string) => `2026-01-01T00:00:0${s}.000Z`;
  const points = [
    { ...point('queued', c), transition: { ...doc, status: 'queued' as const, cycle: c, at: at('1') } },
    { ...point('splitting', c), transition: { ...doc, status: 'splitting' as const, cycle: c, at: at('2') } },
    ...['3', '4', '5', '6'].map((s) => ({ id: `failed-${s}`, transition: { ...doc, status: 'failed' as const, cycle: c, at: at(s), reason: 'dead_lettered', error: `try ${s}` } })),
  ];
  const record = foldTransitions(points.map((p) => p.transition))!;
  const obsolete = obsoleteTransitions(points, record);
  assert.deepEqual(obsolete.sort(), ['failed-3', 'failed-4', 'failed-5']);
  assert.deepEqual(foldTransitions(points.filter((p) => !obsolete.includes(p.id)).map((p) => p.transition)), record);
});

test('splitting transitions of the cycle are kept: the record counts them as attempts', () => {
  const c = '2026-01-01T00:00:00.000Z';
  const points = ['1', '2', '3'].map((s) => ({ id: `s${s}`, transition: { ...doc, status: 'splitting' as const, cycle: c, at: `2026-01-01T00:00:0${s}.000Z` } }));
  const record = foldTransitions(points.map((p) => p.transition))!;
  assert.equal(record.attempts, 3);
  assert.deepEqual(obsoleteTransitions(points, record), []);
});

test('a repeated transition is kept when dropping it would change the record (it carries the version)', () => {
  const c = '2026-01-01T00:00:00.000Z';
  const points = [
    { id: 'f1', transition: { ...doc, status: 'failed' as const, cycle: c, at: '2026-01-01T00:00:01.000Z', version: 'v1', reason: 'dead_lettered' } },
    { id: 'f2', transition: { ...doc, status: 'failed' as const, cycle: c, at: '2026-01-01T00:00:02.000Z', reason: 'dead_lettered' } },
  ];
  const record = foldTransitions(points.map((p) => p.transition))!;
  assert.equal(record.version, 'v1');
  assert.deepEqual(obsoleteTransitions(points, record), []);
});

test('a document\'s transitions read oldest first, ties in pipeline order', async () => {
  const { byTransitionTime } = await import('./store.js');
  const t = (status: StatusTransition['status'], at: string, cycle = 'T1'): StatusTransition => ({ ...doc, status, cycle, at });
  const sorted = [t('indexed', '3'), t('queued', '1'), t('splitting', '2'), t('embedding', '2'), t('queued', '0', 'T0')].sort(byTransitionTime);
  assert.deepEqual(sorted.map((x) => `${x.at}:${x.status}`), ['0:queued', '1:queued', '2:splitting', '2:embedding', '3:indexed']);
});
