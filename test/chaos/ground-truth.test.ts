import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge, passed, settled, type PointView, type StatusView, type Upload } from './ground-truth.js';

const uploads: Upload[] = [
  { key: 'a.md', etag: 'v2', expect: { status: 'indexed' }, kind: 'corpus' },
  { key: 'bad.pdf', etag: 'x1', expect: { status: 'failed', reason: /corrupt/ }, kind: 'hostile' },
];
const points = (key: string, version: string, n: number): PointView[] => Array.from({ length: n }, (_, i) => ({ key, version, chunk_index: i }));
const statuses = (...records: StatusView[]) => new Map(records.map((r) => [r.key, r]));

test('a clean run: indexed with every chunk at the current version, hostile failed with its reason', () => {
  const s = statuses({ key: 'a.md', status: 'indexed', version: 'v2', chunk_count: 3 }, { key: 'bad.pdf', status: 'failed', reason: 'corrupt', version: 'x1' });
  assert.equal(settled(uploads, s), true);
  const v = judge(uploads, s, points('a.md', 'v2', 3));
  assert.equal(passed(v), true);
  assert.deepEqual([v.indexed, v.failed.length, v.lost.length, v.duplicatePoints, v.stalePoints], [1, 1, 0, 0, 0]);
});

test('points of an older version are stale and duplicate their chunk indexes', () => {
  const s = statuses({ key: 'a.md', status: 'indexed', version: 'v2', chunk_count: 3 }, { key: 'bad.pdf', status: 'failed', reason: 'corrupt' });
  const v = judge(uploads, s, [...points('a.md', 'v2', 3), ...points('a.md', 'v1', 2)]);
  assert.deepEqual([v.stalePoints, v.duplicatePoints, passed(v)], [2, 2, false]);
});

test('a missing chunk, an older indexed version or a failure of a real document is lost', () => {
  const hostileOk = { key: 'bad.pdf', status: 'failed', reason: 'corrupt' };
  for (const [record, pts] of [
    [{ key: 'a.md', status: 'indexed', version: 'v2', chunk_count: 3 }, points('a.md', 'v2', 2)],
    [{ key: 'a.md', status: 'indexed', version: 'v1', chunk_count: 2 }, points('a.md', 'v1', 2)],
    [{ key: 'a.md', status: 'failed', reason: 'dead_lettered' }, []],
    [{ key: 'a.md', status: 'embedding', version: 'v2' }, []],
  ] as [StatusView, PointView[]][]) {
    const v = judge(uploads, statuses(record, hostileOk), pts);
    assert.deepEqual(v.lost, ['a.md'], JSON.stringify(record));
    assert.equal(passed(v), false);
  }
});

test('a hostile file that got indexed, or failed for another reason, fails the run', () => {
  const good = { key: 'a.md', status: 'indexed', version: 'v2', chunk_count: 1 };
  for (const hostile of [
    { key: 'bad.pdf', status: 'indexed', version: 'x1', chunk_count: 1 },
    { key: 'bad.pdf', status: 'failed', reason: 'too_large' },
  ]) {
    const v = judge(uploads, statuses(good, hostile), [...points('a.md', 'v2', 1), ...points('bad.pdf', 'x1', 1)]);
    assert.equal(v.unexpected.length, 1);
    assert.equal(passed(v), false);
  }
});

test('not settled while a document is mid-pipeline or at an older version', () => {
  const hostileOk = { key: 'bad.pdf', status: 'failed', reason: 'corrupt' };
  assert.equal(settled(uploads, statuses({ key: 'a.md', status: 'indexing', version: 'v2' }, hostileOk)), false);
  assert.equal(settled(uploads, statuses({ key: 'a.md', status: 'indexed', version: 'v1' }, hostileOk)), false);
  assert.equal(settled(uploads, statuses(hostileOk)), false);
});
