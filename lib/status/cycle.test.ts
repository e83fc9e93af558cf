import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidEventError } from '../runtime/errors.js';
import { cycleOf, isCanonicalCycle, parseCycleTime } from './cycle.js';

const now = () => new Date('2026-06-01T12:00:00.000Z');

test('a cycle time must be an RFC 3339 time: "~", dates alone, numbers and prose are refused', () => {
  for (const bad of ['~', '', '2026-06-01', '1', 'Jan 1 2026', '2026-06-01 12:00:00Z', '2026-13-45T99:99:99Z', 42, null, undefined]) {
    assert.throws(() => parseCycleTime(bad, 'requestedAt', { now }), InvalidEventError, String(bad));
  }
});

test('a cycle time later than now + skew is refused; within the skew it is accepted and canonical', () => {
  assert.throws(() => parseCycleTime('9999-12-31T23:59:59Z', 'requestedAt', { now }), /in the future/);
  assert.throws(() => parseCycleTime('2026-06-01T12:05:01Z', 'requestedAt', { now, maxSkewMs: 300_000 }), /in the future/);
  assert.equal(parseCycleTime('2026-06-01T12:04:59Z', 'requestedAt', { now, maxSkewMs: 300_000 }), '2026-06-01T12:04:59.000Z');
  // Offsets are normalised, so that string comparison of cycles is time order.
  assert.equal(parseCycleTime('2026-06-01T13:00:00+02:00', 't', { now }), '2026-06-01T11:00:00.000Z');
  assert.ok(isCanonicalCycle('2026-06-01T11:00:00.000Z'));
  assert.ok(!isCanonicalCycle('2026-06-01T13:00:00+02:00') && !isCanonicalCycle('~'));
});

test('cycleOf keeps the broker placeholder rule: year 1 or no time means now', () => {
  assert.equal(cycleOf({ time: '0001-01-01T00:00:00Z' }, now), now().toISOString());
  assert.equal(cycleOf({ time: undefined as unknown as string }, now), now().toISOString());
  assert.equal(cycleOf({ time: '2026-05-01T00:00:00+00:00' }, now), '2026-05-01T00:00:00.000Z');
});
