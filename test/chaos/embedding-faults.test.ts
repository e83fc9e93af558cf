import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultPlan } from './embedding-faults.js';

test('failures are served to exactly the next N calls, then answers resume', () => {
  const plan = new FaultPlan(() => 0);
  plan.apply({ fail: { status: 429, count: 2, retryAfterSeconds: 3 } });
  assert.deepEqual(plan.next(), { kind: 'fail', status: 429, retryAfterSeconds: 3, delayMs: 0 });
  assert.deepEqual(plan.next(), { kind: 'fail', status: 429, retryAfterSeconds: 3, delayMs: 0 });
  assert.deepEqual(plan.next(), { kind: 'answer', delayMs: 0 });
  assert.deepEqual(plan.stats, { calls: 3, answered: 1, failed: { 429: 2 }, delayed: 0 });
});

test('a delay lasts for its window only, and clear removes every fault', () => {
  let now = 1000;
  const plan = new FaultPlan(() => now);
  plan.apply({ delayMs: 500, delayForMs: 100 });
  assert.equal(plan.next().delayMs, 500);
  now = 1200;
  assert.equal(plan.next().delayMs, 0);
  plan.apply({ delayMs: 500, fail: { status: 503, count: 5, retryAfterSeconds: 1 } });
  plan.apply({ clear: true });
  assert.deepEqual(plan.next(), { kind: 'answer', delayMs: 0 });
});
