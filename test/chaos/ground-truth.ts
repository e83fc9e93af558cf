/**
 * The chaos run's verdict (pure): what every uploaded key should have become, compared with the
 * status records and the points Qdrant holds.
 *  - lost: expected indexed, but not indexed at the uploaded version with all its chunks;
 *  - duplicate: more than one point for one (key, chunk index);
 *  - stale: a point whose version is not the object's current version;
 *  - a hostile file must end `failed` with a reason matching its expectation.
 */

export type Expectation = { status: 'failed'; reason: RegExp } | { status: 'indexed' };

export interface Upload {
  key: string;
  /** ETag of the last successful upload of this key: the version that must win. */
  etag: string;
  expect: Expectation;
  kind: 'corpus' | 'hostile';
}

export interface StatusView {
  key: string;
  status: string;
  version?: string;
  chunk_count?: number;
  reason?: string;
  error?: string;
}

export interface PointView {
  key: string;
  version: string;
  chunk_index: number;
}

export type Outcome =
  | { kind: 'indexed'; chunks: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'pending'; status: string }
  | { kind: 'missing-points'; expected: number; found: number }
  | { kind: 'wrong-outcome'; detail: string };

export interface KeyVerdict {
  key: string;
  kind: Upload['kind'];
  outcome: Outcome;
  ok: boolean;
}

export interface Verdict {
  uploaded: number;
  indexed: number;
  failed: { key: string; reason: string }[];
  lost: string[];
  unexpected: { key: string; detail: string }[];
  pending: string[];
  duplicatePoints: number;
  stalePoints: number;
  keys: KeyVerdict[];
}

const TERMINAL = new Set(['indexed', 'unchanged', 'failed']);

/** True when every key reached a terminal state at its uploaded version (nothing left to wait for). */
export function settled(uploads: readonly Upload[], statuses: ReadonlyMap<string, StatusView>): boolean {
  return uploads.every((u) => {
    const s = statuses.get(u.key);
    return s !== undefined && TERMINAL.has(s.status) && (s.status === 'failed' || s.version === u.etag);
  });
}

export function judge(uploads: readonly Upload[], statuses: ReadonlyMap<string, StatusView>, points: readonly PointView[]): Verdict {
  const current = new Map(uploads.map((u) => [u.key, u.etag]));
  const byKey = new Map<string, PointView[]>();
  for (const p of points) {
    if (!current.has(p.key)) continue;
    byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
  }

  let duplicatePoints = 0;
  let stalePoints = 0;
  for (const [key, list] of byKey) {
    const perChunk = new Map<number, number>();
    for (const p of list) {
      perChunk.set(p.chunk_index, (perChunk.get(p.chunk_index) ?? 0) + 1);
      if (p.version !== current.get(key)) stalePoints++;
    }
    for (const n of perChunk.values()) if (n > 1) duplicatePoints += n - 1;
  }

  const keys = uploads.map((u): KeyVerdict => {
    const outcome = outcomeOf(u, statuses.get(u.key), byKey.get(u.key) ?? []);
    const ok =
      u.expect.status === 'indexed' ? outcome.kind === 'indexed' : outcome.kind === 'failed' && u.expect.reason.test(outcome.reason);
    return { key: u.key, kind: u.kind, outcome, ok };
  });

  return {
    uploaded: uploads.length,
    indexed: keys.filter((k) => k.outcome.kind === 'indexed').length,
    failed: keys.flatMap((k) => (k.outcome.kind === 'failed' ? [{ key: k.key, reason: k.outcome.reason }] : [])),
    lost: keys.filter((k) => !k.ok && uploads.find((u) => u.key === k.key)!.expect.status === 'indexed').map((k) => k.key),
    unexpected: keys
      .filter((k) => !k.ok && uploads.find((u) => u.key === k.key)!.expect.status === 'failed')
      .map((k) => ({ key: k.key, detail: describe(k.outcome) })),
    pending: keys.filter((k) => k.outcome.kind === 'pending').map((k) => k.key),
    duplicatePoints,
    stalePoints,
    keys,
  };
}

function outcomeOf(upload: Upload, status: StatusView | undefined, points: readonly PointView[]): Outcome {
  if (!status) return { kind: 'pending', status: 'no status' };
  if (status.status === 'failed') {
    const reason = [status.reason, status.error].filter(Boolean).join(': ');
    return reason ? { kind: 'failed', reason } : { kind: 'wrong-outcome', detail: 'failed without a reason' };
  }
  if (status.status !== 'indexed' && status.status !== 'unchanged') return { kind: 'pending', status: status.status };
  if (status.version !== upload.etag) return { kind: 'wrong-outcome', detail: `${status.status} at version ${status.version}, uploaded ${upload.etag}` };
  const expected = status.chunk_count ?? -1;
  const indexes = new Set(points.filter((p) => p.version === upload.etag).map((p) => p.chunk_index));
  const complete = expected > 0 && indexes.size === expected && [...indexes].every((i) => i >= 0 && i < expected);
  return complete ? { kind: 'indexed', chunks: expected } : { kind: 'missing-points', expected, found: indexes.size };
}

export function describe(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'indexed':
      return `indexed (${outcome.chunks} chunks)`;
    case 'failed':
      return `failed: ${outcome.reason}`;
    case 'pending':
      return `still ${outcome.status}`;
    case 'missing-points':
      return `indexed but ${outcome.found}/${outcome.expected} chunks in Qdrant`;
    case 'wrong-outcome':
      return outcome.detail;
  }
}

/** The run fails when anything was lost, duplicated or stale, or a hostile file did not fail as expected. */
export function passed(v: Verdict): boolean {
  return v.lost.length === 0 && v.unexpected.length === 0 && v.duplicatePoints === 0 && v.stalePoints === 0;
}
