/**
 * The vector store as the pipeline sees it: Qdrant (a real server, or the Qdrant Edge gateway
 * locally) through the official REST client. Only the operations Sluice needs, each idempotent.
 */
import { QdrantClient } from '@qdrant/js-client-rest';
import { sha256Hex } from '../documents/identity.js';
import { KEYWORD_INDEXED_FIELDS, type PointPayload } from '../documents/payload.js';
import { TransientError } from '../runtime/errors.js';

export interface VectorPoint {
  id: string;
  vector: number[];
  payload: PointPayload;
}

export interface SearchHit {
  id: string;
  score: number;
  payload: PointPayload;
}

export interface VectorStoreOptions {
  url: string;
  apiKey?: string | undefined;
  collection: string;
  /** Points per upsert request; Qdrant recommends a few hundred at most. */
  upsertBatchSize?: number;
}

export interface VectorStore {
  readonly collection: string;
  /** Creates the collection (cosine) and payload indexes if missing; checks the dimension. */
  ensureCollection(dimension: number): Promise<void>;
  upsert(points: readonly VectorPoint[]): Promise<void>;
  /** Removes a document's points: all of them, all but one version, or one version only. */
  deleteDocument(docId: string, options?: { keepVersion?: string; onlyVersion?: string }): Promise<void>;
  countDocumentPoints(docId: string, version?: string): Promise<number>;
  search(vector: number[], options: { limit: number; filter?: Record<string, string> }): Promise<SearchHit[]>;
  /** Stored vectors of chunks with these content hashes (any document): reused, not recomputed. */
  vectorsByChunkHash(hashes: readonly string[]): Promise<Map<string, number[]>>;
  /** The distinct object keys of a bucket that have points, whatever their status records say. */
  documentKeys(bucket: string): Promise<Set<string>>;
}

export class DimensionMismatchError extends Error {
  override readonly name = 'DimensionMismatchError';
}

export function createVectorStore(options: VectorStoreOptions): VectorStore {
  const client = new QdrantClient({
    url: options.url,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    // The compatibility probe is an extra round trip on every cold start; versions are pinned.
    checkCompatibility: false,
  });
  const { collection } = options;
  const batchSize = options.upsertBatchSize ?? 256;
  let ensuredDimension: number | undefined;

  const documentFilter = (docId: string, options: { keepVersion?: string | undefined; onlyVersion?: string | undefined } = {}) => ({
    must: [{ key: 'doc_id', match: { value: docId } }, ...(options.onlyVersion ? [{ key: 'version', match: { value: options.onlyVersion } }] : [])],
    ...(options.keepVersion ? { must_not: [{ key: 'version', match: { value: options.keepVersion } }] } : {}),
  });

  return {
    collection,

    async ensureCollection(dimension) {
      if (ensuredDimension === dimension) return;
      await transient(async () => {
        const { exists } = await client.collectionExists(collection);
        if (!exists) {
          try {
            await client.createCollection(collection, { vectors: { size: dimension, distance: 'Cosine' } });
          } catch (err) {
            // Another replica created it between our check and our create: fine.
            if (!isConflict(err)) throw err;
          }
        }
        const info = await client.getCollection(collection);
        const vectors = info.config.params.vectors as { size?: number } | undefined;
        if (vectors?.size !== undefined && vectors.size !== dimension) {
          throw new DimensionMismatchError(
            `collection ${collection} holds ${vectors.size}-dimensional vectors but the model makes ${dimension}; use another QDRANT_COLLECTION per model`,
          );
        }
        const existing = info.payload_schema ?? {};
        for (const field of KEYWORD_INDEXED_FIELDS) {
          if (!(field in existing)) await client.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true });
        }
      });
      ensuredDimension = dimension;
    },

    async upsert(points) {
      for (let start = 0; start < points.length; start += batchSize) {
        const batch = points.slice(start, start + batchSize);
        await transient(() =>
          client.upsert(collection, { wait: true, points: batch.map((p) => ({ id: p.id, vector: p.vector, payload: { ...p.payload } })) }),
        );
      }
    },

    async deleteDocument(docId, deleteOptions) {
      await transient(() => client.delete(collection, { wait: true, filter: documentFilter(docId, deleteOptions) }).catch(notFoundAs(undefined)));
    },

    async countDocumentPoints(docId, version) {
      const filter = { must: [{ key: 'doc_id', match: { value: docId } }, ...(version ? [{ key: 'version', match: { value: version } }] : [])] };
      // Before the first document is indexed there is no collection: nothing is indexed yet.
      const result = await transient(() => client.count(collection, { filter, exact: true }).catch(notFoundAs({ count: 0 })));
      return result.count;
    },

    async search(vector, searchOptions) {
      const filter = searchOptions.filter
        ? { must: Object.entries(searchOptions.filter).map(([key, value]) => ({ key, match: { value } })) }
        : undefined;
      const result = await transient(() =>
        client
          .query(collection, { query: vector, limit: searchOptions.limit, with_payload: true, ...(filter ? { filter } : {}) })
          .catch(notFoundAs({ points: [] })),
      );
      return result.points.map((p) => ({ id: String(p.id), score: p.score, payload: p.payload as unknown as PointPayload }));
    },

    vectorsByChunkHash(hashes) {
      return hashes.length === 0 ? Promise.resolve(new Map()) : transient(() => findVectorsByHash(client, collection, hashes));
    },

    documentKeys(bucket) {
      return transient(() => distinctKeys(client, collection, bucket));
    },
  };
}

