/**
 * Where document status records live: a small companion collection in the same Qdrant as the
 * vectors (`<QDRANT_COLLECTION>-status`, one point per document, id = doc_id, a 1-dimension
 * placeholder vector). Durable, shared by every replica of every stage, survives restarts of
 * any process, and adds no database to operate: the same backups cover vectors and status.
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import { TransientError } from '../runtime/errors.js';
import { applyTransition, type DocumentStatus, type StatusRecord, type StatusTransition } from './record.js';

export interface StatusStore {
  get(docId: string): Promise<StatusRecord | undefined>;
  /** Applies a transition (read, decide, write); returns the new record, or undefined if stale. */
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

export function createStatusStore({ url, apiKey, collection }: StatusStoreOptions): StatusStore {
  const client = new QdrantClient({ url, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });
  let ensured: Promise<void> | undefined;

  const ensure = () =>
    (ensured ??= (async () => {
      const { exists } = await client.collectionExists(collection);
      if (!exists) {
        await client.createCollection(collection, { vectors: { size: 1, distance: 'Dot' } }).catch((err: unknown) => {
          if ((err as { status?: number }).status !== 409) throw err;
        });
        for (const field of ['status', 'key', 'bucket']) {
          await client.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true });
        }
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

  const get = (docId: string) =>
    guarded(async () => {
      const [point] = await client.retrieve(collection, { ids: [docId], with_payload: true, with_vector: false });
      return point?.payload as unknown as StatusRecord | undefined;
    });

  return {
    get,
    async record(transition) {
      const next = applyTransition(await get(transition.docId), transition);
      if (!next) return undefined;
      await guarded(() => client.upsert(collection, { wait: true, points: [{ id: transition.docId, vector: [1], payload: { ...next } }] }));
      return next;
    },
    list(options = {}) {
      return guarded(async () => {
        const records: StatusRecord[] = [];
        const filter = options.status ? { must: [{ key: 'status', match: { value: options.status } }] } : undefined;
        let offset: string | number | undefined;
        do {
          const page = await client.scroll(collection, { limit: 256, with_payload: true, with_vector: false, ...(filter ? { filter } : {}), ...(offset !== undefined ? { offset } : {}) });
          for (const point of page.points) records.push(point.payload as unknown as StatusRecord);
          offset = (page.next_page_offset ?? undefined) as string | number | undefined;
        } while (offset !== undefined && records.length < (options.limit ?? Infinity));
        return records.sort((a, b) => a.key.localeCompare(b.key));
      });
    },
  };
}
