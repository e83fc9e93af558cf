/**
 * The vector store as the pipeline sees it: Qdrant (a real server, or the Qdrant Edge gateway
 * locally) through the official REST client. Only the operations Sluice needs, each idempotent.
 *
 * Each point has two named vectors: `dense` (the model's embedding, cosine) and `sparse`
 * (BM25 term weights, `lib/text/sparse-vector.ts`, with Qdrant's `idf` modifier). A collection
 * made before sparse vectors existed (one unnamed dense vector) is upgraded in place by
 * `upgradeLegacyCollection` (see `./upgrade.ts`), from what it stores: no re-parse, no re-embed.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { sha256Hex } from '../documents/identity.js';
import { KEYWORD_INDEXED_FIELDS, metaField, type PointPayload } from '../documents/payload.js';
import { isRetryableRequestStatus } from '../retry.js';
import { TransientError } from '../runtime/errors.js';
import type { SparseVector } from '../text/sparse-vector.js';
import { createQdrantClient } from './client.js';
import { DEFAULT_FUSION, type Fusion, type SearchMode } from './search-mode.js';
import { DENSE, SPARSE, collectionLayout, namedCollectionConfig, upgradeLegacyCollection, type CollectionLayout } from './upgrade.js';

export interface VectorPoint {
  id: string;
  vector: number[];
  sparse: SparseVector;
  payload: PointPayload;
}

export { DEFAULT_FUSION, SEARCH_MODES, type Fusion, type SearchMode } from './search-mode.js';

export interface SearchRequest {
  /** The query's embedding: needed for `dense` and `hybrid`. */
  dense?: number[] | undefined;
  /** The query's terms (`querySparseVector`): needed for `sparse` and `hybrid`. */
  sparse?: SparseVector | undefined;
  mode: SearchMode;
  limit: number;
  /** Payload path → the value it must hold (`key`, `meta.owner`, ...), all of them: applied to every branch. */
  filter?: Record<string, string> | undefined;
  fusion?: Fusion | undefined;
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
  /** Metadata names with a keyword index on `meta.<name>` (SLUICE_FILTER_FIELDS). */
  filterFields?: readonly string[] | undefined;
  /** The metadata name indexed with `is_tenant` (SLUICE_TENANT_FIELD). */
  tenantField?: string | undefined;
}

export interface VectorStore {
  readonly collection: string;
  /**
   * Creates the collection (cosine) and payload indexes if missing, those of the filter and
   * tenant fields included; checks the dimension.
   */
  ensureCollection(dimension: number): Promise<void>;
  upsert(points: readonly VectorPoint[]): Promise<void>;
  /** Removes a document's points: all of them, all but one version, or one version only. */
  deleteDocument(docId: string, options?: { keepVersion?: string; onlyVersion?: string }): Promise<void>;
  /** Points of a document; of one version; of one version written with one `meta_hash`. */
  countDocumentPoints(docId: string, version?: string, metaHash?: string): Promise<number>;
  /** Dense, sparse, or both fused (Qdrant's Query API: a prefetch per vector, then RRF/DBSF). */
  search(request: SearchRequest): Promise<SearchHit[]>;
  /** Rebuilds a dense-only collection with named dense + sparse vectors. False if nothing to do. */
  upgradeLegacyCollection(): Promise<boolean>;
  /** Stored vectors of chunks with these content hashes (any document): reused, not recomputed. */
  vectorsByChunkHash(hashes: readonly string[]): Promise<Map<string, number[]>>;
  /** The distinct object keys of a bucket that have points, whatever their status records say. */
  documentKeys(bucket: string): Promise<Set<string>>;
}

export class DimensionMismatchError extends Error {
  override readonly name = 'DimensionMismatchError';
}

