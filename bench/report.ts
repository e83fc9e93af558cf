/**
 * Pure helpers of the benchmark: percentiles, the targets of issue 6 and their verdicts, the
 * console table. No I/O here, so that bench/report.test.ts can check them.
 */

/** The `p`-th percentile (0..100) of `values`, linear interpolation between closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

/** A target: `actual` must be at least (`min`) or at most (`max`) `threshold`. */
export interface Target {
  name: string;
  kind: 'min' | 'max';
  threshold: number;
  unit: string;
}

export interface Verdict extends Target {
  actual: number | null;
  pass: boolean;
  /** How far from the threshold, as a fraction of it: > 0 is headroom, < 0 is the miss. */
  margin: number | null;
}

/** The targets of issue 6, keyed by the result figure they judge. */
export const TARGETS = {
  ratio_to_raw_limit: { name: 'end-to-end / raw embedding limit', kind: 'min', threshold: 0.9, unit: '×' },
  ratio_to_langchain: { name: 'Sluice / LangChain.js peer', kind: 'min', threshold: 1.3, unit: '×' },
  reingest_speedup: { name: 'unchanged re-ingest speed-up', kind: 'min', threshold: 30, unit: '×' },
  changed_pct_of_first: { name: '1 % changed: time / first ingest', kind: 'max', threshold: 5, unit: '%' },
  p95_latency_s: { name: 'single document p95 (warm)', kind: 'max', threshold: 1.5, unit: 's' },
  cold_start_max_s: { name: 'cold start (slowest function)', kind: 'max', threshold: 2, unit: 's' },
  embed_rss_mb: { name: 'embed peak RSS', kind: 'max', threshold: 400, unit: 'MB' },
} as const satisfies Record<string, Target>;

export type TargetKey = keyof typeof TARGETS;

/** Judges each figure against its target; a figure that could not be measured fails. */
export function judge(figures: Partial<Record<TargetKey, number | null>>): Record<TargetKey, Verdict> {
  const verdicts = {} as Record<TargetKey, Verdict>;
  for (const [key, target] of Object.entries(TARGETS) as [TargetKey, Target][]) {
    const actual = figures[key] ?? null;
    if (actual === null || !Number.isFinite(actual)) {
      verdicts[key] = { ...target, actual: null, pass: false, margin: null };
      continue;
    }
    const margin = target.kind === 'min' ? actual / target.threshold - 1 : 1 - actual / target.threshold;
    verdicts[key] = { ...target, actual, pass: margin >= 0, margin };
  }
  return verdicts;
}

/** "PASS (+12 %)" or "MISS (-30 %)": the verdict and the headroom or shortfall. */
export function verdictText(verdict: Verdict): string {
  if (verdict.margin === null) return 'not measured';
  const pct = Math.round(verdict.margin * 100);
  return `${verdict.pass ? 'PASS' : 'MISS'} (${pct >= 0 ? '+' : ''}${pct} %)`;
}

/** Renders rows as a plain-text table: columns padded to their widest cell, a rule under the header. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((w, i) => (cells[i] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Fixed-point number with `digits` decimals, or "n/a". */
export function fmt(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

/**
 * Sum of the samples of one metric in a Prometheus text exposition whose labels include all of
 * `labels` (e.g. `sluice_stage_duration_seconds_sum` with `{ stage: 'embed' }`); 0 when absent.
 */
export function metricSum(exposition: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) sum += Number(match[3]);
  }
  return sum;
}
