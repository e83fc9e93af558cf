/** Search: a question in, the best chunks out. Shared by the HTTP API and its tests. */
import type { Embedder } from '../../lib/embedding/types.js';
import { querySparseVector } from '../../lib/text/sparse-vector.js';
import type { Fusion, SearchMode, VectorStore } from '../../lib/vector-store/qdrant.js';

export interface SearchHit {
  key: string;
  bucket: string;
  score: number;
  text: string;
  page?: number;
  heading?: string;
  /** The text was read by OCR. */
  ocr?: boolean;
  chunk_index: number;
  version: string;
}

export interface SearchOptions {
  k: number;
  /** Restrict to one object key. */
  key?: string;
  /** `hybrid` (default): dense and sparse fused; `dense` or `sparse` alone, to compare. */
  mode?: SearchMode;
  fusion?: Fusion;
}

export async function search(embedder: Embedder, store: VectorStore, query: string, options: SearchOptions): Promise<SearchHit[]> {
  const mode = options.mode ?? 'hybrid';
  // Sparse-only needs no model call; the query's terms are cheap to compute either way.
  const vector = mode === 'sparse' ? undefined : (await embedder.embed([query]))[0];
  const hits = await store.search({
    mode,
    dense: vector ? Array.from(vector) : undefined,
    sparse: querySparseVector(query),
    limit: options.k,
    ...(options.fusion ? { fusion: options.fusion } : {}),
    ...(options.key ? { filter: { key: options.key } } : {}),
  });
  return hits.map(({ score, payload }) => ({
    key: payload.key,
    bucket: payload.bucket,
    score,
    text: payload.text,
    ...(payload.page !== undefined ? { page: payload.page } : {}),
    ...(payload.heading !== undefined ? { heading: payload.heading } : {}),
    ...(payload.ocr ? { ocr: true } : {}),
    chunk_index: payload.chunk_index,
    version: payload.version,
  }));
}
