/** Messages between split and its extraction worker thread. */
import type { EmailFields } from '../../../lib/documents/email.js';
import type { Chunk } from '../../../lib/events/schemas.js';
import type { ChunkerOptions } from '../chunk.js';
import type { DocumentKind, ExtractFailureReason, ExtractLimits } from '../extract/index.js';

export interface ExtractJob {
  bytes: Uint8Array;
  key: string;
  contentType: string;
  limits: ExtractLimits;
  chunking: ChunkerOptions;
}

/** A document's chunks, what kind of document it was, and its e-mail header fields if it is one. */
export interface SplitDocument {
  kind: DocumentKind;
  chunks: Chunk[];
  email?: EmailFields;
}

export type ExtractReply = { ok: true; document: SplitDocument } | { ok: false; reason: ExtractFailureReason; message: string };

/** Sent first, once the parsers are loaded: failures before it are ours, not the document's. */
export interface WorkerLoaded {
  loaded: true;
}

/**
 * Sent when the document's OCR starts: OCR has its own deadline (OCR_TIMEOUT_MS), added once to
 * the document's (SPLIT_DEADLINE_MS).
 */
export interface OcrStarted {
  ocrStarted: true;
}

export type WorkerMessage = WorkerLoaded | OcrStarted | ExtractReply;
