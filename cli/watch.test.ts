import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countStatuses, finishedOf, formatDuration, formatProgress, pendingOf, RateTracker } from './watch.js';

describe('countStatuses', () => {
  it('groups stages as in flight and leaves deleted documents out', () => {
    const statuses = ['queued', 'splitting', 'embedding', 'indexing', 'indexed', 'indexed', 'unchanged', 'failed', 'deleted'];
    const counts = countStatuses(statuses.map((status) => ({ status })));
    assert.deepEqual(counts, { queued: 1, inFlight: 3, indexed: 2, unchanged: 1, failed: 1, total: 8 });
    assert.equal(finishedOf(counts), 4);
    assert.equal(pendingOf(counts), 4);
  });
});

describe('RateTracker', () => {
  it('knows no rate from one sample, then documents per second over the window', () => {
    const rate = new RateTracker(10_000);
    rate.add(0, 0);
    assert.equal(rate.rate(), undefined);
    assert.equal(rate.eta(5), undefined);
    rate.add(2_000, 4);
    assert.equal(rate.rate(), 2);
    assert.equal(rate.eta(10), 5);
    assert.equal(rate.eta(0), 0);
  });

  it('forgets samples older than the window', () => {
    const rate = new RateTracker(10_000);
    rate.add(0, 0);
    rate.add(1_000, 100); // a burst, then a slow period
    rate.add(20_000, 110);
    rate.add(21_000, 111);
    assert.equal(rate.rate(), 1);
  });

  it('does not count documents going back to queued as negative progress', () => {
    const rate = new RateTracker();
    rate.add(0, 10);
    rate.add(1_000, 3);
    assert.equal(rate.rate(), 0);
    assert.equal(rate.eta(7), undefined);
  });
});

describe('formatting', () => {
  it('formats durations', () => {
    assert.equal(formatDuration(undefined), '?');
    assert.equal(formatDuration(42.4), '42s');
    assert.equal(formatDuration(125), '2m05s');
    assert.equal(formatDuration(3 * 3600 + 7 * 60), '3h07m');
  });

  it('shows every count, the rate and the ETA', () => {
    const line = formatProgress({ queued: 3, inFlight: 2, indexed: 4, unchanged: 1, failed: 1, total: 11 }, 0.5, 10);
    assert.equal(line, '6/11 done · queued 3 · in flight 2 · indexed 4 · unchanged 1 · failed 1 · 0.50 docs/s · ETA 10s');
  });
});
