/** Messages between split and its extraction worker thread. */
import type { ExtractFailureReason, ExtractLimits, Extracted } from '../extract/index.js';

export interface ExtractJob {
  bytes: Uint8Array;
  key: string;
  contentType: string;
  limits: ExtractLimits;
}

export type ExtractReply = { ok: true; extracted: Extracted } | { ok: false; reason: ExtractFailureReason; message: string };

/** Sent first, once the parsers are loaded: failures before it are ours, not the document's. */
export interface WorkerLoaded {
  loaded: true;
}

export type WorkerMessage = WorkerLoaded | ExtractReply;
