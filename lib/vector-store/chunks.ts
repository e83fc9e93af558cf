/**
 * The chunks of one document as the index holds them, for people to read (the console's
 * document view): a window of chunk indexes of one version, text and payload, no vectors.
 * Apart from VectorStore, which is what the stages write and search through.
 */
import { createQdrantClient } from './client.js';

/** Payload fields every point has; anything else a stage adds is shown as the chunk's metadata. */
const CORE_FIELDS = new Set(['doc_id', 'bucket', 'key', 'version', 'sequence', 'chunk_index', 'chunk_count', 'chunk_hash', 'text', 'page', 'heading', 'ocr', 'content_type', 'indexed_at']);

export interface IndexedChunk {
  index: number;
  text: string;
  page?: number;
  heading?: string;
  /** Whether the text was recognised from an image (a payload `ocr` flag, when the splitter sets one). */
  ocr?: boolean;
  contentType?: string;
  indexedAt?: string;
  /** Every other payload field, as stored. */
  meta: Record<string, unknown>;
}

export interface ChunkWindow {
  version: string;
  /** The document's chunk count as its points say (absent when none were found). */
  total?: number;
  items: IndexedChunk[];
}

export interface ChunkReader {
  /** Chunks `offset` … `offset + limit - 1` of `version`, in order. */
  documentChunks(docId: string, options: { version: string; offset: number; limit: number }): Promise<ChunkWindow>;
}

export function toIndexedChunk(payload: Record<string, unknown>): IndexedChunk {
  const meta = Object.fromEntries(Object.entries(payload).filter(([name]) => !CORE_FIELDS.has(name)));
  return {
    index: Number(payload.chunk_index),
    text: typeof payload.text === 'string' ? payload.text : '',
    ...(typeof payload.page === 'number' ? { page: payload.page } : {}),
    ...(typeof payload.heading === 'string' ? { heading: payload.heading } : {}),
    ...(typeof payload.ocr === 'boolean' ? { ocr: payload.ocr } : {}),
    ...(typeof payload.content_type === 'string' ? { contentType: payload.content_type } : {}),
    ...(typeof payload.indexed_at === 'string' ? { indexedAt: payload.indexed_at } : {}),
    meta,
  };
}

export function createChunkReader(options: { url: string; apiKey?: string | undefined; collection: string }): ChunkReader {
  const client = createQdrantClient(options);
  return {
    async documentChunks(docId, { version, offset, limit }) {
      const filter = {
        must: [
          { key: 'doc_id', match: { value: docId } },
          { key: 'version', match: { value: version } },
          // A range on the index, not a scroll offset: point ids are hashes, not in chunk order.
          { key: 'chunk_index', range: { gte: offset, lt: offset + limit } },
        ],
      };
      const page = await client.scroll(options.collection, { filter, limit, with_payload: true, with_vector: false }).catch((err: unknown) => {
        // No collection yet: nothing indexed.
        if ((err as { status?: number }).status === 404) return { points: [] };
        throw err;
      });
      const items = page.points.map((p) => toIndexedChunk((p.payload ?? {}) as Record<string, unknown>)).sort((a, b) => a.index - b.index);
      const total = page.points.map((p) => (p.payload as { chunk_count?: unknown } | null | undefined)?.chunk_count).find((n) => typeof n === 'number');
      return { version, ...(typeof total === 'number' ? { total } : {}), items };
    },
  };
}
