/**
 * Where document status lives: a small companion collection in the same Qdrant as the vectors
 * (`<QDRANT_COLLECTION>-status`, a 1-dimension placeholder vector). Durable, shared by every
 * replica of every stage, survives restarts of any process, and adds no database to operate:
 * the same backups cover vectors and status.
 *
 * Qdrant has no compare-and-set, and several processes record transitions of one document at
 * the same moment (the API records `queued` while split records `splitting`, index `deleted`).
 * A single record point rewritten by read-modify-write loses one of them, and the document
 * stays `queued` forever. So each transition is its own point, never rewritten, and a
 * document's record is the fold of its transitions (foldTransitions): writes commute. Points
 * of cycles older than the current one are pruned, except the one saying which version the
 * index fully holds.
 *
 * Besides its transitions, each document has one *record point* (`kind: record`) holding the
 * fold, rewritten after every transition: counts by status are then one filtered `count` each
 * and pages one filtered `scroll`, instead of reading every transition of every document.
 */
import { createQdrantClient } from '../vector-store/client.js';
import { v5 as uuidv5 } from 'uuid';
import { isDeepStrictEqual } from 'node:util';
import { InvalidEventError, TransientError } from '../runtime/errors.js';
import { isCanonicalCycle, parseCycleTime } from './cycle.js';
import { applyTransition, foldTransitions, STATUSES, type DocumentStatus, type StatusRecord, type StatusTransition } from './record.js';

export interface StatusStore {
  get(docId: string): Promise<StatusRecord | undefined>;
  /**
   * The document's stored transitions, oldest first: those of the current cycle, and of older
   * cycles only the one that says which version the index holds (the rest are pruned).
   */
  transitions(docId: string): Promise<StatusTransition[]>;
  /**
   * Records a transition; returns the document's new record, or undefined if it was stale.
   * InvalidEventError (nothing written) when its cycle is not a real time up to now + skew.
   */
  record(transition: StatusTransition): Promise<StatusRecord | undefined>;
  /** Every record matching the filter, page by page underneath (reconcile, the CLI's list). */
  list(options?: StatusFilter & { limit?: number }): Promise<StatusRecord[]>;
  /** One page of records (in point-id order) and the cursor of the next page, if any. */
  page(options?: StatusFilter & { limit?: number; cursor?: string }): Promise<StatusPage>;
  /** Documents by status: one filtered count per status, no scan. */
  counts(): Promise<Record<DocumentStatus, number>>;
}

export interface StatusFilter {
  status?: DocumentStatus | undefined;
  bucket?: string | undefined;
}

export interface StatusPage {
  records: StatusRecord[];
  /** Opaque; pass it back as `cursor` for the next page. Absent on the last page. */
  next?: string;
}

export interface StatusStoreOptions {
  url: string;
  apiKey?: string | undefined;
  collection: string;
  /** How far ahead of this clock a transition's cycle may be (default 5 min). */
  maxClockSkewMs?: number;
  now?: () => Date;
}

export function statusCollectionName(vectorCollection: string): string {
  return `${vectorCollection}-status`;
}

/** Namespace of transition point ids (UUIDv5); fixed, never change it. */
const TRANSITION_NAMESPACE = '5d0c2a9e-1f7b-4f43-9a0e-7c3b8e6f2d15';

/** A transition as stored: one point each. */
interface StoredTransition {
  doc_id: string;
  bucket: string;
  key: string;
  status: DocumentStatus;
  cycle: string;
  at: string;
  version?: string;
  sequence?: string;
  chunk_count?: number;
  reason?: string;
  error?: string;
  heal_attempt?: number;
}

interface TransitionPoint {
  id: string;
  transition: StatusTransition;
}

function toStored(t: StatusTransition): StoredTransition {
  return {
    doc_id: t.docId,
    bucket: t.bucket,
    key: t.key,
    status: t.status,
    cycle: t.cycle,
    at: t.at,
    ...(t.version !== undefined ? { version: t.version } : {}),
    ...(t.sequence !== undefined ? { sequence: t.sequence } : {}),
    ...(t.chunkCount !== undefined ? { chunk_count: t.chunkCount } : {}),
    ...(t.reason !== undefined ? { reason: t.reason } : {}),
    ...(t.error !== undefined ? { error: t.error } : {}),
    ...(t.healAttempt !== undefined ? { heal_attempt: t.healAttempt } : {}),
  };
}

/** Reads a stored transition; a whole record written by earlier releases reads as one too. */
function fromStored(p: StoredTransition & { updated_at?: string }): StatusTransition {
  return {
    docId: p.doc_id,
    bucket: p.bucket,
    key: p.key,
    status: p.status,
    cycle: p.cycle,
    at: p.at ?? p.updated_at ?? p.cycle,
    version: p.version,
    sequence: p.sequence,
    chunkCount: p.chunk_count,
    reason: p.reason,
    error: p.error,
    healAttempt: p.heal_attempt,
  };
}

