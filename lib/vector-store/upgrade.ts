/**
 * The collection layout, and the upgrade of a collection made before sparse vectors existed.
 *
 * Qdrant cannot turn an unnamed vector into a named one, nor add a sparse vector to an
 * existing collection, so the upgrade rebuilds it from what it already stores: every point's
 * dense vector and payload are copied to a staging collection (`<name>-upgrade`) with the
 * sparse vector computed from the payload's text and heading (no download, no re-parse, no
 * model call), the old collection is dropped and re-created with named vectors, and the
 * staging copy is moved back. Each step is idempotent (point ids are kept), and the state on
 * disk says where a crash left it, so the next `ensureCollection` simply runs it again:
 *
 *   collection legacy, staging any  → copy collection → staging, then the rest
 *   collection missing, staging     → create collection (named), copy staging → collection, drop staging
 *   collection named,  staging      → copy staging → collection, drop staging
 *   collection named,  no staging   → done
 *
 * While it runs, searches of this collection find fewer (or, for a moment, no) chunks; index
 * writes in this process wait for it. Run one index replica while a cluster upgrades.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { chunkSparseVector } from '../text/sparse-vector.js';

export const DENSE = 'dense';
export const SPARSE = 'sparse';

/** `legacy`: one unnamed dense vector; `named`: dense + sparse; undefined: no collection. */
export type CollectionLayout = 'legacy' | 'named';

export function namedCollectionConfig(dimension: number) {
  return {
    vectors: { [DENSE]: { size: dimension, distance: 'Cosine' as const } },
    sparse_vectors: { [SPARSE]: { modifier: 'idf' as const } },
  };
}

export function stagingCollectionName(collection: string): string {
  return `${collection}-upgrade`;
}

export async function collectionLayout(client: QdrantClient, collection: string): Promise<CollectionLayout | undefined> {
  if (!(await client.collectionExists(collection)).exists) return undefined;
  return layoutOf(await client.getCollection(collection));
}

function layoutOf(info: Awaited<ReturnType<QdrantClient['getCollection']>>): CollectionLayout {
  const vectors = info.config.params.vectors as { size?: number } | undefined;
  return typeof vectors?.size === 'number' ? 'legacy' : 'named';
}

function denseSize(info: Awaited<ReturnType<QdrantClient['getCollection']>>): number {
  const vectors = info.config.params.vectors as { size?: number } & Record<string, { size?: number }>;
  const size = vectors.size ?? vectors[DENSE]?.size;
  if (typeof size !== 'number') throw new Error('collection has no dense vector size');
  return size;
}

export interface UpgradeOptions {
  batchSize: number;
  /** Keyword payload indexes the re-created collection gets. */
  indexedFields: readonly string[];
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

/** Runs (or finishes) the upgrade. True if there was anything to do. */
export async function upgradeLegacyCollection(client: QdrantClient, collection: string, options: UpgradeOptions): Promise<boolean> {
  const staging = stagingCollectionName(collection);
  const exists = async (name: string) => (await client.collectionExists(name)).exists;
  let layout = await collectionLayout(client, collection);
  const hasStaging = await exists(staging);
  if (layout !== 'legacy' && !hasStaging) return false;

  if (layout === 'legacy') {
    const info = await client.getCollection(collection);
    const dimension = denseSize(info);
    if (!hasStaging) await client.createCollection(staging, namedCollectionConfig(dimension));
    const copied = await copyPoints(client, collection, staging, options.batchSize, (payload) => chunkSparseVector(payload));
    options.log?.('legacy collection copied to staging with sparse vectors', { collection, points: copied });
    await client.deleteCollection(collection);
    layout = undefined;
  }
  if (layout === undefined) {
    const dimension = denseSize(await client.getCollection(staging));
    await client.createCollection(collection, namedCollectionConfig(dimension)).catch((err: unknown) => {
      if ((err as { status?: number }).status !== 409) throw err;
    });
  }
  for (const field of options.indexedFields) {
    await client.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true });
  }
  const moved = await copyPoints(client, staging, collection, options.batchSize);
  await client.deleteCollection(staging);
  options.log?.('collection upgraded to named dense + sparse vectors', { collection, points: moved });
  return true;
}

interface StoredChunk {
  text: string;
  heading?: string;
}

/**
 * Copies every point of `from` into `to` with the same id and payload. With `sparseOf`, the
 * source is a legacy collection (one unnamed vector) and each point gets its sparse vector
 * computed from its payload; without, the named vectors are copied as they are. Also used to
 * move a pre-generations collection into its first generation (lib/generations/aliases.ts).
 */
export async function copyPoints(
  client: QdrantClient,
  from: string,
  to: string,
  batchSize: number,
  sparseOf?: (payload: StoredChunk) => { indices: number[]; values: number[] },
): Promise<number> {
  let copied = 0;
  let offset: string | number | undefined;
  do {
    const page = await client.scroll(from, { limit: batchSize, with_payload: true, with_vector: true, ...(offset !== undefined ? { offset } : {}) });
    const points = page.points.map((point) => {
      const payload = (point.payload ?? {}) as Record<string, unknown>;
      const vector = sparseOf
        ? { [DENSE]: point.vector as number[], [SPARSE]: sparseOf(payload as unknown as StoredChunk) }
        : (point.vector as Record<string, number[] | { indices: number[]; values: number[] }>);
      return { id: point.id, vector, payload };
    });
    if (points.length > 0) await client.upsert(to, { wait: true, points });
    copied += points.length;
    offset = (page.next_page_offset ?? undefined) as string | number | undefined;
  } while (offset !== undefined);
  return copied;
}
