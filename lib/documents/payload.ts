/**
 * The Qdrant payload of every point: a public contract (search results, the API, outside
 * checks read it), documented in the README. Keep the two in step.
 */
export interface PointPayload {
  doc_id: string;
  bucket: string;
  key: string;
  /** ETag of the indexed object version. */
  version: string;
  /** Filer event order of that version, when known (decimal string). */
  sequence?: string;
  chunk_index: number;
  chunk_count: number;
  /** SHA-256 of the chunk text. */
  chunk_hash: string;
  text: string;
  page?: number;
  heading?: string;
  /** Set (true) when the text was read by OCR from a scanned page or an image. */
  ocr?: boolean;
  content_type: string;
  indexed_at: string;
}

/** Payload fields with a keyword index: everything we filter or delete by. */
export const KEYWORD_INDEXED_FIELDS = ['doc_id', 'bucket', 'key', 'version', 'chunk_hash'] as const;

/** Headings (paths) longer than this are cut by the chunker; the later stages refuse longer ones. */
export const MAX_HEADING_CHARS = 1024;
