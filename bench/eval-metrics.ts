/** Retrieval metrics over ranked lists of document keys (one relevant document per query). */

export interface QueryOutcome {
  /** Keys of the hits, best first (chunks: the same key may repeat). */
  ranked: readonly string[];
  relevant: string;
  ms: number;
}

export interface RetrievalScores {
  queries: number;
  hit_at_1: number;
  hit_at_5: number;
  mrr: number;
  ndcg_at_10: number;
  p50_ms: number;
  p95_ms: number;
}

/** Rank (from 1) of the first hit of the relevant document within the first `depth`, or undefined. */
export function firstRank(ranked: readonly string[], relevant: string, depth = 10): number | undefined {
  const index = ranked.slice(0, depth).indexOf(relevant);
  return index < 0 ? undefined : index + 1;
}

export function score(outcomes: readonly QueryOutcome[]): RetrievalScores {
  const n = outcomes.length;
  const ranks = outcomes.map((o) => firstRank(o.ranked, o.relevant));
  const mean = (values: number[]) => (n === 0 ? 0 : values.reduce((a, b) => a + b, 0) / n);
  return {
    queries: n,
    hit_at_1: mean(ranks.map((r) => (r === 1 ? 1 : 0))),
    hit_at_5: mean(ranks.map((r) => (r !== undefined && r <= 5 ? 1 : 0))),
    mrr: mean(ranks.map((r) => (r === undefined ? 0 : 1 / r))),
    // One relevant document, binary gain: the ideal DCG is 1, so nDCG is the DCG of its first hit.
    ndcg_at_10: mean(ranks.map((r) => (r === undefined ? 0 : 1 / Math.log2(r + 1)))),
    p50_ms: percentile(outcomes.map((o) => o.ms), 0.5),
    p95_ms: percentile(outcomes.map((o) => o.ms), 0.95),
  };
}

export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
