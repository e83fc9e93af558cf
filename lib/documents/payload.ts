/**
 * The Qdrant payload of every point: a public contract (search results, the API, outside
 * checks read it), documented in the README. Keep the two in step.
 */
import type { EmailFields } from './email.js';

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
  /**
   * The object's user metadata (`x-amz-meta-*`) and tags, names normalised, values bounded
   * (lib/documents/metadata.ts); `{}` for an object without any. Names configured in
   * SLUICE_FILTER_FIELDS (and SLUICE_TENANT_FIELD) have a keyword index as `meta.<name>`.
   * Absent on points written before metadata was carried.
   */
  meta?: Record<string, string>;
  /** SHA-256 of `meta` (metaHash): split compares it to tell a metadata-only change. */
  meta_hash?: string;
  /** E-mail documents: subject, from, to and date of the message. */
  email?: EmailFields;
}

/** Payload fields with a keyword index: everything we filter or delete by. */
export const KEYWORD_INDEXED_FIELDS = ['doc_id', 'bucket', 'key', 'version', 'chunk_hash', 'meta_hash'] as const;

/** The payload path of a metadata field (its keyword index, its filter). */
export function metaField(name: string): string {
  return `meta.${name}`;
}

/** Headings (paths) longer than this are cut by the chunker; the later stages refuse longer ones. */
export const MAX_HEADING_CHARS = 1024;
