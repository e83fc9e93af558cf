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
 */
import { createQdrantClient } from '../vector-store/client.js';
import { v5 as uuidv5 } from 'uuid';
import { TransientError } from '../runtime/errors.js';
import { applyTransition, foldTransitions, type DocumentStatus, type StatusRecord, type StatusTransition } from './record.js';

export interface StatusStore {
  get(docId: string): Promise<StatusRecord | undefined>;
  /** Records a transition; returns the document's new record, or undefined if it was stale. */
  record(transition: StatusTransition): Promise<StatusRecord | undefined>;
  list(options?: { status?: DocumentStatus; limit?: number }): Promise<StatusRecord[]>;
}

export interface StatusStoreOptions {
  url: string;
  apiKey?: string | undefined;
  collection: string;
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
  };
}

export function transitionPointId(t: StatusTransition): string {
  return uuidv5(`${t.docId}:${t.cycle}:${t.status}:${t.at}`, TRANSITION_NAMESPACE);
}

/**
 * Transitions that no longer matter: those of cycles older than the record's, except the
 * latest complete `indexed`/`unchanged` one while the record still carries its version.
 */
export function obsoleteTransitions(points: readonly TransitionPoint[], record: StatusRecord): string[] {
  const carrier =
    record.indexed_version === undefined
      ? undefined
      : points
          .filter(({ transition: t }) => (t.status === 'indexed' || t.status === 'unchanged') && t.version === record.indexed_version && t.chunkCount === record.indexed_chunks)
          .sort((a, b) => (a.transition.cycle < b.transition.cycle ? 1 : a.transition.cycle > b.transition.cycle ? -1 : 0))[0];
  return points.filter((p) => p.transition.cycle < record.cycle && p.id !== carrier?.id).map((p) => p.id);
}

export function createStatusStore({ url, apiKey, collection }: StatusStoreOptions): StatusStore {
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
      for (const field of ['doc_id', 'status', 'key', 'bucket']) {
        if (!(field in existing)) await client.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true });
      }
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
      if (status === undefined || status >= 500) {
        throw new TransientError(`status store unavailable: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
      }
      throw err;
    }
  };

  const scroll = async (filter?: object): Promise<TransitionPoint[]> => {
    const points: TransitionPoint[] = [];
    let offset: string | number | undefined;
    do {
      const page = await client.scroll(collection, { limit: 256, with_payload: true, with_vector: false, ...(filter ? { filter } : {}), ...(offset !== undefined ? { offset } : {}) });
      for (const point of page.points) points.push({ id: String(point.id), transition: fromStored(point.payload as unknown as StoredTransition) });
      offset = (page.next_page_offset ?? undefined) as string | number | undefined;
    } while (offset !== undefined);
    return points;
  };

  const transitionsOf = (docId: string) => scroll({ must: [{ key: 'doc_id', match: { value: docId } }] });

  return {
    get: (docId) => guarded(async () => foldTransitions((await transitionsOf(docId)).map((p) => p.transition))),

    record(transition) {
      return guarded(async () => {
        const points = await transitionsOf(transition.docId);
        const before = foldTransitions(points.map((p) => p.transition));
        // Stale against what is stored now is stale against anything stored later: skip it.
        if (!applyTransition(before, transition)) return undefined;
        const written = { id: transitionPointId(transition), transition };
        await client.upsert(collection, { wait: true, points: [{ id: written.id, vector: [1], payload: { ...toStored(transition) } }] });
        const all = [...points.filter((p) => p.id !== written.id), written];
        const record = foldTransitions(all.map((p) => p.transition))!;
        const obsolete = obsoleteTransitions(all, record);
        if (obsolete.length > 0) await client.delete(collection, { wait: true, points: obsolete });
        return record;
      });
    },

    list(options = {}) {
      return guarded(async () => {
        const byDocument = new Map<string, StatusTransition[]>();
        for (const { transition } of await scroll()) {
          const list = byDocument.get(transition.docId) ?? [];
          list.push(transition);
          byDocument.set(transition.docId, list);
        }
        const records = [...byDocument.values()]
          .map((transitions) => foldTransitions(transitions)!)
          .filter((r) => !options.status || r.status === options.status)
          .sort((a, b) => a.key.localeCompare(b.key));
        return options.limit !== undefined ? records.slice(0, options.limit) : records;
      });
    },
  };
}