export function createVectorStore(options: VectorStoreOptions): VectorStore {
  const client = createQdrantClient(options);
  const { collection } = options;
  const batchSize = options.upsertBatchSize ?? 256;
  const metaIndexes = [
    ...(options.filterFields ?? []).filter((name) => name !== options.tenantField).map((name) => ({ field: metaField(name), tenant: false })),
    ...(options.tenantField ? [{ field: metaField(options.tenantField), tenant: true }] : []),
  ];
  let ensuredDimension: number | undefined;
  // One upgrade at a time in this process; every write waits for it.
  let upgrading: Promise<boolean> | undefined;
  const upgrade = () =>
    (upgrading ??= transient(() => upgradeLegacyCollection(client, collection, { batchSize, indexedFields: KEYWORD_INDEXED_FIELDS })).finally(() => {
      upgrading = undefined;
      layoutCache = undefined;
    }));
  // The layout only changes once (legacy → named), so searches need not ask on every query.
  let layoutCache: { layout: CollectionLayout | undefined; at: number } | undefined;
  const layout = async (): Promise<CollectionLayout | undefined> => {
    if (layoutCache && (layoutCache.layout === 'named' || Date.now() - layoutCache.at < LAYOUT_RECHECK_MS)) return layoutCache.layout;
    const found = await collectionLayout(client, collection);
    layoutCache = { layout: found, at: Date.now() };
    return found;
  };

  const documentFilter = (docId: string, options: { keepVersion?: string | undefined; onlyVersion?: string | undefined } = {}) => ({
    must: [{ key: 'doc_id', match: { value: docId } }, ...(options.onlyVersion ? [{ key: 'version', match: { value: options.onlyVersion } }] : [])],
    ...(options.keepVersion ? { must_not: [{ key: 'version', match: { value: options.keepVersion } }] } : {}),
  });

  return {
    collection,

    async ensureCollection(dimension) {
      if (ensuredDimension === dimension) return;
      if (upgrading) await upgrading;
      await transient(async () => {
        const { exists } = await client.collectionExists(collection);
        if (!exists) {
          try {
            await client.createCollection(collection, namedCollectionConfig(dimension));
          } catch (err) {
            // Another replica created it between our check and our create: fine.
            if (!isConflict(err)) throw err;
          }
        }
      });
      // Dense-only (made before sparse vectors), or an upgrade interrupted half-way: finish it.
      await upgrade();
      await transient(async () => {
        const info = await client.getCollection(collection);
        const vectors = info.config.params.vectors as Record<string, { size?: number }> | undefined;
        const size = vectors?.[DENSE]?.size;
        if (size !== dimension || !info.config.params.sparse_vectors?.[SPARSE]) {
          throw new DimensionMismatchError(
            size !== undefined && size !== dimension
              ? `collection ${collection} holds ${size}-dimensional vectors but the model makes ${dimension}; use another QDRANT_COLLECTION per model`
              : `collection ${collection} lacks the named vectors ${DENSE} and ${SPARSE}; use another QDRANT_COLLECTION`,
          );
        }
        const existing = info.payload_schema ?? {};
        for (const field of KEYWORD_INDEXED_FIELDS) {
          if (!(field in existing)) await client.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true });
        }
        for (const { field, tenant } of metaIndexes) {
          const present = existing[field] as { params?: { is_tenant?: boolean } } | undefined;
          // A field that became the tenant field since its index was made is indexed again.
          if (present && (!tenant || present.params?.is_tenant === true)) continue;
          await client.createPayloadIndex(collection, { field_name: field, field_schema: tenant ? { type: 'keyword', is_tenant: true } : 'keyword', wait: true });
        }
      });
      ensuredDimension = dimension;
    },

    async upsert(points) {
      for (let start = 0; start < points.length; start += batchSize) {
        const batch = points.slice(start, start + batchSize);
        await transient(() =>
          client.upsert(collection, {
            wait: true,
            points: batch.map((p) => ({ id: p.id, vector: { [DENSE]: p.vector, [SPARSE]: p.sparse }, payload: { ...p.payload } })),
          }),
        );
      }
    },

    async deleteDocument(docId, deleteOptions) {
      await transient(() => client.delete(collection, { wait: true, filter: documentFilter(docId, deleteOptions) }).catch(notFoundAs(undefined)));
    },

    async countDocumentPoints(docId, version, metaHash) {
      const filter = {
        must: [
          { key: 'doc_id', match: { value: docId } },
          ...(version ? [{ key: 'version', match: { value: version } }] : []),
          ...(metaHash ? [{ key: 'meta_hash', match: { value: metaHash } }] : []),
        ],
      };
      // Before the first document is indexed there is no collection: nothing is indexed yet.
      const result = await transient(() => client.count(collection, { filter, exact: true }).catch(notFoundAs({ count: 0 })));
      return result.count;
    },

    async search(request) {
      const current = await transient(layout);
      if (current === undefined) return []; // nothing indexed yet
      const filter = request.filter
        ? { must: Object.entries(request.filter).map(([key, value]) => ({ key, match: { value } })) }
        : undefined;
      const body = queryBody(request, current, filter);
      if (!body) return [];
      const result = await transient(() => client.query(collection, { ...body, with_payload: true }).catch(notFoundAs({ points: [] })));
      return result.points.map((p) => ({ id: String(p.id), score: p.score, payload: p.payload as unknown as PointPayload }));
    },

    upgradeLegacyCollection: upgrade,

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
        const dense = denseOf(point.vector);
        if (typeof hash !== 'string' || !wanted.has(hash) || found.has(hash) || !dense) continue;
        // A point whose hash is not that of its own text was written by something that did not
        // verify it (an older version, a forged event): its vector is not reused for other chunks.
        if (typeof text !== 'string' || sha256Hex(text) !== hash) continue;
        found.set(hash, dense);
      }
      offset = (page.next_page_offset ?? undefined) as string | number | undefined;
    } while (offset !== undefined && slice.some((h) => !found.has(h)));
  }
  return found;
}