export function transitionPointId(t: StatusTransition): string {
  return uuidv5(`${t.docId}:${t.cycle}:${t.status}:${t.at}`, TRANSITION_NAMESPACE);
}

/** The id of a document's record point (the fold, kept for counts and pages). */
export function recordPointId(docId: string): string {
  return uuidv5(`record:${docId}`, TRANSITION_NAMESPACE);
}

/** Marks record points; transitions (and whole records of earlier releases) have no `kind`. */
const RECORD_KIND = 'record';
const NOT_A_RECORD = { must_not: [{ key: 'kind', match: { value: RECORD_KIND } }] };

/**
 * Transitions that no longer matter, so that a document's points stay few however often it is
 * retried or re-requested:
 * - those of cycles older than the record's, except the latest complete `indexed`/`unchanged`
 *   one while the record still carries its version;
 * - within the current cycle, an earlier transition of a status entered again later (failed →
 *   failed, a second `queued`), when the fold without it is the same record. `splitting` is
 *   kept: the record's `attempts` counts those.
 */
export function obsoleteTransitions(points: readonly TransitionPoint[], record: StatusRecord): string[] {
  const carrier =
    record.indexed_version === undefined
      ? undefined
      : points
          .filter(({ transition: t }) => (t.status === 'indexed' || t.status === 'unchanged') && t.version === record.indexed_version && t.chunkCount === record.indexed_chunks)
          .sort((a, b) => (a.transition.cycle < b.transition.cycle ? 1 : a.transition.cycle > b.transition.cycle ? -1 : 0))[0];
  const obsolete = points.filter((p) => p.transition.cycle < record.cycle && p.id !== carrier?.id).map((p) => p.id);
  let kept = points.filter((p) => !obsolete.includes(p.id));
  const latestAt = new Map<DocumentStatus, string>();
  for (const { transition: t } of kept) if (t.cycle === record.cycle && t.at > (latestAt.get(t.status) ?? '')) latestAt.set(t.status, t.at);
  const repeated = kept.filter(({ transition: t }) => t.cycle === record.cycle && t.status !== 'splitting' && t.at < latestAt.get(t.status)!);
  for (const candidate of repeated) {
    const without = kept.filter((p) => p.id !== candidate.id);
    if (isDeepStrictEqual(foldTransitions(without.map((p) => p.transition)), record)) {
      obsolete.push(candidate.id);
      kept = without;
    }
  }
  return obsolete;
}

/** The record point's payload: the record, marked, with nothing undefined. */
function recordPayload(record: StatusRecord): Record<string, unknown> {
  return { kind: RECORD_KIND, ...JSON.parse(JSON.stringify(record)) };
}

function fromRecordPayload(payload: Record<string, unknown>): StatusRecord {
  const { kind: _kind, ...record } = payload;
  return record as unknown as StatusRecord;
}

/** Oldest first: by time, then cycle, then the pipeline's order of the statuses. */
export function byTransitionTime(a: StatusTransition, b: StatusTransition): number {
  return a.at < b.at ? -1 : a.at > b.at ? 1 : a.cycle < b.cycle ? -1 : a.cycle > b.cycle ? 1 : STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status);
}

