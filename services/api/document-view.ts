/**
 * Everything the console shows about one document (`GET /documents/<key>?include=…`): its
 * status record, the transitions the status store keeps, the versions it knows and how many
 * points the index holds of each, a window of the chunks as indexed, and its dead letters.
 */
import { documentId } from '../../lib/documents/identity.js';
import type { StatusRecord, StatusStore, StatusTransition } from '../../lib/status/index.js';
import type { ChunkReader, ChunkWindow } from '../../lib/vector-store/chunks.js';
import type { VectorStore } from '../../lib/vector-store/qdrant.js';
import { replayRequestFor } from './dead-letter-check.js';
import { summarise, type DeadLetterStore, type DeadLetterSummary } from './dead-letters.js';

export const DOCUMENT_PARTS = ['history', 'chunks', 'letters'] as const;
export type DocumentPart = (typeof DOCUMENT_PARTS)[number];

/** Chunks per window: enough to read, few enough for one page. */
export const MAX_CHUNK_WINDOW = 200;

export interface DocumentVersion {
  version: string;
  /** Points the index holds of it. */
  points: number;
  /** The version of the current cycle. */
  current: boolean;
  /** The version the index fully holds (the record's indexed_version). */
  indexed: boolean;
}

export interface DocumentDetail {
  bucket: string;
  key: string;
  docId: string;
  /** Points of every version (what `GET /documents/<key>` has always answered). */
  points: number;
  record?: StatusRecord;
  transitions?: StatusTransition[];
  versions?: DocumentVersion[];
  chunks?: ChunkWindow & { offset: number; limit: number };
  deadLetters?: DeadLetterSummary[];
}

export interface DocumentViewDependencies {
  status: Pick<StatusStore, 'get' | 'transitions'>;
  store: Pick<VectorStore, 'countDocumentPoints'>;
  chunks?: ChunkReader | undefined;
  deadLetters: Pick<DeadLetterStore, 'list'>;
  buckets: readonly string[];
}

export interface DocumentViewRequest {
  bucket: string;
  key: string;
  include: readonly DocumentPart[];
  /** Chunks from this index. */
  offset?: number;
  limit?: number;
  /** Chunks of this version; default the one the index fully holds, else the current one. */
  version?: string;
}

export async function documentDetail(deps: DocumentViewDependencies, request: DocumentViewRequest): Promise<DocumentDetail> {
  const { bucket, key, include } = request;
  const docId = documentId(bucket, key);
  const [record, points] = await Promise.all([deps.status.get(docId), deps.store.countDocumentPoints(docId)]);
  const detail: DocumentDetail = { bucket, key, docId, points, ...(record ? { record } : {}) };
  if (include.includes('history')) {
    const transitions = await deps.status.transitions(docId);
    detail.transitions = transitions;
    const known = [...new Set([record?.version, record?.indexed_version, ...transitions.map((t) => t.version)].filter((v): v is string => typeof v === 'string' && v !== ''))];
    detail.versions = await Promise.all(
      known.map(async (version) => ({ version, points: await deps.store.countDocumentPoints(docId, version), current: version === record?.version, indexed: version === record?.indexed_version })),
    );
  }
  if (include.includes('chunks') && deps.chunks) {
    const version = request.version ?? record?.indexed_version ?? record?.version;
    const offset = Math.max(0, request.offset ?? 0);
    const limit = Math.min(Math.max(1, request.limit ?? 50), MAX_CHUNK_WINDOW);
    detail.chunks = version ? { ...(await deps.chunks.documentChunks(docId, { version, offset, limit })), offset, limit } : { version: '', items: [], offset, limit };
  }
  // Listing reads every letter: only for a document that failed, where a letter may explain why.
  if (include.includes('letters') && record?.status === 'failed') {
    const letters = await deps.deadLetters.list();
    detail.deadLetters = letters
      .filter((letter) => {
        const request = replayRequestFor(letter.event, deps.buckets);
        return 'event' in request && (request.event.data as { bucket?: string; key?: string }).key === key && (request.event.data as { bucket?: string }).bucket === bucket;
      })
      .map(summarise);
  }
  return detail;
}
