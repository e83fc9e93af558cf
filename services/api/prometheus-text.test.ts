import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheusText, sumOf } from './prometheus-text.js';

test('reads samples with labels, escapes, special values and timestamps; skips what is not a sample', () => {
  const samples = parsePrometheusText(
    [
      '# HELP sluice_events_total CloudEvents handled',
      '# TYPE sluice_events_total counter',
      'sluice_events_total{stage="split",type="io.sluice.object.created",outcome="processed"} 12',
      'sluice_events_total{stage="split",type="a\\"b\\\\c\\nd",outcome="retry",} 3 1700000000000',
      'process_start_time_seconds 1.7e9',
      'sluice_stage_duration_seconds_bucket{le="+Inf",stage="split"} +Inf',
      'weird_nan NaN',
      'broken{stage="x} 1',
      'novalue{stage="x"}',
      '',
    ].join('\n'),
  );
  assert.deepEqual(samples.map((s) => s.name), ['sluice_events_total', 'sluice_events_total', 'process_start_time_seconds', 'sluice_stage_duration_seconds_bucket', 'weird_nan']);
  assert.deepEqual(samples[1]!.labels, { stage: 'split', type: 'a"b\\c\nd', outcome: 'retry' });
  assert.equal(samples[2]!.value, 1.7e9);
  assert.equal(sumOf(samples, 'sluice_events_total', { stage: 'split' }), 15);
  assert.equal(sumOf(samples, 'sluice_events_total', (l) => l.outcome === 'retry'), 3);
  assert.equal(sumOf(samples, 'sluice_stage_duration_seconds_bucket'), 0, 'infinities are not summed');
});