export function createStatusStore({ url, apiKey, collection, maxClockSkewMs, now }: StatusStoreOptions): StatusStore {
  const client = createQdrantClient({ url, apiKey });
  let ensured: Promise<void> | undefined;

  const ensure = () =>
    (ensured ??= (async () => {
      const { exists } = await client.collectionExists(collection);
      if (!exists) {
        await client.createCollection(collection, { vectors: { size: 1, distance: 'Dot' } }).catch((err: unknown) => {
          if ((err as { status?: number }).status !== 409) throw err;
        });
      }
      const existing = (await client.getCollection(collection)).payload_schema ?? {};
      for (const field of ['doc_id', 'status', 'key', 'bucket', 'kind']) {
        if (!(field in existing)) await client.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true });
      }
      // Transitions written before record points existed: give each such document its record
      // once, so counts and pages see it. A scan, but only while there is something to migrate.
      const records = await client.count(collection, { filter: { must: [{ key: 'kind', match: { value: RECORD_KIND } }] }, exact: true });
      if (records.count === 0) await backfillRecords();
    })().catch((err: unknown) => {
      ensured = undefined;
      throw err;
    }));

  const guarded = async <T>(operation: () => Promise<T>): Promise<T> => {
    try {
      await ensure();
      return await operation();
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (err instanceof InvalidEventError) throw err;
      if (status === undefined || status >= 500) {
        throw new TransientError(`status store unavailable: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
      }
      throw err;
    }
  };

  const scroll = async (filter: object): Promise<TransitionPoint[]> => {
    const points: TransitionPoint[] = [];
    let offset: string | number | undefined;
    do {
      const page = await client.scroll(collection, { limit: 256, with_payload: true, with_vector: false, filter, ...(offset !== undefined ? { offset } : {}) });
      for (const point of page.points) points.push({ id: String(point.id), transition: fromStored(point.payload as unknown as StoredTransition) });
      offset = (page.next_page_offset ?? undefined) as string | number | undefined;
    } while (offset !== undefined);
    return points;
  };

  /**
   * A document's transitions. One whose cycle is not a canonical time (written before cycles
   * were validated, e.g. `"~"`) is left out, so a record frozen that way moves again; it is
   * deleted with the next write's obsolete transitions.
   */
  const transitionsOf = async (docId: string) => {
    const all = await scroll({ must: [{ key: 'doc_id', match: { value: docId } }], ...NOT_A_RECORD });
    return { valid: all.filter((p) => isCanonicalCycle(p.transition.cycle)), invalid: all.filter((p) => !isCanonicalCycle(p.transition.cycle)).map((p) => p.id) };
  };

  const writeRecord = (record: StatusRecord) =>
    client.upsert(collection, { wait: true, points: [{ id: recordPointId(record.doc_id), vector: [1], payload: recordPayload(record) }] });

  /**
   * Qdrant has no compare-and-set: two writers of one document may each write a record point
   * folded from what they saw. Each writer reads the transitions again after writing its record
   * point and writes again until both agree, so the last writer to verify leaves the fold of
   * every transition written before it looked. A few rounds settle any real contention.
   */
  const settleRecord = async (docId: string, record: StatusRecord) => {
    let current = record;
    for (let round = 0; round < 5; round++) {
      await writeRecord(current);
      const again = foldTransitions((await transitionsOf(docId)).valid.map((p) => p.transition));
      if (!again || isDeepStrictEqual(again, current)) return;
      current = again;
    }
  };

  const backfillRecords = async () => {
    const byDocument = new Map<string, StatusTransition[]>();
    for (const { transition } of await scroll(NOT_A_RECORD)) {
      if (!isCanonicalCycle(transition.cycle)) continue;
      byDocument.set(transition.docId, [...(byDocument.get(transition.docId) ?? []), transition]);
    }
    for (const transitions of byDocument.values()) await writeRecord(foldTransitions(transitions)!);
  };

  const recordFilter = (options: StatusFilter) => ({
    must: [
      { key: 'kind', match: { value: RECORD_KIND } },
      ...(options.status ? [{ key: 'status', match: { value: options.status } }] : []),
      ...(options.bucket ? [{ key: 'bucket', match: { value: options.bucket } }] : []),
    ],
  });

  const page = (options: StatusFilter & { limit?: number; cursor?: string } = {}): Promise<StatusPage> =>
    guarded(async () => {
      const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
      const result = await client.scroll(collection, {
        limit,
        with_payload: true,
        with_vector: false,
        filter: recordFilter(options),
        ...(options.cursor !== undefined ? { offset: options.cursor } : {}),
      });
      const records = result.points.map((p) => fromRecordPayload(p.payload as Record<string, unknown>));
      const next = result.next_page_offset ?? undefined;
      return { records, ...(next !== undefined ? { next: String(next) } : {}) };
    });

  return {
    get: (docId) => guarded(async () => foldTransitions((await transitionsOf(docId)).valid.map((p) => p.transition))),

    transitions: (docId) => guarded(async () => (await transitionsOf(docId)).valid.map((p) => p.transition).sort(byTransitionTime)),

    record(transition) {
      return guarded(async () => {
        const checked = { ...transition, cycle: parseCycleTime(transition.cycle, 'cycle', { ...(now ? { now } : {}), ...(maxClockSkewMs !== undefined ? { maxSkewMs: maxClockSkewMs } : {}) }) };
        const { valid: points, invalid } = await transitionsOf(checked.docId);
        const before = foldTransitions(points.map((p) => p.transition));
        // Stale against what is stored now is stale against anything stored later: skip it.
        if (!applyTransition(before, checked)) return undefined;
        const written = { id: transitionPointId(checked), transition: checked };
        await client.upsert(collection, { wait: true, points: [{ id: written.id, vector: [1], payload: { ...toStored(checked) } }] });
        const all = [...points.filter((p) => p.id !== written.id), written];
        const record = foldTransitions(all.map((p) => p.transition))!;
        const obsolete = [...obsoleteTransitions(all, record), ...invalid];
        if (obsolete.length > 0) await client.delete(collection, { wait: true, points: obsolete });
        await settleRecord(checked.docId, record);
        return record;
      });
    },

    async list(options = {}) {
      const records: StatusRecord[] = [];
      let cursor: string | undefined;
      do {
        const result = await page({ ...options, limit: 1000, ...(cursor !== undefined ? { cursor } : {}) });
        records.push(...result.records);
        cursor = result.next;
      } while (cursor !== undefined && (options.limit === undefined || records.length < options.limit));
      records.sort((a, b) => a.key.localeCompare(b.key));
      return options.limit !== undefined ? records.slice(0, options.limit) : records;
    },

    page,

    counts: () =>
      guarded(async () => {
        const entries = await Promise.all(
          STATUSES.map(async (status) => [status, (await client.count(collection, { filter: recordFilter({ status }), exact: true })).count] as const),
        );
        return Object.fromEntries(entries) as Record<DocumentStatus, number>;
      }),
  };
}
