import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstRank, percentile, score } from './eval-metrics.js';

test('ranks, hit@k, MRR and nDCG for one relevant document', () => {
  assert.equal(firstRank(['b', 'a', 'a'], 'a'), 2);
  assert.equal(firstRank(['b', 'c'], 'a'), undefined);
  const s = score([
    { ranked: ['a', 'b'], relevant: 'a', ms: 10 },
    { ranked: ['b', 'b', 'a'], relevant: 'a', ms: 20 },
    { ranked: ['b', 'c', 'd', 'e', 'f', 'a'], relevant: 'a', ms: 30 },
    { ranked: ['b'], relevant: 'a', ms: 40 },
  ]);
  assert.equal(s.hit_at_1, 0.25);
  assert.equal(s.hit_at_5, 0.5);
  assert.ok(Math.abs(s.mrr - (1 + 1 / 3 + 1 / 6) / 4) < 1e-12);
  assert.ok(Math.abs(s.ndcg_at_10 - (1 + 0.5 + 1 / Math.log2(7)) / 4) < 1e-12);
  assert.equal(s.p95_ms, 40);
  assert.equal(percentile([5, 1, 3], 0.5), 3);
});
