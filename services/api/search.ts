/** Search: a question in, the best chunks out. Shared by the HTTP API and its tests. */
import type { EmailFields } from '../../lib/documents/email.js';
import { metaField } from '../../lib/documents/payload.js';
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
  /** The object's user metadata and tags (lib/documents/metadata.ts). */
  meta?: Record<string, string>;
  /** E-mail documents: subject, from, to, date. */
  email?: EmailFields;
}

export interface SearchOptions {
  k: number;
  /** Restrict to one object key. */
  key?: string;
  /** Metadata name → the value its `meta.<name>` must hold; all of them (checked by the caller). */
  meta?: Readonly<Record<string, string>>;
  /** `hybrid` (default): dense and sparse fused; `dense` or `sparse` alone, to compare. */
  mode?: SearchMode;
  fusion?: Fusion;
}

export async function search(embedder: Embedder, store: VectorStore, query: string, options: SearchOptions): Promise<SearchHit[]> {
  const mode = options.mode ?? 'hybrid';
  // Sparse-only needs no model call; the query's terms are cheap to compute either way.
  const vector = mode === 'sparse' ? undefined : (await embedder.embed([query]))[0];
  // One filter for both branches of a hybrid search (the store puts it on each prefetch).
  const filter: Record<string, string> = {
    ...(options.key ? { key: options.key } : {}),
    ...Object.fromEntries(Object.entries(options.meta ?? {}).map(([name, value]) => [metaField(name), value])),
  };
  const hits = await store.search({
    mode,
    dense: vector ? Array.from(vector) : undefined,
    sparse: querySparseVector(query),
    limit: options.k,
    ...(options.fusion ? { fusion: options.fusion } : {}),
    ...(Object.keys(filter).length > 0 ? { filter } : {}),
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
    ...(payload.meta !== undefined ? { meta: payload.meta } : {}),
    ...(payload.email !== undefined ? { email: payload.email } : {}),
  }));
}
