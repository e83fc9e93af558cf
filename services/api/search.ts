/** Search: a question in, the best chunks out. Shared by the HTTP API and its tests. */
import type { Embedder } from '../../lib/embedding/types.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';

export interface SearchHit {
  key: string;
  bucket: string;
  score: number;
  text: string;
  page?: number;
  heading?: string;
  chunk_index: number;
  version: string;
}

export interface SearchOptions {
  k: number;
  /** Restrict to one object key. */
  key?: string;
}

export async function search(embedder: Embedder, store: VectorStore, query: string, options: SearchOptions): Promise<SearchHit[]> {
  const [vector] = await embedder.embed([query]);
  if (!vector) return [];
  const hits = await store.search(Array.from(vector), { limit: options.k, ...(options.key ? { filter: { key: options.key } } : {}) });
  return hits.map(({ score, payload }) => ({
    key: payload.key,
    bucket: payload.bucket,
    score,
    text: payload.text,
    ...(payload.page !== undefined ? { page: payload.page } : {}),
    ...(payload.heading !== undefined ? { heading: payload.heading } : {}),
    chunk_index: payload.chunk_index,
    version: payload.version,
  }));
}