/**
 * Scrolls the bucket's points reading only `key`. A facet on `key` would be one request, but
 * Qdrant facets return the top N values with no paging, so a large bucket could be cut short;
 * reconcile is a rare safety net, and reading one small field of each point is cheap enough.
 */
async function distinctKeys(client: QdrantClient, collection: string, bucket: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let offset: string | number | undefined;
  do {
    const page = await client
      .scroll(collection, {
        filter: { must: [{ key: 'bucket', match: { value: bucket } }] },
        limit: 1024,
        with_payload: ['key'],
        with_vector: false,
        ...(offset !== undefined ? { offset } : {}),
      })
      .catch(notFoundAs({ points: [], next_page_offset: null }));
    for (const point of page.points) {
      const key = (point.payload as { key?: unknown } | null | undefined)?.key;
      if (typeof key === 'string') keys.add(key);
    }
    offset = (page.next_page_offset ?? undefined) as string | number | undefined;
  } while (offset !== undefined);
  return keys;
}

async function findVectorsByHash(client: QdrantClient, collection: string, hashes: readonly string[]): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  const wanted = new Set(hashes);
  for (let start = 0; start < hashes.length; start += 256) {
    const slice = hashes.slice(start, start + 256);
    let offset: string | number | undefined;
    do {
      const page = await client
        .scroll(collection, {
          filter: { must: [{ key: 'chunk_hash', match: { any: slice } }] },
          limit: 256,
          with_payload: ['chunk_hash', 'text'],
          with_vector: true,
          ...(offset !== undefined ? { offset } : {}),
        })
        .catch(notFoundAs({ points: [], next_page_offset: null }));
      for (const point of page.points) {
        const { chunk_hash: hash, text } = (point.payload ?? {}) as { chunk_hash?: unknown; text?: unknown };
        if (typeof hash !== 'string' || !wanted.has(hash) || found.has(hash) || !Array.isArray(point.vector)) continue;
        // A point whose hash is not that of its own text was written by something that did not
        // verify it (an older version, a forged event): its vector is not reused for other chunks.
        if (typeof text !== 'string' || sha256Hex(text) !== hash) continue;
        found.set(hash, point.vector as number[]);
      }
      offset = (page.next_page_offset ?? undefined) as string | number | undefined;
    } while (offset !== undefined && slice.some((h) => !found.has(h)));
  }
  return found;
}

function notFoundAs<T>(fallback: T): (err: unknown) => T {
  return (err) => {
    if ((err as { status?: number }).status === 404) return fallback;
    throw err;
  };
}

function isConflict(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  return status === 409 || (err instanceof Error && /already exists/i.test(err.message));
}

/** Qdrant unreachable or failing on its side: the broker retries the event later. */
async function transient<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof DimensionMismatchError) throw err;
    const status = (err as { status?: number }).status;
    if (status === undefined || status >= 500 || status === 429) {
      throw new TransientError(`Qdrant request failed: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
    }
    throw err;
  }
}
