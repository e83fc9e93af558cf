/**
 * Verify, don't believe: what every stage re-derives from an incoming pipeline event instead of
 * trusting the sender. Any stage can be reached by a forged or corrupted event (a compromised
 * stage, a replayed dead letter, anyone who can reach a port), so each one checks, before any
 * write, everything it can compute or bound itself:
 * - the bucket is one of the configured buckets (S3_BUCKET);
 * - `docId` is the id of `bucket/key` (never a victim's id under another key);
 * - the version is an ETag-shaped token (it becomes part of point ids and claim keys);
 * - sizes and counts are within the limits a real document can reach;
 * - the object's metadata (`meta`) and e-mail fields have normalised names and bounded values;
 * - each chunk's `hash` is the SHA-256 of its text, indexes are 0..n-1 in order;
 * - vectors have the configured model's dimension and finite values;
 * - a claim check lies in the pipeline bucket, at the key of THAT document version and stage,
 *   and is no larger than a real payload can be.
 * A violation is an InvalidEventError: 400, never retried, nothing written.
 */
import type { Config } from '../config.js';
import type { Chunk, ClaimCheck, DocumentRef, EmbeddedChunk, EmbeddingModelInfo } from '../events/schemas.js';
import { decodeVector } from '../embedding/vector-codec.js';
import { InvalidEventError } from '../runtime/errors.js';
import { claimKey } from '../storage/claim-check.js';
import { emailFieldsProblem } from './email.js';
import { documentId, sha256Hex } from './identity.js';
import { metaProblem } from './metadata.js';
import { MAX_HEADING_CHARS } from './payload.js';

export { MAX_HEADING_CHARS };

/**
 * ETags are hex digests, `hex-N` for multipart uploads; split falls back to a SHA-256 hex. No
 * `/`, no `..`: the version is part of claim keys and point ids.
 */
const VERSION = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export interface DocumentLimits {
  /** Buckets the pipeline serves (S3_BUCKET). */
  readonly buckets: readonly string[];
  /** Where claim checks live (S3_PIPELINE_BUCKET). */
  readonly pipelineBucket: string;
  readonly maxObjectBytes: number;
  readonly maxChunks: number;
  /** The chunker's target size: no chunk text is longer (CHUNK_SIZE, in UTF-16 units). */
  readonly maxChunkChars: number;
  readonly maxPages: number;
  /** Vector length of the configured model (EMBED_DIMENSION). */
  readonly dimension: number;
  /** Largest claim-check object a stage reads (MAX_CLAIM_BYTES or derived). */
  readonly maxClaimBytes: number;
}

type LimitsConfig = Pick<
  Config,
  'buckets' | 'S3_PIPELINE_BUCKET' | 'MAX_OBJECT_BYTES' | 'MAX_CHUNKS_PER_DOCUMENT' | 'CHUNK_SIZE' | 'MAX_PAGES' | 'EMBED_DIMENSION' | 'MAX_CLAIM_BYTES'
>;

export function documentLimits(config: LimitsConfig): DocumentLimits {
  const limits = {
    buckets: config.buckets,
    pipelineBucket: config.S3_PIPELINE_BUCKET,
    maxObjectBytes: config.MAX_OBJECT_BYTES,
    maxChunks: config.MAX_CHUNKS_PER_DOCUMENT,
    maxChunkChars: config.CHUNK_SIZE,
    maxPages: config.MAX_PAGES,
    dimension: config.EMBED_DIMENSION,
  };
  return { ...limits, maxClaimBytes: config.MAX_CLAIM_BYTES ?? derivedMaxClaimBytes(limits) };
}

/**
 * The largest claim-check object a real document can produce: every chunk at its largest, as
 * JSON. A UTF-16 unit costs at most 6 bytes in JSON (`\u001f`), a float32 vector 4 bytes a
 * dimension in base64 (4/3), and the field names, hash and numbers stay under 256 bytes.
 */
export function derivedMaxClaimBytes(limits: Pick<DocumentLimits, 'maxChunks' | 'maxChunkChars' | 'dimension'>): number {
  const vectorChars = 4 * Math.ceil((4 * limits.dimension) / 3);
  const perChunk = 6 * (limits.maxChunkChars + MAX_HEADING_CHARS) + vectorChars + 256;
  return limits.maxChunks * perChunk + 2;
}

export function verifyBucket(limits: Pick<DocumentLimits, 'buckets'>, bucket: string): void {
  if (!limits.buckets.includes(bucket)) throw new InvalidEventError(`bucket ${bucket} is not a configured bucket`);
}

/** The document reference of a chunks.ready / vectors.ready event, re-derived. */
export function verifyDocument(limits: DocumentLimits, document: DocumentRef): void {
  verifyBucket(limits, document.bucket);
  const expected = documentId(document.bucket, document.key);
  if (document.docId !== expected) {
    throw new InvalidEventError(`docId ${document.docId} is not the id of ${document.bucket}/${document.key} (${expected})`);
  }
  if (!VERSION.test(document.version) || document.version.includes('..')) {
    throw new InvalidEventError(`version ${JSON.stringify(document.version.slice(0, 200))} is not an object version (ETag)`);
  }
  if (document.size > limits.maxObjectBytes) {
    throw new InvalidEventError(`document size ${document.size} is over the limit of ${limits.maxObjectBytes} bytes (MAX_OBJECT_BYTES)`);
  }
  const metaTrouble = document.meta !== undefined ? metaProblem(document.meta) : undefined;
  if (metaTrouble) throw new InvalidEventError(metaTrouble);
  const emailTrouble = document.email !== undefined ? emailFieldsProblem(document.email) : undefined;
  if (emailTrouble) throw new InvalidEventError(emailTrouble);
}

