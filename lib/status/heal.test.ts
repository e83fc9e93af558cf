import { test } from 'node:test';
import assert from 'node:assert/strict';
import { healDelayMs, needsHealing, nextHealAt } from './heal.js';
import { foldTransitions, type StatusTransition } from './record.js';

const doc = { docId: 'd', bucket: 'b', key: 'k' };
const t = (status: StatusTransition['status'], cycle: string, at: string, extra: Partial<StatusTransition> = {}): StatusTransition => ({ ...doc, status, cycle, at, ...extra });
const policy = { baseMs: 60_000, maxMs: 3_600_000 };

test('the backoff doubles per attempt and stops at the maximum', () => {
  assert.deepEqual([0, 1, 2, 3, 10].map((n) => healDelayMs(n, policy)), [60_000, 120_000, 240_000, 480_000, 3_600_000]);
});

test('only dead-lettered failures heal; a document failed for its own reason does not', () => {
  const deadLettered = foldTransitions([t('queued', '2026-01-01T00:00:00.000Z', '1'), t('failed', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', { reason: 'dead_lettered' })])!;
  const corrupt = foldTransitions([t('failed', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', { reason: 'corrupt' })])!;
  assert.ok(needsHealing(deadLettered));
  assert.equal(nextHealAt(deadLettered, policy)?.toISOString(), '2026-01-01T00:02:00.000Z');
  assert.equal(needsHealing(corrupt), false);
  assert.equal(nextHealAt(corrupt, policy), undefined);
});

test('the heal attempt recorded with a cycle is carried to its failure, and backs the next try off', () => {
  const cycle = '2026-01-01T01:00:00.000Z';
  const record = foldTransitions([
    t('failed', '2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', { reason: 'dead_lettered' }),
    t('queued', cycle, cycle, { healAttempt: 2 }),
    t('queued', cycle, '2026-01-01T01:00:01.000Z'),
    t('splitting', cycle, '2026-01-01T01:00:02.000Z'),
    t('failed', cycle, '2026-01-01T01:01:00.000Z', { reason: 'dead_lettered' }),
  ])!;
  assert.equal(record.heal_attempts, 2);
  assert.equal(nextHealAt(record, policy)?.toISOString(), '2026-01-01T01:05:00.000Z');
  // A cycle started by anything else (an upload) starts from scratch.
  const fresh = foldTransitions([t('queued', cycle, cycle, { healAttempt: 2 }), t('queued', '2026-01-01T02:00:00.000Z', '2026-01-01T02:00:00.000Z')])!;
  assert.equal(fresh.heal_attempts, undefined);
});
