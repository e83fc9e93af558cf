/**
 * The per-document status model and its transition rule (pure). A document moves
 * queued → splitting → embedding → indexing → indexed | unchanged | failed | deleted.
 *
 * Deliveries are concurrent and at least once, so transitions arrive out of order. Each one
 * carries its *cycle*: the time of the object event (upload, overwrite, ingest request) that
 * started it. A transition from an older cycle never overwrites a newer one, and within one
 * cycle a later stage wins over an earlier one, so a late "queued" cannot undo "indexed".
 */
export const STATUSES = ['queued', 'splitting', 'embedding', 'indexing', 'indexed', 'unchanged', 'failed', 'deleted'] as const;
export type DocumentStatus = (typeof STATUSES)[number];

const RANK: Record<DocumentStatus, number> = {
  queued: 0,
  splitting: 1,
  embedding: 2,
  indexing: 3,
  indexed: 4,
  unchanged: 4,
  failed: 4,
  deleted: 4,
};

export interface StatusRecord {
  doc_id: string;
  bucket: string;
  key: string;
  status: DocumentStatus;
  /** ETag of the version this status is about (the points' `version`). */
  version?: string;
  sequence?: string;
  /** ISO time of the event that started the current cycle. */
  cycle: string;
  chunk_count?: number;
  /** How many times processing of the current cycle started (retries and re-requests). */
  attempts: number;
  reason?: string;
  error?: string;
  /**
   * The version the index fully holds, and its chunk count, whatever the current cycle's status
   * is: a new cycle starts with `queued` (recorded by the API, possibly before split looks), and
   * split still needs to know what is already indexed to answer `unchanged`.
   */
  indexed_version?: string;
  indexed_chunks?: number;
  /**
   * Self-healing: how many times reconcile has re-requested this document after a dead-lettered
   * failure (1 for the first re-request). Carried through the cycle it started, and read by the
   * next reconcile to back off (lib/status/heal.ts); a cycle started by anything else drops it.
   */
  heal_attempts?: number;
  /** ISO time each status was last entered. */
  timestamps: Partial<Record<DocumentStatus, string>>;
  updated_at: string;
}

export interface StatusTransition {
  docId: string;
  bucket: string;
  key: string;
  status: DocumentStatus;
  cycle: string;
  at: string;
  version?: string | undefined;
  sequence?: string | undefined;
  chunkCount?: number | undefined;
  reason?: string | undefined;
  error?: string | undefined;
  /** Set by reconcile on the `queued` it records when it re-requests a dead-lettered document. */
  healAttempt?: number | undefined;
}

/** The record after `transition`, or undefined when the transition is stale and changes nothing. */
export function applyTransition(previous: StatusRecord | undefined, t: StatusTransition): StatusRecord | undefined {
  if (previous) {
    if (t.cycle < previous.cycle) return undefined;
    if (t.cycle === previous.cycle && RANK[t.status] < RANK[previous.status]) return undefined;
    // Two terminal outcomes of one cycle: the first one stands, except that a failure is
    // replaced by a later success (a retry that got through).
    if (t.cycle === previous.cycle && RANK[t.status] === 4 && RANK[previous.status] === 4 && previous.status !== 'failed') return undefined;
  }
  const sameCycle = previous?.cycle === t.cycle;
  const failed = t.status === 'failed';
  const complete = (t.status === 'indexed' || t.status === 'unchanged') && t.version !== undefined && t.chunkCount !== undefined;
  const indexed = complete
    ? { indexed_version: t.version!, indexed_chunks: t.chunkCount! }
    : t.status !== 'deleted' && previous?.indexed_version !== undefined && previous.indexed_chunks !== undefined
      ? { indexed_version: previous.indexed_version, indexed_chunks: previous.indexed_chunks }
      : {};
  return {
    doc_id: t.docId,
    bucket: t.bucket,
    key: t.key,
    status: t.status,
    ...(t.version ?? (sameCycle ? previous?.version : undefined) ? { version: t.version ?? previous?.version } : {}),
    ...(t.sequence ?? (sameCycle ? previous?.sequence : undefined) ? { sequence: t.sequence ?? previous?.sequence } : {}),
    cycle: t.cycle,
    ...(t.chunkCount !== undefined ? { chunk_count: t.chunkCount } : sameCycle && previous?.chunk_count !== undefined ? { chunk_count: previous.chunk_count } : {}),
    attempts: (sameCycle ? previous?.attempts ?? 0 : 0) + (t.status === 'splitting' ? 1 : 0),
    ...(failed && t.reason ? { reason: t.reason } : {}),
    ...(failed && t.error ? { error: t.error } : {}),
    ...indexed,
    ...(t.healAttempt !== undefined ? { heal_attempts: t.healAttempt } : sameCycle && previous?.heal_attempts !== undefined ? { heal_attempts: previous.heal_attempts } : {}),
    timestamps: { ...(sameCycle ? previous?.timestamps : {}), [t.status]: t.at },
    updated_at: t.at,
  };
}

/**
 * The record a set of transitions adds up to, whatever order they were written in: sorted by
 * cycle, then stage, then time, then folded with applyTransition. Stored transitions are
 * independent writes, so concurrent writers (the API recording `queued` while a stage records
 * `splitting` or `deleted`) cannot overwrite each other's work.
 */
export function foldTransitions(transitions: readonly StatusTransition[]): StatusRecord | undefined {
  let record: StatusRecord | undefined;
  for (const t of [...transitions].sort(transitionOrder)) record = applyTransition(record, t) ?? record;
  return record;
}

function transitionOrder(a: StatusTransition, b: StatusTransition): number {
  return compare(a.cycle, b.cycle) || RANK[a.status] - RANK[b.status] || compare(a.at, b.at) || compare(a.status, b.status);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