/**
 * A claim check may only name the object the previous stage writes for this document version
 * (see claimKey): not another bucket, not a dead letter, not another document's payload.
 */
export function verifyClaimReference(
  limits: Pick<DocumentLimits, 'pipelineBucket' | 'maxClaimBytes'>,
  claim: ClaimCheck | undefined,
  document: Pick<DocumentRef, 'docId' | 'version'>,
  stage: 'chunks' | 'vectors',
  /** The index generation the event is for: its claims are its own (claimPrefix). */
  generation?: number,
): void {
  if (claim === undefined) return;
  const key = claimKey(stage, document.docId, document.version, generation);
  if (claim.bucket !== limits.pipelineBucket || claim.key !== key) {
    throw new InvalidEventError(`claim check s3://${claim.bucket}/${claim.key} is not this document's ${stage} claim (s3://${limits.pipelineBucket}/${key})`);
  }
  if (claim.bytes > limits.maxClaimBytes) {
    throw new InvalidEventError(`claim check declares ${claim.bytes} bytes, over the limit of ${limits.maxClaimBytes} (MAX_CLAIM_BYTES)`);
  }
}

/** The chunks of one document version: count, order, content hashes and bounds. */
export function verifyChunks(limits: DocumentLimits, chunks: readonly Chunk[], chunkCount: number): void {
  if (chunkCount !== chunks.length) throw new InvalidEventError(`chunkCount ${chunkCount} does not match the ${chunks.length} chunks carried`);
  // split never sends a document without chunks (that is a no_text failure); an empty list would
  // make index drop every other version of the document and write nothing.
  if (chunks.length === 0) throw new InvalidEventError('a document version without chunks');
  if (chunks.length > limits.maxChunks) {
    throw new InvalidEventError(`${chunks.length} chunks, over the limit of ${limits.maxChunks} (MAX_CHUNKS_PER_DOCUMENT)`);
  }
  chunks.forEach((chunk, position) => {
    if (chunk.index !== position) throw new InvalidEventError(`chunk at position ${position} has index ${chunk.index}: indexes must run 0..${chunks.length - 1} in order`);
    if (chunk.text.length > limits.maxChunkChars) {
      throw new InvalidEventError(`chunk ${chunk.index} has ${chunk.text.length} characters, over the chunk size of ${limits.maxChunkChars} (CHUNK_SIZE)`);
    }
    if (chunk.hash !== sha256Hex(chunk.text)) throw new InvalidEventError(`chunk ${chunk.index}: hash is not the SHA-256 of its text`);
    if (chunk.page !== undefined && chunk.page > limits.maxPages) {
      throw new InvalidEventError(`chunk ${chunk.index} is on page ${chunk.page}, past the limit of ${limits.maxPages} (MAX_PAGES)`);
    }
    if (chunk.heading !== undefined && chunk.heading.length > MAX_HEADING_CHARS) {
      throw new InvalidEventError(`chunk ${chunk.index} has a heading of ${chunk.heading.length} characters, over ${MAX_HEADING_CHARS}`);
    }
  });
}

/** How far ahead of this process's clock a cycle time may be (clocks of two hosts differ a little). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A processing cycle's time orders the status transitions of a document: one in the future
 * would make every real transition after it look stale and freeze the record.
 */
export function verifyCycleTime(time: string | undefined, now: Date): void {
  if (time === undefined) return;
  const at = Date.parse(time);
  if (Number.isFinite(at) && at > now.getTime() + MAX_CLOCK_SKEW_MS) {
    throw new InvalidEventError(`cycle time ${time} is in the future (now ${now.toISOString()})`);
  }
}

/** The model a vectors.ready event declares must be the configured one (its dimension). */
export function verifyModel(limits: Pick<DocumentLimits, 'dimension'>, model: EmbeddingModelInfo): void {
  if (model.dimension !== limits.dimension) {
    throw new InvalidEventError(`model ${model.name} declares ${model.dimension} dimensions, the configured model has ${limits.dimension} (EMBED_DIMENSION)`);
  }
}

/** Decodes every chunk's vector, refusing any that is not `dimension` finite floats. */
export function verifyVectors(limits: Pick<DocumentLimits, 'dimension'>, chunks: readonly EmbeddedChunk[]): Float32Array[] {
  return chunks.map((chunk) => {
    let vector: Float32Array;
    try {
      vector = decodeVector(chunk.vector);
    } catch (err) {
      throw new InvalidEventError(`chunk ${chunk.index}: ${(err as Error).message}`);
    }
    if (!isVectorOf(limits.dimension, vector)) {
      throw new InvalidEventError(`chunk ${chunk.index} has a vector of ${vector.length} dimensions or non-finite values; the configured model has ${limits.dimension}`);
    }
    return vector;
  });
}

/** A usable vector of the model: the right length and only finite numbers (NaN breaks cosine). */
export function isVectorOf(dimension: number, vector: ArrayLike<number>): boolean {
  if (vector.length !== dimension) return false;
  for (let i = 0; i < vector.length; i++) if (!Number.isFinite(vector[i])) return false;
  return true;
}
