/**
 * Pure helpers of the benchmark: percentiles, the targets of issues 6 and 13 and their verdicts,
 * the mixed run's summary, the console table. No I/O here, so that bench/report.test.ts can check them.
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

/** The targets of issues 6 and 13, keyed by the result figure they judge. */
export const TARGETS = {
  ratio_to_raw_limit: { name: 'end-to-end / raw embedding limit', kind: 'min', threshold: 0.9, unit: '×' },
  ratio_to_langchain: { name: 'Sluice / LangChain.js peer', kind: 'min', threshold: 1.3, unit: '×' },
  reingest_speedup: { name: 'unchanged re-ingest speed-up', kind: 'min', threshold: 30, unit: '×' },
  changed_pct_of_first: { name: '1 % changed: time / first ingest', kind: 'max', threshold: 5, unit: '%' },
  p95_latency_s: { name: 'single document p95 (warm)', kind: 'max', threshold: 1.5, unit: 's' },
  mixed_small_p95_s: { name: 'small documents p95 while a 20 000-chunk one ingests', kind: 'max', threshold: 1.5, unit: 's' },
  cold_start_max_s: { name: 'cold start (slowest function)', kind: 'max', threshold: 2, unit: 's' },
  embed_rss_mb: { name: 'embed peak RSS', kind: 'max', threshold: 400, unit: 'MB' },
} as const satisfies Record<string, Target>;

export type TargetKey = keyof typeof TARGETS;

/** One small document of the mixed run: upload to searchable, or how long it was waited for. */
export interface SmallSample {
  seconds: number;
  searchable: boolean;
}

/** The large document of the mixed run as the bench saw it end. */
export interface LargeOutcome {
  /** Its status record's last status (`indexed`, `failed`, or what it had when the wait ended). */
  status: string;
  reason?: string | undefined;
  /** Chunks split makes of it (in process) and points it has at the end. */
  expectedChunks: number;
  points: number;
  /** Upload to indexed; null when it never got there. */
  seconds: number | null;
  /** Units embed counted for it (sluice_embed_units_total). */
  units: number;
}

export interface MixedRunSummary {
  small: { samples: number; not_searchable: number; p50_s: number | null; p95_s: number | null; max_s: number | null };
  large: LargeOutcome & { completed: boolean; chunks_per_s: number | null };
}

/**
 * The two figures of the mixed run: small documents' latency while the large one ingests and
 * whether (and how fast) the large one completed. A small document never searchable counts with
 * the time it was waited for, so the p95 cannot hide it; the large one has completed only when
 * it is indexed with every chunk.
 */
export function summariseMixedRun(small: readonly SmallSample[], large: LargeOutcome): MixedRunSummary {
  const seconds = small.map((s) => s.seconds);
  const completed = large.status === 'indexed' && large.seconds !== null && large.points === large.expectedChunks;
  return {
    small: {
      samples: small.length,
      not_searchable: small.filter((s) => !s.searchable).length,
      p50_s: seconds.length ? percentile(seconds, 50) : null,
      p95_s: seconds.length ? percentile(seconds, 95) : null,
      max_s: seconds.length ? Math.max(...seconds) : null,
    },
    large: { ...large, completed, chunks_per_s: completed ? large.points / large.seconds! : null },
  };
}

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