/** The dense vector of a scrolled point, whether the collection names its vectors or not. */
function denseOf(vector: unknown): number[] | undefined {
  if (Array.isArray(vector)) return vector as number[];
  const named = (vector as Record<string, unknown> | null | undefined)?.[DENSE];
  return Array.isArray(named) ? (named as number[]) : undefined;
}

/**
 * The Query API request for a search. Hybrid: one prefetch per vector, each with the filter
 * (a prefetch is a search of its own, and a filter only on the fusion would let unfiltered
 * hits crowd the candidates out), then fusion of the two ranked lists. A legacy collection
 * (one unnamed dense vector, upgrade pending) can only answer densely.
 */
function queryBody(request: SearchRequest, layout: CollectionLayout, filter: object | undefined): Record<string, unknown> | undefined {
  const withFilter = filter ? { filter } : {};
  const dense = request.dense;
  const sparse = request.sparse && request.sparse.indices.length > 0 ? request.sparse : undefined;
  if (layout === 'legacy' || request.mode === 'dense') {
    if (!dense) return undefined;
    return { query: dense, ...(layout === 'named' ? { using: DENSE } : {}), limit: request.limit, ...withFilter };
  }
  if (request.mode === 'sparse' || !dense) {
    return sparse ? { query: sparse, using: SPARSE, limit: request.limit, ...withFilter } : undefined;
  }
  if (!sparse) return { query: dense, using: DENSE, limit: request.limit, ...withFilter };
  const candidates = Math.max(PREFETCH_MIN, request.limit * PREFETCH_FACTOR);
  return {
    prefetch: [
      { query: dense, using: DENSE, limit: candidates, ...withFilter },
      { query: sparse, using: SPARSE, limit: candidates, ...withFilter },
    ],
    query: fusionQuery(request.fusion ?? DEFAULT_FUSION),
    limit: request.limit,
    ...withFilter,
  };
}

/** Qdrant's fusion query; the prefetches are dense first, sparse second. */
function fusionQuery(fusion: Fusion): Record<string, unknown> {
  if (fusion.method === 'dbsf') return { fusion: 'dbsf' };
  const weight = fusion.sparseWeight ?? 1;
  return weight === 1 ? { fusion: 'rrf' } : { rrf: { weights: [1, weight] } };
}

// Candidates each branch hands to the fusion: enough that a chunk ranked well by only one
// branch still makes it, few enough to keep a query in single-digit milliseconds.
const PREFETCH_MIN = 50;
const PREFETCH_FACTOR = 5;
const LAYOUT_RECHECK_MS = 5_000;

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

/** Qdrant unreachable or failing on its side (lib/retry.ts's rule): the broker retries the event later. */
async function transient<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (err) {
    if (err instanceof DimensionMismatchError) throw err;
    const status = (err as { status?: number }).status;
    if (status === undefined || isRetryableRequestStatus(status)) {
      throw new TransientError(`Qdrant request failed: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
    }
    throw err;
  }
}
