import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventType } from '../lib/events/types.js';
import { fmt, formatTable, judge, metricSum, percentile, summariseMixedRun, verdictText } from './report.js';

describe('percentile', () => {
  it('interpolates between the closest ranks', () => {
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([10, 20, 30, 40, 50], 95), 48);
    assert.equal(percentile([5, 1, 3], 0), 1);
    assert.equal(percentile([5, 1, 3], 100), 5);
    assert.equal(percentile([7], 95), 7);
  });

  it('refuses an empty list and a percentile outside 0..100', () => {
    assert.throws(() => percentile([], 50), RangeError);
    assert.throws(() => percentile([1], 101), RangeError);
    assert.throws(() => percentile([1], Number.NaN), RangeError);
  });
});

describe('targets', () => {
  it('passes a figure at least its minimum and fails one above its maximum, with the margin', () => {
    const verdicts = judge({ ratio_to_raw_limit: 0.95, p95_latency_s: 3, embed_rss_mb: 200 });
    assert.equal(verdicts.ratio_to_raw_limit.pass, true);
    assert.ok(Math.abs(verdicts.ratio_to_raw_limit.margin! - (0.95 / 0.9 - 1)) < 1e-12);
    assert.equal(verdicts.p95_latency_s.pass, false);
    assert.equal(verdictText(verdicts.p95_latency_s), 'MISS (-100 %)');
    assert.equal(verdictText(verdicts.embed_rss_mb), 'PASS (+50 %)');
  });

  it('fails a figure that was not measured', () => {
    const verdicts = judge({ reingest_speedup: null, ratio_to_langchain: Number.NaN });
    assert.equal(verdicts.reingest_speedup.pass, false);
    assert.equal(verdicts.ratio_to_langchain.pass, false);
    assert.equal(verdicts.cold_start_max_s.pass, false);
    assert.equal(verdictText(verdicts.cold_start_max_s), 'not measured');
  });
});

describe('formatTable', () => {
  it('pads every column to its widest cell and rules off the header', () => {
    const table = formatTable(['measure', 'value'], [['raw', '16.3 chunks/s'], ['end-to-end', '15']]);
    assert.equal(table, ['measure     value', '----------  -------------', 'raw         16.3 chunks/s', 'end-to-end  15'].join('\n'));
  });

  it('renders missing cells as blanks', () => {
    assert.equal(formatTable(['a', 'b'], [['x']]).split('\n')[2], 'x');
  });
});

describe('fmt', () => {
  it('formats numbers and marks missing ones', () => {
    assert.equal(fmt(1.234, 2), '1.23');
    assert.equal(fmt(null), 'n/a');
    assert.equal(fmt(Number.POSITIVE_INFINITY), 'n/a');
  });
});

describe('metricSum', () => {
  const exposition = [
    '# HELP sluice_stage_duration_seconds Time a stage spent on one event',
    `sluice_stage_duration_seconds_sum{stage="embed",type="${EventType.ChunksReady}"} 12.5`,
    'sluice_stage_duration_seconds_sum{stage="embed",type="other"} 0.5',
    `sluice_stage_duration_seconds_sum{stage="split",type="${EventType.ObjectCreated}"} 3`,
    'sluice_embedded_chunks_total{origin="model"} 40',
    'process_cpu_seconds_total 7',
  ].join('\n');

  it('adds the samples whose labels match', () => {
    assert.equal(metricSum(exposition, 'sluice_stage_duration_seconds_sum', { stage: 'embed' }), 13);
    assert.equal(metricSum(exposition, 'sluice_stage_duration_seconds_sum'), 16);
    assert.equal(metricSum(exposition, 'process_cpu_seconds_total'), 7);
  });

  it('is 0 for a metric or label value that is absent', () => {
    assert.equal(metricSum(exposition, 'sluice_embedded_chunks_total', { origin: 'reused' }), 0);
    assert.equal(metricSum(exposition, 'nope'), 0);
  });
});

describe('summariseMixedRun', () => {
  const large = { status: 'indexed', expectedChunks: 20_000, points: 20_000, seconds: 400, units: 40 };

  it('gives the small documents\' percentiles and the large one\'s rate once it is indexed with every chunk', () => {
    const small = [0.4, 0.5, 0.6, 0.7, 2].map((seconds) => ({ seconds, searchable: true }));
    const summary = summariseMixedRun(small, large);
    assert.deepEqual(summary.small, { samples: 5, not_searchable: 0, p50_s: 0.6, p95_s: percentile([0.4, 0.5, 0.6, 0.7, 2], 95), max_s: 2 });
    assert.equal(summary.large.completed, true);
    assert.equal(summary.large.chunks_per_s, 50);
    assert.equal(judge({ mixed_small_p95_s: summary.small.p95_s }).mixed_small_p95_s.pass, false);
  });

  it('counts a small document never searchable with the time it was waited for', () => {
    const summary = summariseMixedRun([{ seconds: 0.5, searchable: true }, { seconds: 120, searchable: false }], large);
    assert.equal(summary.small.not_searchable, 1);
    assert.equal(summary.small.max_s, 120);
    assert.ok(summary.small.p95_s! > 100);
  });

  it('has not completed a large document that failed, is still short of points, or was never indexed', () => {
    assert.equal(summariseMixedRun([], { ...large, status: 'failed', reason: 'dead_lettered', seconds: null }).large.completed, false);
    assert.equal(summariseMixedRun([], { ...large, points: 19_999 }).large.completed, false);
    const waiting = summariseMixedRun([], { ...large, status: 'embedding', points: 0, seconds: null });
    assert.deepEqual([waiting.large.completed, waiting.large.chunks_per_s, waiting.small.p95_s], [false, null, null]);
  });
});
